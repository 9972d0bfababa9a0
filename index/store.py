"""Vector stores: the `VectorStore` protocol and `FaissStore`, the embedded default.

A store maps int64 vector ids to unit vectors and answers inner-product top-k
queries. It knows nothing about letters or chunks: the index folder maps ids to
chunks. `FaissStore` wraps an exact `IndexFlatIP` in an `IndexIDMap2`, so ids are
stable across incremental builds and vectors can be read back for reuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

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


class FaissStore:
    """Exact inner-product search over id-mapped vectors (faiss-cpu)."""

    FILE_NAME = "vectors.faiss"

    def __init__(self, dim: int, index: object | None = None) -> None:
        import faiss

        self._faiss = faiss
        self._dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return int(self._index.ntotal)  # type: ignore[attr-defined]

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self._dim:
            raise IndexStoreError(f"vectors have shape {vectors.shape}, expected (n, {self._dim})")
        if len(ids) != len(vectors):
            raise IndexStoreError(f"{len(ids)} ids for {len(vectors)} vectors")
        if len(ids):
            self._index.add_with_ids(vectors, ids)  # type: ignore[attr-defined]

    def remove(self, ids: np.ndarray) -> int:
        if not len(ids):
            return 0
        return int(self._index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))  # type: ignore[attr-defined]

    def get(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty((len(ids), self._dim), dtype=np.float32)
        for row, vid in enumerate(ids):
            out[row] = self._index.reconstruct(int(vid))  # type: ignore[attr-defined]
        return out

    def search(
        self, queries: np.ndarray, k: int, subset: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        if not len(self) or (subset is not None and not len(subset)):
            return np.zeros((n, 1), dtype=np.float32), -np.ones((n, 1), dtype=np.int64)
        k = max(1, min(k, len(self) if subset is None else len(subset)))
        if subset is None:
            scores, ids = self._index.search(queries, k)  # type: ignore[attr-defined]
        else:
            selector = self._faiss.IDSelectorBatch(np.ascontiguousarray(subset, dtype=np.int64))
            params = self._faiss.SearchParameters(sel=selector)
            scores, ids = self._index.search(queries, k, params=params)  # type: ignore[attr-defined]
        return scores, ids

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
        return cls(dim, index)
