"""The index folder: save/load round trip, incremental builds, atomic commits, mismatches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import index.builder as builder
from index.builder import build_index, open_index
from index.manifest import MANIFEST
from rag.chunking import chunker, chunking_params, embed_input
from rag.config import Settings
from rag.embedding import HashEmbedder
from rag.errors import IndexLockedError, IndexMismatchError, IndexStoreError
from rag.letters.ingest import ingest
from rag.search.retrieval import Retriever

QUESTIONS = [
    "哪些部门支持人才政策?",
    "老旧小区加装电梯有什么补贴?",
    "集成电路产业",
    "学校门口交通安全",
]


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting what it is asked to embed (and failing on demand)."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(256)
        self.embedded = 0
        self.fail_after = fail_after

    @property
    def id(self) -> str:
        return "hash:256"

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        if self.fail_after is not None and self.embedded >= self.fail_after:
            raise RuntimeError("simulated crash while embedding")
        self.embedded += len(texts)
        return super().embed_documents(texts)


@pytest.fixture()
def docs(tmp_path: Path, demo_dir: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(demo_dir, folder)
    return folder


def _build(docs: Path, index: Path, embedder: HashEmbedder | None = None, **kw):  # type: ignore[no-untyped-def]
    settings = Settings(embedder="hash")
    result = ingest(docs, settings)
    return build_index(
        index,
        result.letters,
        embedder or CountingEmbedder(),
        chunker(settings.chunking),
        chunking_params(settings.chunking),
        embed_input,
        skipped=result.skipped,
        batch_size=8,
        **kw,
    )


def _results(index: Path) -> list[list[tuple[str, float]]]:
    retriever = Retriever(open_index(index), HashEmbedder(256))
    return [[(h.chunk.id, round(h.score, 5)) for h in retriever.search(q, 5)] for q in QUESTIONS]


def test_save_load_gives_same_results_and_exact_offsets(docs: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    summary = _build(docs, index)
    n_files = len(list(docs.glob("*.txt")))
    assert (summary.letters, summary.added, summary.unchanged) == (n_files, n_files, 0)
    idx = open_index(index)
    assert len(idx.chunks) == summary.chunks == len(idx.store)
    for chunk in idx.chunks:
        assert idx.letters[chunk.letter_id].text[chunk.start : chunk.end] == chunk.text
    # The same vectors in memory, after a reopen, and in a copy of the folder.
    before = _results(index)
    shutil.copytree(index, tmp_path / "copy")
    assert _results(index) == before == _results(tmp_path / "copy")
    manifest = json.loads((index / MANIFEST).read_text())
    assert manifest["embedder_id"] == "hash:256" and manifest["dim"] == 256
    assert manifest["counts"] == {"letters": n_files, "chunks": summary.chunks}
    assert set(manifest["chunking"]) >= {"target_chars", "max_chars", "overlap_chars"}
    assert all(len(e["text_sha256"]) == 64 for e in manifest["letters"].values())


def test_incremental_build_embeds_only_what_changed(docs: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    first = _build(docs, index)
    again = CountingEmbedder()
    summary = _build(docs, index, again)
    assert (summary.unchanged, summary.added, summary.updated, summary.removed) == (
        first.letters,
        0,
        0,
        0,
    )
    assert again.embedded == 0

    files = sorted(docs.glob("*.txt"))
    changed = files[0]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n补充说明:本段为测试追加的虚构内容。\n",
        encoding="utf-8",
    )
    files[1].unlink()
    (docs / "new.txt").write_text(
        files[2].read_text(encoding="utf-8").replace("示例", "样例"), encoding="utf-8"
    )
    third = CountingEmbedder()
    summary = _build(docs, index, third)
    assert (summary.added, summary.updated, summary.removed) == (1, 1, 1)
    assert summary.unchanged == first.letters - 2
    idx = open_index(index)
    n_changed_chunks = sum(
        1 for c in idx.chunks if idx.letters[c.letter_id].source in ("new.txt", changed.name)
    )
    # Only the chunks of the changed and new letters were embedded (identical chunks reuse vectors).
    assert 0 < third.embedded <= n_changed_chunks
    assert third.embedded + summary.reused_vectors == n_changed_chunks
    assert len(idx.store) == len(idx.chunks) == summary.chunks
    assert files[1].name not in {letter.source for letter in idx.letters.values()}
    # Vectors in the store are the ones a fresh build computes.
    fresh = tmp_path / "fresh"
    _build(docs, fresh)
    assert _results(index) == _results(fresh)


def test_crash_mid_build_keeps_previous_index(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "idx"
    _build(docs, index)
    before = _results(index)
    manifest_before = (index / MANIFEST).read_text()
    for path in sorted(docs.glob("*.txt"))[:3]:  # every chunk of three letters changes
        path.write_text(path.read_text(encoding="utf-8").replace("。", "；"), encoding="utf-8")

    # 1. The embedder dies half way (on its second batch).
    with pytest.raises(RuntimeError, match="simulated crash"):
        _build(docs, index, CountingEmbedder(fail_after=8))
    assert _results(index) == before

    # 2. The process dies after writing the new generation, before committing the manifest.
    def die(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("simulated power loss")

    monkeypatch.setattr(builder, "write_json_atomic", die)
    with pytest.raises(OSError, match="power loss"):
        _build(docs, index)
    assert (index / MANIFEST).read_text() == manifest_before
    assert _results(index) == before
    monkeypatch.undo()

    # 3. A rerun completes and cleans up the debris.
    summary = _build(docs, index)
    assert summary.updated == 3
    gens = sorted(p.name for p in index.glob("gen-*"))
    assert not any(g.endswith(".tmp") for g in gens) and len(gens) <= 2


def test_mismatched_embedder_or_format_is_a_clear_error(docs: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(docs, index)
    with pytest.raises(IndexMismatchError, match=r"'hash:256'.*'hash:64'"):
        open_index(index, "hash:64")
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        _build(docs, index, HashEmbedder(64))
    summary = _build(docs, index, HashEmbedder(64), rebuild=True)
    assert summary.added == summary.letters and open_index(index, "hash:64").manifest.dim == 64

    manifest = json.loads((index / MANIFEST).read_text())
    manifest["format_version"] = 99
    (index / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format version 99.*version 1"):
        open_index(index)


def test_missing_or_corrupt_index_is_a_clear_error(tmp_path: Path, docs: Path) -> None:
    with pytest.raises(IndexStoreError, match="no index at"):
        open_index(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexStoreError, match="not a replyqa index"):
        open_index(tmp_path / "empty")
    index = tmp_path / "idx"
    _build(docs, index)
    gen = json.loads((index / MANIFEST).read_text())["generation"]
    (index / gen / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexStoreError, match="rebuild"):
        open_index(index)


def test_one_build_at_a_time(docs: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    with builder.build_lock(index), pytest.raises(IndexLockedError, match="another build"):
        _build(docs, index)


def test_store_vectors_are_unit_norm(docs: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    _build(docs, index)
    idx = open_index(index)
    vectors = idx.store.get(idx.vector_ids[:20])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("kind", ["hnsw", "ivf", "ivf-fp16"])
def test_approximate_index_types_build_update_and_reopen(
    docs: Path, tmp_path: Path, kind: str
) -> None:
    exact = tmp_path / "flat"
    _build(docs, exact)
    index = tmp_path / kind
    _build(docs, index, index_type=kind)
    assert json.loads((index / MANIFEST).read_text())["store"] == f"faiss-{kind}-ip"
    assert open_index(index).store.kind == kind
    # On a few hundred vectors the approximate search finds what the exact one finds.
    assert [r[:3] for r in _results(index)] == [r[:3] for r in _results(exact)]
    changed = sorted(docs.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8").replace("。", "；"), encoding="utf-8")
    summary = _build(docs, index, index_type=kind)
    assert summary.updated == 1 and len(open_index(index).store) == summary.chunks
    assert open_index(index).store.kind == kind


def test_auto_index_type_switches_by_size() -> None:
    from index.store import choose_kind

    assert choose_kind(50_000) == "flat" and choose_kind(100_001) == "ivf-fp16"
    assert choose_kind(10, "ivf") == "ivf"


def test_float32_ivf_becomes_half_precision_without_re_embedding(
    docs: Path, tmp_path: Path
) -> None:
    index = tmp_path / "idx"
    _build(docs, index, index_type="ivf")
    before = open_index(index)
    float32 = before.store.get(before.vector_ids)
    size32 = (index / before.manifest.generation / "vectors.faiss").stat().st_size
    embedder = CountingEmbedder()
    _build(docs, index, embedder, index_type="ivf-fp16")
    after = open_index(index)
    assert embedder.embedded == 0 and after.store.kind == "ivf-fp16"
    assert json.loads((index / MANIFEST).read_text())["store"] == "faiss-ivf-fp16-ip"
    np.testing.assert_array_equal(after.vector_ids, before.vector_ids)
    half = after.store.get(after.vector_ids)
    np.testing.assert_allclose(half, float32, rtol=2**-11, atol=1e-7)
    size16 = (index / after.manifest.generation / "vectors.faiss").stat().st_size
    assert size32 - size16 > 0.99 * 256 * 2 * len(after.vector_ids)  # 2 of 4 bytes a value


def test_bm25_scores_equal_bm25s_and_are_read_from_disk(docs: Path, tmp_path: Path) -> None:
    """The numpy BM25 gives bm25s' Lucene scores; an opened index reads them from its files."""
    import bm25s

    from index.lexical import BM25Store, DocTerms, _NpyColumn, _SortedVocab
    from rag.search.lexicon import default_tokenizer

    tok = default_tokenizer()
    settings = Settings(embedder="hash")
    letters = ingest(docs, settings).letters
    idx_path = tmp_path / "idx"
    _build(docs, idx_path, tokenize=tok.tokenize, lexicon_version=tok.version)
    idx = open_index(idx_path)
    corpus = [tok.tokenize(embed_input(idx.letters[c.letter_id], c)) for c in idx.chunks] + [[]]
    ref = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    ref.index([d or [""] for d in corpus], show_progress=False)
    ours = BM25Store.build(corpus)
    assert isinstance(idx.bm25, BM25Store) and isinstance(idx.bm25._vocab, _SortedVocab)
    assert isinstance(idx.bm25._data, _NpyColumn)  # not loaded: read per query column
    words = sorted({t for d in corpus for t in d})
    for question in [*QUESTIONS, " ".join(words[::37]), "未登录的词"]:
        q = tok.query_tokens(question) if question in QUESTIONS else question.split()
        known = [t for t in dict.fromkeys(q) if t and t in ref.vocab_dict]
        expected = (
            np.asarray(ref.get_scores(known), dtype=np.float32)[: len(corpus)]
            if known
            else np.zeros(len(corpus), dtype=np.float32)
        )
        assert np.array_equal(ours.scores(q), expected)
        mask = np.zeros(len(idx.chunks), dtype=np.float32)
        mask[::2] = 1
        assert np.array_equal(idx.bm25.scores(q, mask), idx.bm25.scores(q) * mask)
    # The opened index scores exactly as one built in memory over the same chunk tokens.
    built = BM25Store.build(corpus[:-1])
    for question in QUESTIONS:
        q = tok.query_tokens(question)
        assert np.array_equal(idx.bm25.scores(q), built.scores(q))
        assert all(idx.bm25.idf(t) == built.idf(t) for t in [*q, "未登录的词"])
    # Token counts survive take/concat: rows regrouped give the same matrix as recounted.
    terms = DocTerms.from_tokens(corpus[:40])
    extra = DocTerms.from_tokens(corpus[40:50], terms.vocab)
    pooled = DocTerms.concat(terms, extra).take(np.r_[45:50, 0:20])
    recount = BM25Store.build(corpus[45:50] + corpus[0:20])
    for question in QUESTIONS:
        q = tok.query_tokens(question)
        assert np.array_equal(BM25Store.from_terms(pooled).scores(q), recount.scores(q))
    assert len(letters) == len(idx.letters)


