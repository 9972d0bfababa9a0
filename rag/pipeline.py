"""The two end-to-end jobs every edge uses: build an index from a folder, open one to search.

The CLI, the benchmarks, the tests and (later) the web app call these instead of
wiring loaders, embedder, tokenizer and store together themselves.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.builder import BuildSummary, MilvusTarget, Progress, build_index, open_index
from index.folder import file_records
from index.manifest import check_embedder
from rag.chunking import chunker, chunking_params, embed_input
from rag.config import Settings
from rag.embedding import Embedder, make_embedder, setting_for_embedder_id
from rag.errors import ReplyQAError
from rag.letters.agencies import place_of
from rag.letters.ingest import ingest, parser_version
from rag.search.lexicon import default_tokenizer, tokens_key
from rag.search.names import name_payload
from rag.search.retrieval import Retriever
from rag.types import Letter

if TYPE_CHECKING:
    from rag.answer.conversation import Rewrite
    from rag.search.query import Filters
    from rag.types import Answer


def build_folder(
    docs_dir: Path,
    index_dir: Path,
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> BuildSummary:
    """Parse every letter under `docs_dir` and bring the index at `index_dir` up to date.

    Files unchanged since the committed build (same size and mtime, or same bytes) are not
    parsed again: their letters come from the index (unless `rebuild`, or the parser
    changed). Chunks whose text is unchanged keep their vectors and BM25 tokens.

    Raises:
        ReplyQAError: Nothing under `docs_dir` could be indexed (the reasons are named).
    """
    parser = parser_version(settings)
    known, scanned_at = ({}, 0) if rebuild else file_records(Path(index_dir), parser)
    result = ingest(docs_dir, settings, previous=known, previous_scan_ns=scanned_at)
    del known
    if not result.letters:
        reasons = "; ".join(f"{s['source']}: {s['reason']}" for s in result.skipped[:5])
        raise NothingToIndexError(
            f"nothing could be indexed in {docs_dir} ({reasons or 'the folder is empty'})"
        )
    model = embedder or make_embedder(settings)
    tokenizer = default_tokenizer(settings.agency_table)
    milvus = _milvus_target(index_dir, settings)
    summary = build_index(
        index_dir,
        result.letters,
        model,
        chunker(settings.chunking),
        chunking_params(settings.chunking),
        embed_input,
        rebuild=rebuild,
        batch_size=settings.embed_batch_size,
        progress=progress,
        skipped=result.skipped,
        tokenize=tokenizer.tokenize,
        lexicon_version=tokenizer.version,
        index_type=settings.index_type,
        milvus=milvus,
        filter_fields=_filter_fields(result.letters) if milvus is not None else None,
        tokens_key=tokens_key(tokenizer.version),
        names=name_payload,
        files=result.files,
        parser=parser,
        scanned_at_ns=result.scanned_at_ns,
    )
    summary.parsed_files = result.parsed
    return summary


def _milvus_target(index_dir: Path, settings: Settings) -> MilvusTarget | None:
    """Where the vectors go when `store` is milvus (the collection is named after the folder)."""
    if settings.store != "milvus":
        return None
    if not settings.milvus_uri:
        raise ReplyQAError(
            "store=milvus needs a server: --milvus-uri http://HOST:19530 (or REPLYQA_MILVUS_URI)"
        )
    digest = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    return MilvusTarget(
        settings.milvus_uri, settings.milvus_collection or f"replyqa_{digest}", token
    )


def _filter_fields(letters: list[Letter]) -> dict[str, dict[str, Any]]:
    """Per letter, the fields a Milvus collection filters on (agency, place, year, kind, category)."""
    out = {}
    for letter in letters:
        f = letter.fields
        agency = f.agency_canonical or f.agency or ""
        out[letter.id] = {
            "letter_id": letter.id,
            "agency": agency[:300],
            "place": (place_of(agency) or "")[:80] if agency else "",
            "year": int(f.date[:4]) if f.date and f.date[:4].isdigit() else 0,
            "kind": f.kind or "",
            "category": f.category or "",
        }
    return out


class NothingToIndexError(ReplyQAError):
    """A docs folder held no letter that could be loaded."""


def open_retriever(
    index_dir: Path, settings: Settings | None = None, embedder: str | None = None
) -> Retriever:
    """Open an index with the embedder it was built with (or the one named, which must match)."""
    idx = open_index(index_dir)
    base = settings or Settings()
    name = embedder or setting_for_embedder_id(idx.manifest.embedder_id)
    settings = base.model_copy(update={"embedder": name})
    model = make_embedder(settings)
    check_embedder(idx.manifest, idx.path, model.id)
    return Retriever(idx, model, settings.retrieval, default_tokenizer(settings.agency_table))


def make_answerer(retriever: Retriever, settings: Settings | None = None) -> Any:
    """The extractive answerer, or the LLM answerer over it when `settings.llm` names a model."""
    from rag.answer.extractive import ExtractiveAnswerer

    settings = settings or Settings()
    extractive = ExtractiveAnswerer(retriever, settings.answer)
    if settings.llm.provider.strip().lower() in ("", "none"):
        return extractive
    from rag.answer.generators import make_chat_model
    from rag.answer.llm import LLMAnswerer

    return LLMAnswerer(retriever, make_chat_model(settings.llm), extractive)


class ChatSession:
    """One conversation: follow-ups are rewritten against earlier turns, then answered."""

    def __init__(self, answerer: Any, conversation_id: str = "cli", max_turns: int = 20) -> None:
        from rag.answer.conversation import Conversation

        self.answerer = answerer
        self.conversation = Conversation(id=conversation_id, max_turns=max_turns)

    def ask(self, question: str, filters: Filters | None = None) -> tuple[Answer, Rewrite]:
        """Answer `question` in context; returns the answer and how the question was read."""
        from rag.answer.conversation import record, rewrite

        if filters is not None:
            self.conversation.explicit = filters
        rw = rewrite(question, self.conversation)
        answer = self.answerer.answer(rw.question, rw.filters, rw.focus_letters, rw.exclude_letters)
        record(self.conversation, question, rw, answer)
        return answer, rw
