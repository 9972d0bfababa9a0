"""An index folder opened for reading: letters, chunks and vectors of one generation.

Layout::

    INDEX_DIR/
      manifest.json          commit point (names the generation below)
      gen-000003/
        vectors.faiss        FaissStore (vector id -> unit vector)
        letters.jsonl        one Letter per line, text included
        chunks.jsonl         one chunk per line: offsets, section, vector id (no text copy)
      .lock                  held by a running build

A chunk's text is cut from its letter's text on load, so the offset invariant
cannot drift on disk.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexStoreError, ReplyQAError
from rag.types import Chunk, Letter

from .lexical import FOLDER as BM25_FOLDER
from .lexical import BM25Store
from .manifest import Manifest, check_embedder, read_manifest
from .store import FaissStore

LETTERS = "letters.jsonl"
CHUNKS = "chunks.jsonl"


try:  # a C JSON codec when present (it comes with the web stack); the stdlib one otherwise
    import orjson

    loads: Any = orjson.loads

    def dumps(obj: Any) -> str:
        return orjson.dumps(obj).decode("utf-8")

except ImportError:  # pragma: no cover - orjson is there wherever gradio is
    loads = json.loads

    def dumps(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic objects are made at once.

    Reading 10^5 table rows allocates millions of objects; each allocation burst would
    trigger full collections that find nothing (the rows hold no cycles).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def gc_resumed() -> Iterator[None]:
    """Let the collector run again inside `gc_paused` (around code that may make cycles)."""
    paused = not gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if paused:
            gc.disable()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    n = 0
    try:
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):  # noqa: B007 - n is reported on failure
                if line.strip():
                    yield loads(line)
    except (OSError, ValueError) as exc:
        raise IndexStoreError(f"cannot read {path} (line {n}): {exc}; rebuild the index") from exc


@dataclass(frozen=True)
class FileRecord:
    """What the committed generation knows about one source file."""

    size: int
    mtime_ns: int
    sha256: str  # of the file's bytes
    letter: Letter  # as parsed from them


def file_records(path: Path, parser: str) -> tuple[dict[str, FileRecord], int]:
    """The committed generation's letters by source file, and when that build began to scan.

    Empty (and 0) when there is no readable index, or its letters were parsed by another
    parser version (`Manifest.parser`): then every file is parsed anew.
    """
    try:
        manifest = read_manifest(Path(path))
    except ReplyQAError:
        return {}, 0
    if not parser or manifest.parser != parser:
        return {}, 0
    entries = manifest.letters
    out: dict[str, FileRecord] = {}
    try:
        with gc_paused():
            for d in read_jsonl(Path(path) / manifest.generation / LETTERS):
                entry = entries.get(d["letter_id"])
                if entry is None or entry.size < 0 or entry.source != d.get("source"):
                    continue
                letter = Letter.from_json(d)
                out[entry.source] = FileRecord(entry.size, entry.mtime_ns, entry.sha256, letter)
    except (ReplyQAError, KeyError, TypeError, ValueError):
        return {}, 0  # unreadable: parse everything (the build reports what is wrong)
    return out, manifest.scanned_at_ns


def open_milvus(manifest: Manifest) -> Any:
    """The Milvus collection a manifest names (server and credentials overridable by env:
    `REPLYQA_MILVUS_URI`, `REPLYQA_MILVUS_TOKEN`)."""
    import os

    from .milvus_store import MilvusStore

    uri = os.environ.get("REPLYQA_MILVUS_URI") or manifest.milvus.get("uri", "")
    return MilvusStore(
        uri,
        manifest.milvus["collection"],
        manifest.dim,
        token=os.environ.get("REPLYQA_MILVUS_TOKEN"),
    )


@dataclass
class LetterIndex:
    """A loaded index: records, chunk table and the vector store."""

    path: Path
    manifest: Manifest
    letters: dict[str, Letter]
    chunks: list[Chunk]
    vector_ids: np.ndarray  # vector id of chunks[i]
    store: FaissStore
    bm25: BM25Store | None = None  # row i scores chunks[i]

    @classmethod
    def open(cls, path: Path, embedder_id: str | None = None) -> LetterIndex:
        """Open the committed generation of `path`.

        Args:
            path: The index folder.
            embedder_id: If given, the index must have been built with this embedder.
        """
        path = Path(path)
        manifest = read_manifest(path)
        if embedder_id is not None:
            check_embedder(manifest, path, embedder_id)
        gen = path / manifest.generation
        letters = {d["letter_id"]: Letter.from_json(d) for d in read_jsonl(gen / LETTERS)}
        chunks: list[Chunk] = []
        vids: list[int] = []
        for d in read_jsonl(gen / CHUNKS):
            letter = letters.get(d["letter_id"])
            if letter is None:
                raise IndexStoreError(
                    f"{gen / CHUNKS}: chunk {d['id']} names unknown letter; rebuild the index"
                )
            chunks.append(
                Chunk(
                    id=d["id"],
                    letter_id=d["letter_id"],
                    text=letter.text[d["start"] : d["end"]],
                    start=d["start"],
                    end=d["end"],
                    section=d.get("section", ""),
                    ordinal=d.get("ordinal", 0),
                )
            )
            vids.append(int(d["vid"]))
        store: Any
        if manifest.store == "milvus":
            store = open_milvus(manifest)
        else:
            store = FaissStore.load(gen, manifest.dim)
        # Milvus may hold vectors of a build that never committed (ignored by chunk lookup).
        if len(store) != len(chunks) and manifest.store != "milvus":
            raise IndexStoreError(
                f"index {path} is inconsistent: {len(store)} vectors for {len(chunks)} chunks; rebuild it"
            )
        bm25 = (
            BM25Store.load(gen, len(chunks))
            if manifest.lexicon and (gen / BM25_FOLDER).is_dir()
            else None
        )
        return cls(path, manifest, letters, chunks, np.asarray(vids, dtype=np.int64), store, bm25)

    def __post_init__(self) -> None:  # noqa: D105
        self._row_of_vid = {int(v): i for i, v in enumerate(self.vector_ids)}

    def chunk_for_vector(self, vid: int) -> Chunk | None:
        row = self._row_of_vid.get(int(vid))
        return None if row is None else self.chunks[row]

    def search_vectors(self, query: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Dense top-k chunks for one query vector."""
        scores, ids = self.store.search(query.reshape(1, -1), k)
        out = []
        for score, vid in zip(scores[0], ids[0], strict=True):
            chunk = self.chunk_for_vector(int(vid)) if vid >= 0 else None
            if chunk is not None:
                out.append((chunk, float(score)))
        return out
