"""Ingestion: walk a folder of letters, load each file, parse it into a `Letter`.

Every file either becomes a record or gets a specific skip reason (unsupported
format, empty, unreadable, too large, …); one bad file never stops the rest. The
letter id is derived from the path relative to the folder, so re-building the same
folder updates letters in place. Also here: the string that is embedded for a
chunk (its letter's title and section path, then the chunk text).

Re-ingesting a folder reuses what an earlier build parsed (`ingest(..., previous=...)`):
a file whose size and mtime are what they were, and whose mtime is older than that
build's scan (less `RACY_NS`, so an edit in the same timestamp tick is not missed), is
not read at all; a file whose size is the same but whose mtime is not (or is too recent
to trust) is read and hashed, and reused if its bytes are the same. Anything else is
parsed. `parser_version` names the parsing code and tables, so a change to either
parses everything again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rag.config import Settings
from rag.errors import LoaderError, ReplyQAError
from rag.letters.boilerplate import find_boilerplate
from rag.letters.fields import extract_fields
from rag.letters.loaders import SUPPORTED_SUFFIXES, load_document
from rag.types import Letter

_HIDDEN = (".", "~$")
#: A file modified less than this before a build's scan began may change again within the
#: same mtime tick (coarse kernel clocks, 2 s on FAT): its mtime alone is not trusted.
RACY_NS = 2_000_000_000
# What a parsed letter depends on besides its file: these modules, the agency tables, the
# extraction libraries and the settings named in `parser_version`.
_PARSER_MODULES = (  # paths under rag/
    "letters/agencies.py",
    "letters/boilerplate.py",
    "letters/dates.py",
    "letters/decoding.py",
    "letters/fieldrules.py",
    "letters/fields.py",
    "letters/html_text.py",
    "letters/ingest.py",
    "letters/labels.py",
    "letters/landmarks.py",
    "letters/loaders.py",
    "letters/ocr.py",
    "types.py",
)
_PARSER_LIBRARIES = ("charset-normalizer", "trafilatura", "pypdfium2", "python-docx", "opencc")


def letter_id_for(source: str) -> str:
    """A stable id for the letter at `source` (relative path): 12 hex digits."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]


