"""The index manifest: what an index folder holds and how it was built.

`manifest.json` is the commit point of an index folder. It names the current
generation sub-folder (vectors, letters, chunks), the embedder id and dimension,
the chunking parameters, counts, build time and a content hash per letter. It is
replaced atomically (`os.replace`), so a reader sees either the old or the new
index, never a mix. Opening an index built another way is a clear error.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rag.errors import IndexMismatchError, IndexStoreError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class LetterEntry:
    """Per-letter bookkeeping for incremental builds."""

    source: str
    sha256: str  # of the source bytes
    text_sha256: str  # of the extracted text
    chunks: int
    # The file's size and mtime when it was parsed (-1: unknown). A build trusts an unchanged
    # (size, mtime) and reuses the stored letter; otherwise it compares the content hash.
    size: int = -1
    mtime_ns: int = -1


@dataclass
class Manifest:
    format_version: int
    embedder_id: str
    dim: int
    chunking: dict[str, Any]
    generation: str
    built_at: str
    letters: dict[str, LetterEntry] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    next_vector_id: int = 0
    store: str = "faiss-flat-ip"
    lexicon: str = ""  # version of the lexicon the BM25 tokens were made with ("" = no BM25)
    milvus: dict[str, str] = field(
        default_factory=dict
    )  # {"uri", "collection"} when store is milvus
    parser: str = ""  # version of the parsing code and tables the letters came from
    scanned_at_ns: int = 0  # when the build began to read the files (time.time_ns())

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict is slow at 10^5
        out["letters"] = {k: dict(vars(v)) for k, v in self.letters.items()}
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Manifest:
        # Keys this version does not know (written by a newer one) are ignored.
        known = {f.name for f in fields(cls)}
        entry_keys = {f.name for f in fields(LetterEntry)}
        d = {k: v for k, v in d.items() if k in known}
        d["letters"] = {
            k: LetterEntry(**{f: x for f, x in v.items() if f in entry_keys})
            for k, v in d.get("letters", {}).items()
        }
        return cls(**d)


def _dump_indented(payload: Any) -> bytes:
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is there wherever gradio is
        return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2)


def _loads(data: bytes) -> Any:
    try:
        import orjson
    except ImportError:  # pragma: no cover
        return json.loads(data)
    return orjson.loads(data)


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON to `path` via a synced temporary file and an atomic rename."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(_dump_indented(payload))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(folder: Path) -> Manifest:
    """Read and check the manifest of an index folder.

    Raises:
        IndexStoreError: The folder is not an index or the manifest is unreadable.
        IndexMismatchError: The index uses another format version.
    """
    path = folder / MANIFEST
    if not folder.is_dir():
        raise IndexStoreError(
            f"no index at {folder}: run `replyqa build DOCS_DIR --index {folder}` first"
        )
    if not path.is_file():
        raise IndexStoreError(
            f"{folder} is not a replyqa index (no {MANIFEST}); build one with `replyqa build`"
        )
    try:
        data = _loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise IndexStoreError(f"cannot read {path}: {exc}; rebuild the index") from exc
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index {folder} has format version {version}, this replyqa reads version {FORMAT_VERSION}; "
            f"rebuild it with `replyqa build DOCS_DIR --index {folder} --rebuild`"
        )
    try:
        return Manifest.from_json(data)
    except TypeError as exc:
        raise IndexStoreError(f"{path} is malformed ({exc}); rebuild the index") from exc


def check_embedder(manifest: Manifest, folder: Path, embedder_id: str) -> None:
    """Refuse to mix vectors of two embedders."""
    if manifest.embedder_id != embedder_id:
        raise IndexMismatchError(
            f"index {folder} was built with embedder {manifest.embedder_id!r} but the current setting is "
            f"{embedder_id!r}; use the same embedder (REPLYQA_EMBEDDER / --embedder) or rebuild with --rebuild"
        )
