"""An index folder opened for reading: letters, chunks and vectors of one generation.

Layout::

    INDEX_DIR/
      manifest.json          commit point (names the generation below; per letter, the
                             file's hashes, size and mtime for the next build)
      gen-000003/
        vectors.faiss        FaissStore (vector id -> unit vector)
        letters.jsonl        one Letter per line, text included (last)
        chunks.jsonl         one chunk per line: offsets, section, vector id, embed-input hash
        bm25/                BM25 score matrix (memory-mapped when read), vocabulary, and
                             the per-chunk token counts the next build reuses
        names.json           the BM25 vocabulary's Chinese words by their pinyin (for the
                             names English questions spell; `rag.search.names`), if built
      .lock                  held by a running build

A chunk's text is cut from its letter's text when it is read (`ChunkTable`), so the
offset invariant cannot drift on disk, and no second copy of the text is held in memory.
Letter texts themselves stay in `letters.jsonl` until used (`StoredLetter`).
"""

from __future__ import annotations

import functools
import gc
import json
import operator
import os
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, overload

import numpy as np

from rag.errors import IndexStoreError, ReplyQAError
from rag.types import Chunk, Letter

from .lexical import FOLDER as BM25_FOLDER
from .lexical import BM25Store
from .manifest import Manifest, check_embedder, read_manifest
from .store import FaissStore

LETTERS = "letters.jsonl"
CHUNKS = "chunks.jsonl"
NAMES = "names.json"


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


class TextFile:
    """Letter texts read on demand from the JSON lines of `letters.jsonl`.

    Each text is the last value of its line; its JSON string literal is located once, on
    open, and decoded when asked for (a few µs; the last 16,384 are cached). The file stays
    open, so a generation deleted by a later build stays readable (POSIX).
    """

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - open as long as its letters live
        self._fd = self._fh.fileno()
        self._spans = array("q")  # (offset, length) of each text literal, flattened
        self.text = functools.lru_cache(maxsize=16384)(self._read)

    def add(self, offset: int, length: int) -> int:
        """Record where one literal is; returns its number."""
        self._spans.extend((offset, length))
        return len(self._spans) // 2 - 1

    def _read(self, n: int) -> str:
        offset, length = self._spans[2 * n], self._spans[2 * n + 1]
        text = loads(os.pread(self._fd, length, offset))
        if not isinstance(text, str):
            raise IndexStoreError(f"{self._fh.name}: letter text {n} is unreadable; rebuild")
        return text


class StoredLetter(Letter):
    """A `Letter` of an opened index whose text stays on disk until it is used.

    (`_text` holds a text given to the constructor, as `dataclasses.replace` does; `_file`
    and `_n` say where the stored one is.)

    At 10^6 chunks (~3 x 10^5 letters) the texts alone would take ~0.5 GB. Everything else
    (fields, spans, source) is in memory; equal to a `Letter` with the same values.
    `dataclasses.replace` gives a copy that holds its text.
    """

    _text: str | None
    _file: TextFile
    _n: int

    @property
    def text(self) -> str:
        own = self._text
        return own if own is not None else self._file.text(self._n)

    @text.setter
    def text(self, value: str | None) -> None:
        object.__setattr__(self, "_text", value)

    @classmethod
    def of(cls, d: dict[str, Any], file: TextFile, n: int) -> StoredLetter:
        """The letter of one `letters.jsonl` row, its text (row `n` of `file`) left there."""
        letter = cls.from_json(d)  # attributes set as for any Letter: a compact instance
        object.__setattr__(letter, "_text", None)
        object.__setattr__(letter, "_file", file)
        object.__setattr__(letter, "_n", n)
        return letter  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Letter):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Letter))

    __hash__ = Letter.__hash__

    def __reduce__(self) -> tuple[Any, ...]:  # pickles as a plain Letter
        return (Letter.from_json, (self.to_json(),))


# Field values that repeat across letters (agencies, kinds): one string object per value.
_SHARED_FIELDS = ("agency", "agency_canonical", "kind", "category", "session", "signer", "format")
_SHARED_LISTS = ("cohandlers", "agency_aliases")


