"""Test support shared by several test modules (not a fixture module: imported by name)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    """A dependency a test needs is missing: skip here, but fail in CI, which must run it."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def pdf_bytes(objects: list[str], trailer: str = "") -> bytes:
    """A PDF file of numbered `objects` (1 …): a `<<`-dict is written as is, anything else as
    a stream; an xref table and a trailer (`/Size`, `/Root 1 0 R`, plus `trailer`) follow."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        data = body.encode("latin-1")
        if not body.startswith("<<"):
            data = b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
        out += b"%d 0 obj\n" % number + data + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    head = f"/Size {len(objects) + 1} /Root 1 0 R"
    out += f"trailer\n<< {head}{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)