class Known(Protocol):
    """What an earlier build recorded about one file (`index.folder.FileRecord`)."""

    @property
    def size(self) -> int: ...

    @property
    def mtime_ns(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def letter(self) -> Letter: ...


@dataclass
class IngestResult:
    letters: list[Letter] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    # letter id -> (size, mtime_ns) of its file as it was read
    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    scanned_at_ns: int = 0  # time.time_ns() when the scan began
    parsed: int = 0  # files loaded and parsed
    reused: int = 0  # files whose earlier letter was reused
    hashed: int = 0  # files read and hashed to see whether they changed


def parser_version(settings: Settings) -> str:
    """A digest of everything a parsed letter depends on besides its file's bytes."""
    digest = hashlib.sha256()
    rag_dir = Path(__file__).parents[1]
    for name in _PARSER_MODULES:
        digest.update(name.encode() + b"\0" + (rag_dir / name).read_bytes())
    from rag.letters.agencies import DEFAULT_TABLE

    tables = [DEFAULT_TABLE, os.environ.get("REPLYQA_AGENCY_TABLE"), settings.agency_table]
    for table in tables:
        path = Path(table) if table else None
        digest.update(path.read_bytes() if path is not None and path.is_file() else b"-")
    for lib in _PARSER_LIBRARIES:
        try:
            digest.update(f"{lib}={importlib.metadata.version(lib)};".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{lib}=;".encode())
    digest.update(f"ocr={settings.ocr};max_file_mb={settings.max_file_mb}".encode())
    return digest.hexdigest()[:16]


def _file_sha256(path: Path, max_bytes: int) -> str | None:
    """The sha256 of the file's bytes, or None if it cannot be read (or is too large)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError:
        return None
    return None if len(data) > max_bytes else hashlib.sha256(data).hexdigest()


def _unchanged(
    path: Path, st: os.stat_result, known: Known, trust_before_ns: int, max_bytes: int
) -> tuple[bool, bool]:
    """(whether the file still holds the bytes `known` was parsed from, whether it was read)."""
    if st.st_size != known.size:
        return False, False
    if st.st_mtime_ns == known.mtime_ns and known.mtime_ns < trust_before_ns:
        return True, False
    return _file_sha256(path, max_bytes) == known.sha256, True


def discover(folder: Path) -> Iterator[tuple[Path, str, str | None]]:
    """Files under `folder` in sorted order: (path, relative source, skip reason or None).

    Symlinked folders are not followed (no loops); hidden files and editor lock files
    are ignored silently; other files outside the supported formats get a reason.
    """
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=None):
        for d in sorted(dirs):
            if not d.startswith(_HIDDEN) and (Path(root) / d).is_symlink():
                # Not followed (it could loop), but said, so a linked folder does not vanish.
                yield (
                    Path(root) / d,
                    (Path(root) / d).relative_to(folder).as_posix(),
                    "symlinked folder not followed",
                )
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(_HIDDEN) and not (Path(root) / d).is_symlink()
        )
        root_path = Path(root)
        rel_root = root_path.relative_to(folder).as_posix()
        prefix = "" if rel_root == "." else rel_root + "/"
        for name in sorted(files):
            if name.startswith(_HIDDEN):
                continue
            path = root_path / name
            rel = prefix + name
            dot = name.rfind(".")  # as Path.suffix, without a Path per name
            suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
            if suffix not in SUPPORTED_SUFFIXES:
                yield path, rel, f"unsupported format {suffix or '(no suffix)'}"
            else:
                yield path, rel, None


def parse_letter(path: Path, source: str, settings: Settings) -> Letter:
    """Load one file and parse its fields.

    Raises:
        LoaderError: The file cannot be turned into a letter (with a specific reason).
    """
    doc = load_document(path, ocr=settings.ocr, max_bytes=settings.max_file_mb * 1024 * 1024)
    if not doc.text.strip():
        raise LoaderError("no text extracted", str(path))
    return Letter(
        id=letter_id_for(source),
        source=source,
        text=doc.text,
        fields=extract_fields(doc.text),
        format=doc.format,
        sha256=doc.sha256,
        boilerplate=find_boilerplate(doc.text),
    )


def ingest(
    folder: Path,
    settings: Settings,
    on_file: Callable[[str], None] | None = None,
    *,
    previous: Mapping[str, Known] | None = None,
    previous_scan_ns: int = 0,
) -> IngestResult:
    """Parse every supported file under `folder` into letters, collecting skip reasons.

    Args:
        folder: The docs folder.
        settings: Loader settings (OCR, size limit).
        on_file: Called with each file's relative path as it is reached.
        previous: By relative path, what an earlier build parsed with the same
            `parser_version` (see `index.folder.file_records`); unchanged files reuse it.
        previous_scan_ns: When that build began its scan (`IngestResult.scanned_at_ns`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ReplyQAError(f"docs folder {folder} does not exist or is not a folder")
    result = IngestResult(scanned_at_ns=time.time_ns())
    previous = previous or {}
    trust_before_ns = previous_scan_ns - RACY_NS
    max_bytes = settings.max_file_mb * 1024 * 1024
    for path, source, reason in discover(folder):
        if on_file:
            on_file(source)
        if reason:
            result.skipped.append({"source": source, "reason": reason})
            continue
        try:
            st = os.stat(path)
        except OSError:
            st = None  # parse_letter names the reason
        known = previous.get(source)
        if st is not None and known is not None:
            same, read = _unchanged(path, st, known, trust_before_ns, max_bytes)
            result.hashed += read
            if same:
                result.letters.append(known.letter)
                result.files[known.letter.id] = (st.st_size, st.st_mtime_ns)
                result.reused += 1
                continue
        try:
            letter = parse_letter(path, source, settings)
        except LoaderError as exc:
            result.skipped.append({"source": source, "reason": exc.reason})
            continue
        result.parsed += 1
        result.letters.append(letter)
        if st is not None:
            result.files[letter.id] = (st.st_size, st.st_mtime_ns)
    return result
