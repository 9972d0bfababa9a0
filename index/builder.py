"""Incremental, atomic index builds.

A build takes parsed letters, compares them with the committed generation and
re-embeds only what changed: an unchanged letter keeps its chunks and vectors; a
changed one is re-chunked, and any chunk whose embedding input is byte-identical to
one already stored reuses that vector. Removed letters are dropped. BM25 tokens are
cached the same way (by embedding-input hash and tokenizer key), so only new chunk
text is tokenised; the BM25 statistics are then recomputed with numpy. The new
generation is written into `gen-N.tmp/`, synced, renamed to `gen-N/`, and only then
committed by atomically replacing `manifest.json`; a crash at any point leaves the
previous index intact and openable. One build at a time holds `.lock`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rag.embedding import Embedder
from rag.errors import IndexLockedError, IndexMismatchError, IndexStoreError
from rag.types import Chunk, Letter

from .folder import (
    CHUNKS,
    LETTERS,
    NAMES,
    LetterIndex,
    dumps,
    gc_paused,
    gc_resumed,
    loads,
    read_jsonl,
)
from .lexical import BM25Store, DocTerms, load_terms
from .manifest import (
    FORMAT_VERSION,
    MANIFEST,
    LetterEntry,
    Manifest,
    read_manifest,
    write_json_atomic,
)
from .store import FaissStore, choose_kind

Progress = Callable[[int, int], None]
EmbedInput = Callable[[Letter, Chunk], str]
Chunker = Callable[[Letter], Sequence[Chunk]]
Tokenize = Callable[[str], list[str]]


@dataclass
class BuildSummary:
    """What a build did; the `--json` output of `replyqa build`."""

    letters: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    skipped: list[dict[str, str]] = field(default_factory=list)
    embedded_chunks: int = 0
    reused_vectors: int = 0
    tokenized_chunks: int = 0  # chunks tokenised for BM25 (the others reused their tokens)
    parsed_files: int = -1  # files loaded and parsed (the others reused; -1: not known here)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on `folder/.lock` for one build."""
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexLockedError(
                f"another build is writing {folder}; wait for it to finish"
            ) from exc
        yield
    finally:
        fh.close()


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(dumps(row) + "\n" for row in rows)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


@dataclass
class _Previous:
    """The committed generation, as much of it as a build needs (no letters)."""

    path: Path  # its generation folder
    manifest: Manifest
    # chunk rows: id, letter_id, start, end, section, ordinal, vid, ehash
    rows: list[dict[str, Any]]
    store: Any  # FaissStore, or None when the vectors are in Milvus


def _previous(folder: Path, embedder: Embedder, rebuild: bool) -> _Previous | None:
    """The committed index (if any, unless rebuilding)."""
    if rebuild or not (folder / MANIFEST).exists():
        return None
    manifest = read_manifest(folder)
    if manifest.embedder_id != embedder.id:
        raise IndexMismatchError(
            f"index {folder} was built with embedder {manifest.embedder_id!r}, this build uses {embedder.id!r}; "
            f"pass --rebuild to re-embed everything, or build into another folder"
        )
    gen = folder / manifest.generation
    try:
        with gc_paused():
            rows = list(read_jsonl(gen / CHUNKS))
        store = None if manifest.store == "milvus" else FaissStore.load(gen, manifest.dim)
    except FileNotFoundError as exc:
        raise IndexStoreError(
            f"index {folder} is incomplete ({exc.filename} missing); rebuild it"
        ) from exc
    if store is not None and len(store) != len(rows):
        raise IndexStoreError(
            f"index {folder} is inconsistent: {len(store)} vectors for {len(rows)} chunks; rebuild it"
        )
    return _Previous(gen, manifest, rows, store)


def _next_generation(folder: Path, previous: str | None) -> str:
    n = int(previous.split("-")[1]) + 1 if previous else 1
    return f"gen-{n:06d}"


