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
