"""Ingestion: walk a folder of letters, load each file, parse it into a `Letter`.

Every file either becomes a record or gets a specific skip reason (unsupported
format, empty, unreadable, too large, …); one bad file never stops the rest. The
letter id is derived from the path relative to the folder, so re-building the same
folder updates letters in place. Also here: the string that is embedded for a
chunk (its letter's title and section path, then the chunk text).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import find_boilerplate
from .config import Settings
from .errors import LoaderError, ReplyQAError
from .fields import extract_fields
from .loaders import SUPPORTED_SUFFIXES, load_document
from .types import Chunk, Letter

_HIDDEN = (".", "~$")


def letter_id_for(source: str) -> str:
    """A stable id for the letter at `source` (relative path): 12 hex digits."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]


@dataclass
class IngestResult:
    letters: list[Letter] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


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
        for name in sorted(files):
            if name.startswith(_HIDDEN):
                continue
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            suffix = path.suffix.lower()
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
    folder: Path, settings: Settings, on_file: Callable[[str], None] | None = None
) -> IngestResult:
    """Parse every supported file under `folder` into letters, collecting skip reasons."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReplyQAError(f"docs folder {folder} does not exist or is not a folder")
    result = IngestResult()
    for path, source, reason in discover(folder):
        if on_file:
            on_file(source)
        if reason:
            result.skipped.append({"source": source, "reason": reason})
            continue
        try:
            result.letters.append(parse_letter(path, source, settings))
        except LoaderError as exc:
            result.skipped.append({"source": source, "reason": exc.reason})
    return result


def embed_input(letter: Letter, chunk: Chunk) -> str:
    """What is embedded for a chunk: the letter's title and section path give it context."""
    parts = []
    title = letter.fields.title
    if title and title not in chunk.text:
        parts.append(" ".join(title.split()))
    if (
        chunk.section
        and chunk.section != "文头"
        and not chunk.text.startswith(chunk.section.split(" > ")[-1])
    ):
        parts.append(chunk.section)
    parts.append(chunk.text)
    return "\n".join(parts)