def build_index(
    folder: Path,
    letters: Sequence[Letter],
    embedder: Embedder,
    chunker: Chunker,
    chunking: Mapping[str, Any],
    embed_input: EmbedInput,
    *,
    rebuild: bool = False,
    batch_size: int = 32,
    progress: Progress | None = None,
    skipped: Sequence[dict[str, str]] = (),
    tokenize: Tokenize | None = None,
    lexicon_version: str = "",
    index_type: str = "auto",
    milvus: MilvusTarget | None = None,
    filter_fields: Mapping[str, Mapping[str, Any]] | None = None,
    tokens_key: str = "",
    names: Callable[[Sequence[str], Any], Any] | None = None,
    files: Mapping[str, tuple[int, int]] | None = None,
    parser: str = "",
    scanned_at_ns: int = 0,
) -> BuildSummary:
    """Bring the index at `folder` up to date with `letters`.

    Args:
        folder: The index folder (created if missing).
        letters: Every letter the index should hold after the build.
        embedder: Embeds chunk inputs; must match the existing index unless `rebuild`.
        chunker: Cuts a letter into chunks (the caller decides how: `rag.chunking`).
        chunking: The parameters `chunker` depends on, recorded in the manifest; a change
            re-chunks every letter.
        embed_input: The string embedded for a chunk (e.g. title + section + text).
        rebuild: Ignore the existing index and embed everything anew.
        batch_size: Texts per embedding call.
        progress: Called with (embedded so far, total to embed).
        skipped: Files the caller could not load, reported in the summary.
        tokenize: If given, a BM25 index is built over `tokenize(embed_input(letter, chunk))`.
        lexicon_version: Recorded in the manifest so readers tokenise queries the same way.
        index_type: "auto" (exact flat up to 10^5 chunks, IVF over float16 vectors beyond),
            or a `FaissStore` kind: "flat", "hnsw", "ivf" or "ivf-fp16". A kind other than the
            stored one rebuilds the store from its vectors (nothing is re-embedded).
        milvus: Keep the vectors in this Milvus collection instead of the folder. Vector ids
            are never reused, so new vectors are added before the manifest commit and the
            replaced ones deleted after it: readers of either generation find theirs.
        filter_fields: With `milvus`, per letter id the scalar fields its rows carry for
            filtering inside Milvus (`letter_id, agency, place, year, kind, category`).
        tokens_key: Names everything `tokenize` depends on (lexicon and code). A chunk whose
            embedding input is unchanged reuses the previous generation's tokens only when
            that generation was tokenised with the same key; "" never reuses.
        names: With `tokenize`, called with the BM25 vocabulary and what the previous
            generation stored (None if nothing); what it returns is stored as `names.json`
            (`rag.search.names.name_payload`: the words by their pinyin).
        files: Per letter id, the (size, mtime_ns) of its file as parsed; recorded so that
            the next build can skip unchanged files (see `rag.letters.ingest.ingest`).
        parser: Version of the parser the letters came from (`rag.letters.ingest.parser_version`).
        scanned_at_ns: When the caller began to read the files.
    """
    t0 = time.perf_counter()
    folder = Path(folder)
    files = files or {}
    with build_lock(folder), gc_paused():
        for leftover in folder.glob("gen-*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        committed = _committed_generation(folder)
        old = _previous(folder, embedder, rebuild)
        if old is not None and (old.manifest.store == "milvus") != (milvus is not None):
            old = None  # the vectors move to another backend: embed anew
        chunking_params = dict(chunking)
        same_chunking = old is not None and old.manifest.chunking == chunking_params
        summary = BuildSummary(skipped=list(skipped))
        if milvus is not None:
            store = _milvus_store(milvus, embedder.dim, old, rebuild)
        else:
            store = old.store if old is not None else FaissStore(embedder.dim)
        next_vid = old.manifest.next_vector_id if old is not None else 0
        old_rows = old.rows if old is not None else []
        old_hashes = {row["ehash"]: int(row["vid"]) for row in old_rows}
        old_chunks: dict[str, list[dict[str, Any]]] = {}
        for row in old_rows:
            old_chunks.setdefault(row["letter_id"], []).append(row)

        rows: list[dict[str, Any]] = []  # chunk rows of the new generation
        inputs: list[str] = []  # embed input of each row (also what BM25 indexes)
        pending: list[tuple[int, str]] = []  # (row, embed input) still to embed
        reuse: list[tuple[int, int]] = []  # (row, old vid) whose vector is reused
        entries: dict[str, LetterEntry] = {}
        keep_vids: set[int] = set()
        for letter in letters:
            text_hash = sha256_text(letter.text)
            prev = old.manifest.letters.get(letter.id) if old is not None else None
            size, mtime_ns = files.get(letter.id, (-1, -1))
            if prev is not None and same_chunking and prev.text_sha256 == text_hash:
                summary.unchanged += 1
                kept = old_chunks.get(letter.id, [])
                for old_row in kept:
                    chunk = _row_chunk(old_row, letter.text)
                    vid = int(old_row["vid"])
                    keep_vids.add(vid)
                    inputs.append(embed_input(letter, chunk))
                    rows.append({**_chunk_row(chunk), "vid": vid, "ehash": sha256_text(inputs[-1])})
                entries[letter.id] = LetterEntry(
                    letter.source, letter.sha256, text_hash, len(kept), size, mtime_ns
                )
                continue
            if prev is None:
                summary.added += 1
            else:
                summary.updated += 1
            chunks = chunker(letter)
            for chunk in chunks:
                text = embed_input(letter, chunk)
                ehash = sha256_text(text)
                inputs.append(text)
                rows.append({**_chunk_row(chunk), "vid": next_vid, "ehash": ehash})
                if ehash in old_hashes:
                    reuse.append((len(rows) - 1, old_hashes[ehash]))
                else:
                    pending.append((len(rows) - 1, text))
                next_vid += 1
            entries[letter.id] = LetterEntry(
                letter.source, letter.sha256, text_hash, len(chunks), size, mtime_ns
            )
        if old is not None:
            summary.removed = sum(1 for lid in old.manifest.letters if lid not in entries)

        # Vectors: reused ones are read before their old ids are dropped from the store.
        new_vectors = np.zeros((len(rows), embedder.dim), dtype=np.float32)
        if reuse:
            new_vectors[[r for r, _ in reuse]] = store.get(
                np.array([v for _, v in reuse], dtype=np.int64)
            )
        with gc_resumed():  # the embedder may allocate freely
            for start in range(0, len(pending), batch_size):
                batch = pending[start : start + batch_size]
                new_vectors[[r for r, _ in batch]] = embedder.embed_documents([t for _, t in batch])
                if progress:
                    progress(min(start + batch_size, len(pending)), len(pending))
        fresh = [i for i, row in enumerate(rows) if row["vid"] not in keep_vids]
        fresh_ids = np.array([rows[i]["vid"] for i in fresh], dtype=np.int64)
        obsolete = np.array(
            [int(row["vid"]) for row in old_rows if int(row["vid"]) not in keep_vids],
            dtype=np.int64,
        )
        if milvus is not None:
            meta = filter_fields or {}
            store.add(
                fresh_ids,
                new_vectors[fresh],
                [
                    meta.get(rows[i]["letter_id"], {"letter_id": rows[i]["letter_id"]})
                    for i in fresh
                ],
            )
            store.flush()
        else:
            store = _update_faiss(
                store,
                old is not None,
                keep_vids,
                obsolete,
                fresh_ids,
                new_vectors[fresh],
                choose_kind(len(rows), index_type),
                embedder.dim,
            )
        del new_vectors

        bm25 = None
        if tokenize:
            terms, summary.tokenized_chunks = _bm25_terms(old, rows, inputs, tokenize, tokens_key)
            bm25 = BM25Store.from_terms(terms, tokens_key=tokens_key)
        stored_names = None
        if bm25 is not None and names is not None:
            stored_names = names(bm25.words(), _read_names(old.path) if old is not None else None)

        summary.letters, summary.chunks = len(entries), len(rows)
        summary.embedded_chunks, summary.reused_vectors = len(pending), len(reuse)
        generation = _next_generation(folder, _latest_gen(folder))
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            embedder_id=embedder.id,
            dim=embedder.dim,
            chunking=chunking_params,
            generation=generation,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            letters=entries,
            counts={"letters": len(entries), "chunks": len(rows)},
            next_vector_id=next_vid,
            lexicon=lexicon_version if tokenize else "",
            store="milvus" if milvus is not None else f"faiss-{store.kind}-ip",
            milvus={"uri": milvus.uri, "collection": milvus.collection}
            if milvus is not None
            else {},
            parser=parser,
            scanned_at_ns=scanned_at_ns,
        )
        _write_generation(folder, generation, letters, rows, store, bm25, stored_names)
        write_json_atomic(folder / MANIFEST, manifest.to_json())
        if milvus is not None and len(obsolete):
            store.remove(obsolete)  # only now: the committed generation no longer names them
        _drop_old_generations(folder, keep={generation, committed or ""})
        summary.seconds = round(time.perf_counter() - t0, 3)
        return summary