def _share(d: dict[str, Any]) -> dict[str, Any]:
    for key in _SHARED_FIELDS:
        value = d.get(key)
        if isinstance(value, str):
            d[key] = sys.intern(value)
    for key in _SHARED_LISTS:
        values = d.get(key)
        if isinstance(values, list):
            d[key] = [sys.intern(v) if isinstance(v, str) else v for v in values]
    return d


def read_letters(path: Path) -> dict[str, Letter]:
    """The letters of a `letters.jsonl`, by id, their texts left on disk (`StoredLetter`)."""
    file = TextFile(path)
    letters: dict[str, Letter] = {}
    offset, n = 0, 0
    try:
        with open(path, "rb") as fh, gc_paused():
            for n, line in enumerate(fh, 1):  # noqa: B007 - n is reported on failure
                if line.strip():
                    d = _share(loads(line))
                    literal = _text_literal(line)
                    if literal is None:  # not where it is expected: keep this text in memory
                        letters[d["letter_id"]] = Letter.from_json(d)
                    else:
                        k = file.add(offset + literal[0], literal[1] - literal[0])
                        letters[d["letter_id"]] = StoredLetter.of(d, file, k)
                offset += len(line)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexStoreError(f"cannot read {path} (line {n}): {exc}; rebuild the index") from exc
    return letters


def _text_literal(line: bytes) -> tuple[int, int] | None:
    """[start, end) of the JSON string that is the last value of `line`, if its key is "text".

    An unescaped quote only delimits strings, so the last `"text":` outside any string is the
    key of the last value (`Letter.to_json` puts the text last).
    """
    key = line.rfind(b'"text":')
    if key < 0:
        return None
    start = key + 7
    while line[start : start + 1] in (b" ", b"\t"):
        start += 1
    end = line.rstrip().rfind(b"}")
    while end > start and line[end - 1 : end] in (b" ", b"\t", b"\n", b"\r"):
        end -= 1
    if end - start < 2 or line[start : start + 1] != b'"' or line[end - 1 : end] != b'"':
        return None
    return start, end


class ChunkTable(Sequence[Chunk]):
    """The chunk table held as columns; `table[i]` makes the `Chunk` on access.

    A chunk's text is cut from its letter's text when it is asked for, so the table costs
    ~20 bytes a chunk instead of a `Chunk` object and a copy of its text (~1 KB): at 10^6
    chunks, ~20 MB instead of ~1 GB. Chunks are values (frozen dataclasses): two reads of
    one row give equal chunks.
    """

    def __init__(self, letters: Mapping[str, Letter]) -> None:
        self._letters = letters
        self._letter_ids: list[str] = []
        self._letter_row: dict[str, int] = {}
        self._sections: list[str] = []
        self._section_row: dict[str, int] = {}
        self._letter_of = array("i")
        self._start = array("i")
        self._end = array("i")
        self._ordinal = array("i")
        self._section_of = array("i")
        self._odd_ids: dict[int, str] = {}  # rows whose id is not "<letter id>:<ordinal>"
        # A search reads its candidate rows several times: the last 16,384 chunks are kept.
        self._chunk = functools.lru_cache(maxsize=16384)(self._make)

    def append_row(
        self, letter_id: str, start: int, end: int, section: str, ordinal: int, chunk_id: str
    ) -> None:
        """Add one chunk (as stored in the chunk table) at the end."""
        lrow = self._letter_row.get(letter_id)
        if lrow is None:
            lrow = self._letter_row[letter_id] = len(self._letter_ids)
            self._letter_ids.append(letter_id)
        srow = self._section_row.get(section)
        if srow is None:
            srow = self._section_row[section] = len(self._sections)
            self._sections.append(section)
        if chunk_id != f"{letter_id}:{ordinal}":
            self._odd_ids[len(self._start)] = chunk_id
        self._letter_of.append(lrow)
        self._start.append(start)
        self._end.append(end)
        self._ordinal.append(ordinal)
        self._section_of.append(srow)

    def __len__(self) -> int:
        return len(self._start)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = operator.index(i)
        if i < 0:
            i += len(self._start)
        if not 0 <= i < len(self._start):
            raise IndexError("chunk row out of range")
        return self._chunk(i)

    def _make(self, i: int) -> Chunk:
        letter_id = self._letter_ids[self._letter_of[i]]
        start, end, ordinal = self._start[i], self._end[i], self._ordinal[i]
        return Chunk(
            id=self._odd_ids.get(i) or f"{letter_id}:{ordinal}",
            letter_id=letter_id,
            text=self._letters[letter_id].text[start:end],
            start=start,
            end=end,
            section=self._sections[self._section_of[i]],
            ordinal=ordinal,
        )

    def __iter__(self) -> Iterator[Chunk]:
        for i in range(len(self._start)):
            yield self._make(i)  # a full pass would only churn the cache

    def letter_column(self) -> tuple[dict[str, int], np.ndarray]:
        """Each letter id's position, and per row its letter's position (no chunk is made)."""
        return self._letter_row, np.frombuffer(self._letter_of, dtype=np.int32)


