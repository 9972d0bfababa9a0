"""The lexical side of an index: BM25 (bm25s) over pre-tokenised chunks.

Rows are the index's chunks in the same order as its chunk table. Tokens come from
the caller (the lexicon-aware tokenizer in `rag.lexicon`); this module only scores.
BM25 statistics are corpus-wide, so every build rebuilds this part from the tokens,
which is cheap next to embedding. Saved as a `bm25/` folder inside the generation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.errors import IndexStoreError

FOLDER = "bm25"


class BM25Store:
    """Scores every chunk against a bag of query tokens."""

    def __init__(self, retriever: object, n_docs: int) -> None:
        self._bm25 = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict  # type: ignore[attr-defined]
        self.n_docs = n_docs

    @classmethod
    def build(
        cls, corpus_tokens: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75
    ) -> BM25Store:
        """Index one token list per chunk."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        # An empty document still needs one token for bm25s' matrix shape.
        docs = [list(toks) if toks else [""] for toks in corpus_tokens] or [[""]]
        retriever.index(docs, show_progress=False)
        return cls(retriever, len(corpus_tokens))

    def scores(self, query_tokens: Sequence[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every chunk (zeros when no query token is known)."""
        known = [t for t in dict.fromkeys(query_tokens) if t in self._vocab and t]
        if not known or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        out = self._bm25.get_scores(known, weight_mask=mask)  # type: ignore[attr-defined]
        return np.asarray(out, dtype=np.float32)[: self.n_docs]

    def idf(self, token: str) -> float:
        """Inverse document frequency of `token` (unknown tokens get the maximum)."""
        tid = self._vocab.get(token)
        indptr = self._bm25.scores["indptr"]  # type: ignore[attr-defined]
        df = 0 if tid is None or tid + 1 >= len(indptr) else int(indptr[tid + 1] - indptr[tid])
        return float(np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def save(self, generation: Path) -> None:
        self._bm25.save(str(generation / FOLDER))  # type: ignore[attr-defined]

    @classmethod
    def load(cls, generation: Path, n_docs: int) -> BM25Store:
        import bm25s

        folder = generation / FOLDER
        try:
            retriever = bm25s.BM25.load(str(folder), mmap=False)
        except (OSError, ValueError) as exc:
            raise IndexStoreError(
                f"cannot read the BM25 index in {folder} ({exc}); rebuild the index"
            ) from exc
        return cls(retriever, n_docs)
