"""The `VectorStore` contract, run against `FaissStore` and `MilvusStore` on a real server.

Milvus is a milvus-lite gRPC server started once per session (see `milvus_server`); each
test gets its own collection. Every search is checked against brute-force numpy inner
products, so both backends are held to the same exact results. Milvus-only tests cover
metadata filter pushdown, filter escaping, reopening a collection and server-side BM25.
In CI a milvus-lite that cannot start fails these tests; elsewhere it skips them.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from typing import Any, NoReturn

import numpy as np
import pytest
from milvus_server import free_port
from support import unavailable

from index.milvus_store import MilvusBM25Store, MilvusStore, filter_expr
from index.store import FaissStore, VectorStore
from rag.errors import IndexStoreError

DIM = 32
Data = tuple[np.ndarray, np.ndarray, np.ndarray]  # ids, vectors, queries
N = 60


def _unavailable(reason: str) -> NoReturn:
    unavailable(f"milvus-lite: {reason}")


def _collection() -> str:
    return f"t_{uuid.uuid4().hex}"


def _milvus(uri: str, dim: int = DIM, **kw: Any) -> MilvusStore:
    return MilvusStore(uri, _collection(), dim, **kw)


@pytest.fixture(params=["faiss", "faiss-ivf-fp16", "milvus"])
def store(request: pytest.FixtureRequest) -> Iterator[VectorStore]:
    if request.param == "faiss":
        yield FaissStore(DIM)
        return
    if request.param == "faiss-ivf-fp16":
        yield _empty_ivf_fp16()
        return
    made = _milvus(request.getfixturevalue("milvus_uri"))
    try:
        yield made
    finally:
        made.drop()
        made.close()


def _empty_ivf_fp16() -> FaissStore:
    """An empty half-precision IVF store, trained on other vectors; it probes every cell
    (400 training vectors make 10), so its search is exact and held to the same contract."""
    train = _unit(np.random.default_rng(3), 400)
    made = FaissStore.build(DIM, np.arange(400), train, "ivf-fp16", nprobe=10)
    made.remove(np.arange(400))
    return made


@pytest.fixture()
def milvus(milvus_uri: str) -> Iterator[MilvusStore]:
    made = _milvus(milvus_uri)
    try:
        yield made
    finally:
        made.drop()
        made.close()


def _unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture()
def data() -> Data:
    """Sparse, large int64 ids (beyond 32 bits), unit vectors and five queries.

    The vectors are rounded to half precision (norms stay within 1e-3 of 1), so a store that
    keeps them so gives them back exactly too.
    """
    rng = np.random.default_rng(7)
    ids = rng.choice(2**40, size=N, replace=False).astype(np.int64)
    return ids, _unit(rng, N).astype(np.float16).astype(np.float32), _unit(rng, 5)


def _brute(
    ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), ids[order]


def _assert_exact(
    got: tuple[np.ndarray, np.ndarray], ids: np.ndarray, vectors: np.ndarray, q: np.ndarray, k: int
) -> None:
    want_scores, want_ids = _brute(ids, vectors, q, k)
    assert got[1].shape == want_ids.shape
    np.testing.assert_array_equal(got[1], want_ids)
    np.testing.assert_allclose(got[0], want_scores, atol=1e-4)


# -- the contract, on both stores ------------------------------------------------------------
def test_add_len_get_round_trip(store: VectorStore, data: Data) -> None:
    ids, vectors, _ = data
    assert len(store) == 0
    store.add(ids, vectors)
    assert len(store) == N
    order = np.random.default_rng(1).permutation(N)[:20]
    np.testing.assert_allclose(store.get(ids[order]), vectors[order], atol=1e-6)
    assert store.dim == DIM


def test_search_matches_brute_force(store: VectorStore, data: Data) -> None:
    ids, vectors, queries = data
    store.add(ids, vectors)
    _assert_exact(store.search(queries, 10), ids, vectors, queries, 10)
    _assert_exact(store.search(queries[0], 3), ids, vectors, queries[:1], 3)  # one 1-d query


def test_subset_restricts_search(store: VectorStore, data: Data) -> None:
    ids, vectors, queries = data
    store.add(ids, vectors)
    rows = np.arange(0, N, 4)
    scores, got = store.search(queries, 5, subset=ids[rows])
    assert set(got.ravel()) <= set(ids[rows])
    _assert_exact((scores, got), ids[rows], vectors[rows], queries, 5)


def test_subset_with_absent_ids_pads_with_minus_one(store: VectorStore, data: Data) -> None:
    ids, vectors, queries = data
    store.add(ids, vectors)
    absent = np.array([-5, 2**41], dtype=np.int64)
    scores, got = store.search(queries, 10, subset=np.concatenate([ids[:3], absent]))
    assert got.shape == (5, 5)  # min(k, len(subset)) slots, as FAISS answers
    _assert_exact((scores[:, :3], got[:, :3]), ids[:3], vectors[:3], queries, 3)
    assert (got[:, 3:] == -1).all()


def test_empty_subset_finds_nothing(store: VectorStore, data: Data) -> None:
    ids, vectors, queries = data
    store.add(ids, vectors)
    scores, got = store.search(queries, 5, subset=np.array([], dtype=np.int64))
    assert got.shape == (5, 1) and (got == -1).all()


def test_remove_then_search(store: VectorStore, data: Data) -> None:
    ids, vectors, queries = data
    store.add(ids, vectors)
    gone = np.concatenate([ids[:10], [123456789]])  # one id that was never there
    assert store.remove(gone) == 10
    assert store.remove(np.array([], dtype=np.int64)) == 0
    assert len(store) == N - 10
    scores, got = store.search(queries, 8)
    assert not set(got.ravel()) & set(ids[:10])
    _assert_exact((scores, got), ids[10:], vectors[10:], queries, 8)


def test_empty_store_search(store: VectorStore, data: Data) -> None:
    scores, got = store.search(data[2], 5)
    assert got.shape == (5, 1) and (got == -1).all() and (scores == 0).all()


def test_k_larger_than_store_gives_every_vector_once(store: VectorStore, data: Data) -> None:
    ids, vectors, queries = data
    store.add(ids[:7], vectors[:7])
    scores, got = store.search(queries, 100)
    assert got.shape == (5, 7)
    for row in got:
        assert len(set(row)) == 7 and set(row) == set(ids[:7])  # duplicate-free, complete
    _assert_exact((scores, got), ids[:7], vectors[:7], queries, 7)


def test_milvus_and_faiss_agree(milvus: MilvusStore, data: Data) -> None:
    ids, vectors, queries = data
    faiss_store = FaissStore(DIM)
    for s in (faiss_store, milvus):
        s.add(ids, vectors)
    for k, subset in ((10, None), (4, ids[::3])):
        f_scores, f_ids = faiss_store.search(queries, k, subset)
        m_scores, m_ids = milvus.search(queries, k, subset)
        np.testing.assert_array_equal(m_ids, f_ids)
        np.testing.assert_allclose(m_scores, f_scores, atol=1e-4)


# -- filters ----------------------------------------------------------------------------------
EVIL = '市教育局" or id >= 0 or agency == "'


def test_filter_expr_builds_escaped_expressions() -> None:
    assert filter_expr() == ""
    assert filter_expr(agency="市教育局", year=2023) == 'agency == "市教育局" and year == 2023'
    assert filter_expr(place=["北京", "上海"], year=[2023, 2024]) == (
        'place in ["北京", "上海"] and year in [2023, 2024]'
    )
    assert filter_expr(agency=EVIL) == 'agency == "市教育局\\" or id >= 0 or agency == \\""'
    assert filter_expr(kind='a\\"b\n') == 'kind == "a\\\\\\"b\\n"'
    for bad in ({"year": True}, {"year": "2023"}, {"year": [2023, "x"]}, {"agency": [1]}):
        with pytest.raises(ValueError):
            filter_expr(**bad)
    with pytest.raises(ValueError, match="control character"):
        filter_expr(agency="a\x00b")


def _metadata(n: int) -> list[dict[str, Any]]:
    agencies = ["市教育局", "市住房和城乡建设局", EVIL, 'back\\slash"']
    return [
        {
            "letter_id": f"L{i // 3}",
            "agency": agencies[i % 4],
            "place": ["北京", "上海", "深圳"][i % 3],
            "year": 2021 + i % 4,
            "kind": "proposal" if i % 2 else "suggestion",
            "category": "教育" if i % 5 else "",
        }
        for i in range(n)
    ]


def test_metadata_filter_pushdown(milvus: MilvusStore, data: Data) -> None:
    ids, vectors, queries = data
    meta = _metadata(N)
    milvus.add(ids, vectors, meta)

    def check(k: int, subset: np.ndarray | None = None, **filters: Any) -> None:
        keep = [
            i
            for i, m in enumerate(meta)
            if all(m[f] in (v if isinstance(v, list) else [v]) for f, v in filters.items())
            and (subset is None or ids[i] in set(subset))
        ]
        got = milvus.search(queries, k, subset=subset, expr=filter_expr(**filters))
        _assert_exact(got, ids[keep], vectors[keep], queries, min(k, len(keep)))

    check(5, agency="市教育局")
    check(5, agency="市教育局", year=2021)
    check(4, place=["北京", "深圳"], kind="proposal")
    check(3, letter_id="L2")
    check(6, subset=ids[:30], year=[2022, 2024])
    check(5, category="")  # unknown metadata is stored as ""
    check(5, agency=EVIL)  # an injection-looking value is one literal, matching one agency
    check(5, agency='back\\slash"')
    _, got = milvus.search(queries, 5, expr=filter_expr(agency="no such agency"))
    assert (got == -1).all()


def test_add_rejects_bad_metadata_and_duplicates(milvus: MilvusStore, data: Data) -> None:
    ids, vectors, _ = data
    with pytest.raises(IndexStoreError, match="unknown metadata"):
        milvus.add(ids[:1], vectors[:1], [{"agencyy": "x"}])
    with pytest.raises(IndexStoreError, match="metadata records"):
        milvus.add(ids[:2], vectors[:2], [{}])
    with pytest.raises(IndexStoreError, match="duplicate"):
        milvus.add(ids[[0, 0]], vectors[:2])
    with pytest.raises(IndexStoreError, match="expected"):
        milvus.add(ids[:2], vectors[:2, :5])
    assert len(milvus) == 0


# -- Milvus specifics ---------------------------------------------------------------------------
def test_get_missing_id_is_a_clear_error(milvus: MilvusStore, data: Data) -> None:
    ids, vectors, _ = data
    milvus.add(ids[:3], vectors[:3])
    with pytest.raises(IndexStoreError, match="not in Milvus collection"):
        milvus.get(np.array([ids[0], 42]))


def test_reopen_keeps_data_and_checks_dimension(milvus_uri: str, data: Data) -> None:
    ids, vectors, queries = data
    first = _milvus(milvus_uri)
    try:
        first.add(ids, vectors, _metadata(N))
        first.flush()
        again = MilvusStore(milvus_uri, first.collection, DIM)
        assert len(again) == N
        _assert_exact(again.search(queries, 5), ids, vectors, queries, 5)
        again.add(ids[:1], vectors[1:2])  # re-adding an id replaces its vector
        assert len(again) == N
        np.testing.assert_allclose(again.get(ids[:1]), vectors[1:2], atol=1e-6)
        with pytest.raises(IndexStoreError, match="another schema"):
            MilvusStore(milvus_uri, first.collection, DIM + 1)
    finally:
        first.drop()


def test_hnsw_index_finds_nearest(milvus_uri: str, data: Data) -> None:
    ids, vectors, _ = data
    store = _milvus(milvus_uri, index_type="HNSW")
    try:
        store.add(ids, vectors)
        _, got = store.search(vectors[:5], 3)
        np.testing.assert_array_equal(got[:, 0], ids[:5])  # each vector is its own neighbour
    finally:
        store.drop()


def test_unreachable_server_names_the_uri() -> None:
    if importlib.util.find_spec("pymilvus") is None:
        _unavailable("pymilvus is not installed")
    uri = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(IndexStoreError, match=uri.replace(".", r"\.")):
        MilvusStore(uri, "nothing", DIM, timeout=2)


def test_bm25_search_over_chinese_text(milvus_uri: str) -> None:
    if importlib.util.find_spec("jieba") is None:
        _unavailable("jieba (milvus-lite's Chinese analyzer) is not installed")
    texts = [
        "关于加快老旧小区加装电梯的建议的答复：加装电梯补贴标准",
        "集成电路产业发展政策的答复",
        "学校门口交通安全管理的答复",
        "人才政策支持高层次人才引进，人才公寓",
        "老旧小区改造与电梯维护",
    ]
    ids = np.array([10, 20, 30, 40, 50], dtype=np.int64)
    lex = MilvusBM25Store(milvus_uri, _collection())
    try:
        lex.add(ids, texts, [{"agency": "住建局" if i in (0, 4) else "其他"} for i in range(5)])
        assert len(lex) == 5
        scores, got = lex.bm25_search("加装电梯补贴", 3)
        assert got[0] == 10 and set(got) <= {10, 50}
        assert (scores > 0).all() and (np.diff(scores) <= 0).all()
        _, got = lex.bm25_search("人才政策", 5, subset=np.array([10, 20, 30]))
        assert 40 not in got
        _, got = lex.bm25_search("电梯", 5, expr=filter_expr(agency="住建局"))
        assert set(got) == {10, 50}
        assert lex.remove(np.array([10, 99])) == 1
        assert 10 not in lex.bm25_search("加装电梯补贴", 3)[1]
    finally:
        lex.drop()