@dataclass
class LetterIndex:
    """A loaded index: records, chunk table and the vector store."""

    path: Path
    manifest: Manifest
    letters: dict[str, Letter]
    chunks: Sequence[Chunk]  # a ChunkTable when opened from a folder
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
        with gc_paused():
            letters = read_letters(gen / LETTERS)
            chunks = ChunkTable(letters)
            vids = array("q")
            for d in read_jsonl(gen / CHUNKS):
                letter = letters.get(d["letter_id"])
                if letter is None:
                    raise IndexStoreError(
                        f"{gen / CHUNKS}: chunk {d['id']} names unknown letter; rebuild the index"
                    )
                chunks.append_row(
                    d["letter_id"],
                    d["start"],
                    d["end"],
                    d.get("section", ""),
                    d.get("ordinal", 0),
                    d["id"],
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

    def stored_names(self) -> Any:
        """What the build stored in `names.json` (None when absent or unreadable: an index
        built before it, or a generation a later build has since removed)."""
        try:
            return loads((self.path / self.manifest.generation / NAMES).read_bytes())
        except (OSError, ValueError):
            return None

    def __post_init__(self) -> None:  # noqa: D105
        # vector id -> row by binary search (a dict of 10^6 ints would take ~100 MB)
        self.vector_ids = np.asarray(self.vector_ids, dtype=np.int64)
        self._vid_order = np.argsort(self.vector_ids, kind="stable")
        self._sorted_vids = self.vector_ids[self._vid_order]

    def rows_of_letter(self, letter_id: str) -> np.ndarray:
        """The chunk rows of a letter, ascending (empty if it has none)."""
        order, bounds, position = self._letter_rows
        i = position.get(letter_id)
        return order[bounds[i] : bounds[i + 1]] if i is not None else order[:0]

    @functools.cached_property
    def _letter_rows(self) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """Rows grouped by letter (a letter's rows are `order[bounds[i]:bounds[i + 1]]`, `i` its
        position): two arrays, not a list of row numbers per letter (~70 MB at 10^6 chunks)."""
        if isinstance(self.chunks, ChunkTable):
            position, letter_of = self.chunks.letter_column()
        else:
            position = {}
            letter_of = np.array(
                [position.setdefault(c.letter_id, len(position)) for c in self.chunks],
                dtype=np.int32,
            )
        order = np.argsort(letter_of, kind="stable")
        bounds = np.searchsorted(letter_of[order], np.arange(len(position) + 1))
        return order, bounds, position

    def row_for_vector(self, vid: int) -> int | None:
        """The chunk row holding vector `vid`, or None."""
        pos = int(np.searchsorted(self._sorted_vids, vid))
        if pos < len(self._sorted_vids) and self._sorted_vids[pos] == vid:
            return int(self._vid_order[pos])
        return None

    def chunk_for_vector(self, vid: int) -> Chunk | None:
        row = self.row_for_vector(int(vid))
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