def _bm25_terms(
    old: _Previous | None,
    rows: Sequence[dict[str, Any]],
    inputs: Sequence[str],
    tokenize: Tokenize,
    tokens_key: str,
) -> tuple[DocTerms, int]:
    """Token counts of every row: from the previous generation where the row's embedding input
    and the tokenizer are unchanged, else tokenised now. Returns them and how many were."""
    cached = load_terms(old.path, tokens_key) if old is not None and tokens_key else None
    if cached is not None and len(cached) != len(old.rows):  # type: ignore[union-attr]
        cached = None
    old_row_of = (
        {row["ehash"]: i for i, row in enumerate(old.rows)}  # type: ignore[union-attr]
        if cached is not None
        else {}
    )
    n_old = len(cached) if cached is not None else 0
    fresh_of: dict[str, int] = {}  # ehash -> index among the rows tokenised now
    fresh_texts: list[str] = []
    take = np.empty(len(rows), dtype=np.int64)
    for i, row in enumerate(rows):
        ehash = row["ehash"]
        src = old_row_of.get(ehash)
        if src is None:
            src = fresh_of.get(ehash)
            if src is None:
                src = fresh_of[ehash] = len(fresh_texts)
                fresh_texts.append(inputs[i])
            src += n_old
        take[i] = src
    with gc_resumed():
        fresh = DocTerms.from_tokens(
            (tokenize(t) for t in fresh_texts), cached.vocab if cached is not None else None
        )
    pool = DocTerms.concat(cached, fresh) if cached is not None else fresh
    return pool.take(take), len(fresh_texts)