def test_opened_letters_and_chunks_equal_the_parsed_ones(docs: Path, tmp_path: Path) -> None:
    """Texts stay on disk and chunks are made on access, yet compare equal to what was built."""
    import dataclasses
    import pickle

    from index.folder import ChunkTable, StoredLetter
    from rag.chunking import chunk_text

    settings = Settings(embedder="hash")
    parsed = {lt.id: lt for lt in ingest(docs, settings).letters}
    index = tmp_path / "idx"
    _build(docs, index)
    idx = open_index(index)
    assert isinstance(idx.chunks, ChunkTable)
    for lid, letter in idx.letters.items():
        assert isinstance(letter, StoredLetter) and vars(letter)["_text"] is None  # on disk
        assert letter == parsed[lid] and parsed[lid] == letter and hash(letter) == hash(parsed[lid])
        assert letter.text == parsed[lid].text and letter.to_json() == parsed[lid].to_json()
        assert pickle.loads(pickle.dumps(letter)) == parsed[lid]
        copy = dataclasses.replace(letter, source="moved.txt")
        assert copy.text == letter.text and copy.source == "moved.txt"
    expected = [
        c
        for lid in dict.fromkeys(c.letter_id for c in idx.chunks)
        for c in chunk_text(lid, parsed[lid].text, parsed[lid].boilerplate, settings.chunking)
    ]
    assert list(idx.chunks) == expected
    assert [idx.chunks[i] for i in range(len(expected))] == expected
    assert idx.chunks[-1] == expected[-1] and idx.chunks[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        idx.chunks[len(expected)]
    for row, vid in enumerate(idx.vector_ids):
        assert idx.row_for_vector(int(vid)) == row
    assert idx.chunk_for_vector(int(idx.vector_ids.max()) + 1) is None


def test_rows_of_letter_from_the_table_or_a_list_in_any_order(docs: Path, tmp_path: Path) -> None:
    from index.folder import LetterIndex

    index = tmp_path / "idx"
    _build(docs, index)
    idx = open_index(index)
    shuffled = np.random.default_rng(0).permutation(len(idx.chunks))
    as_list = LetterIndex(
        idx.path,
        idx.manifest,
        idx.letters,
        [idx.chunks[int(i)] for i in shuffled],
        idx.vector_ids[shuffled],
        idx.store,
    )
    for opened in (idx, as_list):
        for lid in idx.letters:
            want = [row for row, chunk in enumerate(opened.chunks) if chunk.letter_id == lid]
            assert opened.rows_of_letter(lid).tolist() == want and want
        assert opened.rows_of_letter("no such letter").tolist() == []
