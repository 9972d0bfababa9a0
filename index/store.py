"""Vector stores: the `VectorStore` protocol and `FaissStore`, the embedded default.

A store maps int64 vector ids to unit vectors and answers inner-product top-k
queries. It knows nothing about letters or chunks: the index folder maps ids to
chunks. `FaissStore` keeps ids stable across incremental builds and gives vectors back
for reuse, whatever its kind: exact flat, HNSW, or IVF with float32 or float16 vectors
(`choose_kind` picks by size).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rag.errors import IndexStoreError


@runtime_checkable
class VectorStore(Protocol):
    """Id-addressed unit vectors with top-k inner-product search."""

    @property
    def dim(self) -> int: ...

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add `vectors` (n, dim) under int64 `ids` (n,)."""
        ...

    def remove(self, ids: np.ndarray) -> int:
        """Remove the given ids; returns how many were present."""
        ...

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors for `ids`, shape (n, dim)."""
        ...

    def search(
        self, queries: np.ndarray, k: int, subset: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k per query: (scores, ids), each (n_queries, k); missing slots have id -1.

        `subset`, if given, restricts the search to those vector ids (hard filters).
        """
        ...


def checked_batch(ids: np.ndarray, vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """`ids` as contiguous int64 and `vectors` as contiguous float32 (n, dim), or a clear error."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        raise IndexStoreError(f"vectors have shape {vectors.shape}, expected (n, {dim})")
    if len(ids) != len(vectors):
        raise IndexStoreError(f"{len(ids)} ids for {len(vectors)} vectors")
    return ids, vectors


class FaissStore:
    """Inner-product search over id-mapped vectors (faiss-cpu), exact or approximate.

    Kinds: `flat` (exact; IDMap2 over IndexFlatIP), `hnsw` (IDMap2 over IndexHNSWFlat:
    graph search, no removal — removing rebuilds), `ivf` (IndexIVFFlat with nlist ≈ 4√N,
    trained on the vectors it is built with, removal supported) and `ivf-fp16` (the same
    cells, vectors stored in half precision: IndexIVFScalarQuantizer with QT_fp16).
    `choose_kind` picks one by size; `FaissStore.build` makes a store of a kind from all
    vectors at once.
    """

    FILE_NAME = "vectors.faiss"
    KINDS = ("flat", "hnsw", "ivf", "ivf-fp16")

    def __init__(self, dim: int, index: object | None = None, kind: str = "flat") -> None:
        import faiss

        self._faiss: Any = faiss  # typed loosely: the SWIG classes lack most stubs
        self._dim = dim
        self.kind = kind
        self._index: Any = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._quantizer: Any = None  # an IVF index's, kept alive as long as the index

    @classmethod
    def build(
        cls,
        dim: int,
        ids: np.ndarray,
        vectors: np.ndarray,
        kind: str = "flat",
        hnsw_m: int = 32,
        ef_search: int = 128,
        nprobe: int | None = None,
    ) -> FaissStore:
        """A store of `kind` holding `vectors` under `ids` (trained on them for IVF)."""
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        inner: Any
        if kind == "flat":
            store = cls(dim)
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 80
            inner.hnsw.efSearch = ef_search
            store = cls(dim, faiss.IndexIDMap2(inner), "hnsw")
        elif kind in ("ivf", "ivf-fp16"):
            nlist = max(1, min(int(4 * np.sqrt(max(len(vectors), 1))), max(1, len(vectors) // 39)))
            quantizer = faiss.IndexFlatIP(dim)
            if kind == "ivf":
                inner = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            else:
                # Half precision keeps each component to a relative 2^-11, which moves a unit
                # vector's scores by ~1e-4, below the gaps between neighbours. The codes are
                # the vectors themselves (not residuals to their centroid), so get() reads
                # back the vector and a search scores it directly.
                inner = faiss.IndexIVFScalarQuantizer(
                    quantizer,
                    dim,
                    nlist,
                    faiss.ScalarQuantizer.QT_fp16,
                    faiss.METRIC_INNER_PRODUCT,
                    False,  # by_residual
                )
            if len(vectors):
                inner.train(vectors)
            # Probe ~1/16 of the cells: recall@10 0.99 at 10^5 replicated real embeddings,
            # where HNSW (efSearch 512) reached 0.83 (benchmarks/bench_index_types.py).
            inner.nprobe = min(nprobe or max(16, nlist // 16), nlist)
            # get() by arbitrary id (faiss's stubs lack DirectMap)
            inner.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
            store = cls(dim, inner, kind)
            store._quantizer = quantizer
        else:
            raise IndexStoreError(f"unknown index type {kind!r}: use one of {', '.join(cls.KINDS)}")
        store.add(ids, vectors)
        return store

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vectors = checked_batch(ids, vectors, self._dim)
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> int:
        if not len(ids):
            return 0
        if self.kind == "hnsw":  # HNSW graphs cannot drop nodes: rebuild without them
            keep = np.setdiff1d(self.ids(), np.asarray(ids, dtype=np.int64))
            rebuilt = FaissStore.build(
                self._dim, keep, self.get(keep), "hnsw", ef_search=self._inner().hnsw.efSearch
            )
            removed = len(self) - len(keep)
            self._index = rebuilt._index
            return removed
        return int(self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))

    def _inner(self) -> Any:
        """The index under the id map (downcast so its own fields are reachable)."""
        return self._faiss.downcast_index(self._index.index)

    def ids(self) -> np.ndarray:
        """Every stored id."""
        if self.kind.startswith("ivf"):
            invlists = self._index.invlists
            parts = [
                self._faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
                for i in range(self._index.nlist)
                if invlists.list_size(i)
            ]
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return self._faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def get(self, ids: np.ndarray) -> np.ndarray:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self._dim), dtype=np.float32)
        return self._index.reconstruct_batch(ids)

    def search(
        self, queries: np.ndarray, k: int, subset: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        if not len(self) or (subset is not None and not len(subset)):
            return np.zeros((n, 1), dtype=np.float32), -np.ones((n, 1), dtype=np.int64)
        k = max(1, min(k, len(self) if subset is None else len(subset)))
        if subset is None:
            scores, ids = self._index.search(queries, k)
        else:
            if self.kind != "flat":
                # Approximate indexes miss filtered ids outside the probed cells/graph walk:
                # score the allowed ids exactly instead (cost grows with the subset only).
                return self._exact_subset(queries, k, np.asarray(subset, dtype=np.int64))
            selector = self._faiss.IDSelectorBatch(np.ascontiguousarray(subset, dtype=np.int64))
            params = self._faiss.SearchParameters(sel=selector)
            scores, ids = self._index.search(queries, k, params=params)
        return scores, ids

    def _exact_subset(
        self, queries: np.ndarray, k: int, subset: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        try:
            vectors = self.get(subset)
        except RuntimeError:  # some ids are not stored: score the ones that are
            present = [vid for vid in subset if self._has(int(vid))]
            subset = np.array(present, dtype=np.int64)
            vectors = self.get(subset)
        scores = queries @ vectors.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        top_scores = np.take_along_axis(scores, order, axis=1).astype(np.float32)
        top_ids = subset[order]
        if top_ids.shape[1] < k:  # as FAISS answers: k slots, the missing ones id -1
            pad = k - top_ids.shape[1]
            top_scores = np.pad(
                top_scores, ((0, 0), (0, pad)), constant_values=np.finfo(np.float32).min
            )
            top_ids = np.pad(top_ids, ((0, 0), (0, pad)), constant_values=-1)
        return top_scores, top_ids

    def _has(self, vid: int) -> bool:
        try:
            self._index.reconstruct(vid)
        except RuntimeError:
            return False
        return True

    def save(self, folder: Path) -> Path:
        """Write the index file into `folder`; returns its path."""
        path = folder / self.FILE_NAME
        self._faiss.write_index(self._index, str(path))
        return path

    @classmethod
    def load(cls, folder: Path, dim: int) -> FaissStore:
        """Read the index file from `folder`, checking its dimension."""
        import faiss

        path = folder / cls.FILE_NAME
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexStoreError(
                f"cannot read {path}: {str(exc).splitlines()[0]}; rebuild the index"
            ) from exc
        if index.d != dim:
            raise IndexStoreError(
                f"{path} holds {index.d}-d vectors but the manifest says {dim}; rebuild the index"
            )
        # read_index returns the concrete type; the inner index is only peeked at (a
        # downcast proxy does not own the object, so the owning proxy must stay referenced).
        if isinstance(index, faiss.IndexIVFFlat):
            kind = "ivf"
        elif (
            isinstance(index, faiss.IndexIVFScalarQuantizer)
            and index.sq.qtype == faiss.ScalarQuantizer.QT_fp16
            and not index.by_residual
        ):
            kind = "ivf-fp16"
        elif isinstance(index, faiss.IndexIDMap2):
            kind = (
                "hnsw"
                if isinstance(faiss.downcast_index(index.index), faiss.IndexHNSWFlat)
                else "flat"
            )
        else:
            raise IndexStoreError(
                f"{path} holds an unsupported index type {type(index).__name__}; rebuild"
            )
        return cls(dim, index, kind)


def choose_kind(n_vectors: int, setting: str = "auto", flat_limit: int = 100_000) -> str:
    """`setting` itself, or for "auto": exact flat up to `flat_limit` vectors, IVF beyond.

    Beyond the limit the vectors are most of the index's memory (1.5 GB in float32 at 10^6
    384-d vectors) and the search is approximate anyway, so they are kept in half precision:
    recall@10 against exact search is unchanged (`benchmarks/bench_index_types.py`).
    Below it, exact search keeps exact float32 scores: the memory is small.
    """
    if setting != "auto":
        return setting
    return "flat" if n_vectors <= flat_limit else "ivf-fp16"
