"""A langchain retriever over a replyqa index: `ReplyQARetriever(index="path", k=10)`.

`invoke(question)` (and `ainvoke`) returns langchain `Document`s, best first, one per
passage: `page_content` is the passage (`letter.text[start:end]`), and `metadata` carries
`letter_id, source, start, end, section, score, rank, chunk_id, title, doc_number, agency,
date` — enough to rebuild a citation without the index. Filters are the hard constraints
of `replyqa search` as further keyword fields (`agency=`, `place=`, `year=`, `kind=`,
`category=`). The index is opened on first use with the embedder it was built with.

Needs `langchain-core` (`pip install 'replyqa[langchain]'`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError:  # one line, with the fix, instead of a traceback into langchain
    raise ImportError(
        "rag.integrations.langchain needs langchain-core: pip install 'replyqa[langchain]'"
    ) from None
from pydantic import Field, PrivateAttr

from rag.config import Settings
from rag.pipeline import open_retriever
from rag.search.query import Filters
from rag.search.retrieval import Retriever
from rag.types import Hit


def hit_document(hit: Hit) -> Document:
    """The langchain `Document` of one search hit (passage text, citation metadata)."""
    fields = hit.letter.fields
    return Document(
        page_content=hit.chunk.text,
        id=hit.chunk.id,
        metadata={
            "letter_id": hit.letter.id,
            "source": hit.letter.source,
            "start": hit.chunk.start,
            "end": hit.chunk.end,
            "section": hit.chunk.section,
            "score": float(hit.score),
            "rank": hit.rank,
            "chunk_id": hit.chunk.id,
            "title": fields.title,
            "doc_number": fields.doc_number,
            "agency": fields.agency,
            "date": fields.date,
        },
    )


class ReplyQARetriever(BaseRetriever):
    """Hybrid replyqa search (dense + BM25 + letter fields) as a langchain retriever."""

    index: Path = Field(description="Index folder built by `replyqa build`.")
    k: int = Field(default=10, ge=1, description="Passages per question.")
    agency: str | None = Field(default=None, description="Only letters from this agency.")
    place: str | None = Field(default=None, description="Only letters from this place.")
    year: int | None = Field(default=None, description="Only letters of this year.")
    kind: Literal["提案", "建议", "其他"] | None = Field(default=None, description="Letter kind.")
    category: Literal["A", "B", "C"] | None = Field(default=None, description="办理类别.")
    settings: Settings | None = Field(
        default=None, description="replyqa settings (default: REPLYQA_* environment)."
    )

    _retriever: Retriever | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def filters(self) -> Filters:
        """The hard constraints every search of this retriever applies."""
        return Filters(
            agency=self.agency,
            place=self.place,
            year=self.year,
            kind=self.kind,
            category=self.category,
        )

    def search(self, query: str) -> list[Hit]:
        """The replyqa hits behind `invoke(query)`."""
        # One search at a time: the retriever's caches are not made for threads, and
        # `ainvoke` runs searches on an executor.
        with self._lock:
            if self._retriever is None:
                self._retriever = open_retriever(Path(self.index), self.settings)
            return self._retriever.search(query, self.k, self.filters)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return [hit_document(h) for h in self.search(query)]
