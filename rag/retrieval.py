"""Retrieval: turn a question into ranked hits from an opened index.

For now this is dense search over the FAISS store; the hybrid lexical side, fusion,
field filters and reranking grow here. The embedder is loaded once per `Retriever`
and reused across a batch of questions.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.folder import LetterIndex

from .embedding import Embedder
from .types import Hit


class Retriever:
    """Answers `search(question, k)` against one index with one embedder."""

    def __init__(self, index: LetterIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def search(self, question: str, k: int = 10) -> list[Hit]:
        """The top-`k` chunks for `question`, best first."""
        query = self.embedder.embed_query(question)
        hits = []
        for rank, (chunk, score) in enumerate(self.index.search_vectors(query, k), 1):
            hits.append(Hit(chunk=chunk, letter=self.index.letters[chunk.letter_id], score=score, rank=rank))
        return hits

    def search_many(self, questions: Sequence[str], k: int = 10) -> list[list[Hit]]:
        return [self.search(q, k) for q in questions]