def _row_chunk(row: dict[str, Any], text: str) -> Chunk:
    """The chunk a stored row names, cut from its letter's `text`."""
    return Chunk(
        id=row["id"],
        letter_id=row["letter_id"],
        text=text[row["start"] : row["end"]],
        start=row["start"],
        end=row["end"],
        section=row.get("section", ""),
        ordinal=row.get("ordinal", 0),
    )


@dataclass(frozen=True)
class MilvusTarget:
    """Where a build keeps its vectors when they live in Milvus."""

    uri: str
    collection: str
    token: str | None = None


def _milvus_store(target: MilvusTarget, dim: int, old: _Previous | None, rebuild: bool) -> Any:
    from .milvus_store import MilvusStore

    store = MilvusStore(target.uri, target.collection, dim, token=target.token)
    if rebuild or old is None:
        store.drop()  # nothing committed refers to what is there
        store = MilvusStore(target.uri, target.collection, dim, token=target.token)
    else:
        store.remove_from(old.manifest.next_vector_id)  # vectors of a build that died
    return store


def _update_faiss(
    store: FaissStore,
    incremental: bool,
    keep_vids: set[int],
    obsolete: np.ndarray,
    fresh_ids: np.ndarray,
    fresh_vectors: np.ndarray,
    kind: str,
    dim: int,
) -> FaissStore:
    if incremental and store.kind == kind:
        # Same index type: drop what changed, add what is new (cost ~ the change).
        store.remove(obsolete)
        store.add(fresh_ids, fresh_vectors)
        return store
    # First build, or the size crossed into another index type: build it whole.
    kept = np.array(sorted(keep_vids), dtype=np.int64)
    vectors = np.concatenate([store.get(kept), fresh_vectors]) if len(kept) else fresh_vectors
    return FaissStore.build(dim, np.concatenate([kept, fresh_ids]), vectors, kind)


def _chunk_row(chunk: Chunk) -> dict[str, Any]:
    return {
        "id": chunk.id,
        "letter_id": chunk.letter_id,
        "start": chunk.start,
        "end": chunk.end,
        "section": chunk.section,
        "ordinal": chunk.ordinal,
    }


def _committed_generation(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _latest_gen(folder: Path) -> str | None:
    gens = sorted(
        p.name for p in folder.glob("gen-*") if p.is_dir() and not p.name.endswith(".tmp")
    )
    return gens[-1] if gens else None


def _write_generation(
    folder: Path,
    generation: str,
    letters: Sequence[Letter],
    rows: Sequence[dict[str, Any]],
    store: Any,
    bm25: BM25Store | None,
    names: Any = None,
) -> None:
    tmp = folder / f"{generation}.tmp"
    final = folder / generation
    if final.exists():  # a generation written but never committed by a crashed build
        shutil.rmtree(final)
    tmp.mkdir()
    _write_jsonl(tmp / LETTERS, [letter.to_json() for letter in letters])
    _write_jsonl(tmp / CHUNKS, rows)
    if isinstance(store, FaissStore):  # Milvus keeps its vectors on the server
        _fsync_file(store.save(tmp))
    if bm25 is not None:
        bm25.save(tmp)
        for path in (tmp / "bm25").iterdir():
            _fsync_file(path)
    if names is not None:
        with open(tmp / NAMES, "w", encoding="utf-8") as fh:
            fh.write(dumps(names))
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, final)


def _read_names(generation: Path) -> Any:
    """What a generation stored in `names.json` (None when absent or unreadable)."""
    try:
        return loads((generation / NAMES).read_bytes())
    except (OSError, ValueError):
        return None


def _drop_old_generations(folder: Path, keep: set[str]) -> None:
    """Delete generations other than the new one and the one it replaced.

    The replaced generation stays so that a reader that opened the old manifest a
    moment ago can still read its files.
    """
    for gen in folder.glob("gen-*"):
        if gen.is_dir() and gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)


def open_index(folder: Path, embedder_id: str | None = None) -> LetterIndex:
    """Open the committed index at `folder` (see `LetterIndex.open`)."""
    try:
        return LetterIndex.open(folder, embedder_id)
    except FileNotFoundError as exc:
        raise IndexStoreError(
            f"index {folder} is incomplete ({exc.filename} missing); rebuild it"
        ) from exc
