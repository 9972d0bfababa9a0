"""The HTTP API under /api/v1: chat (JSON or server-sent events), letters, search, tokens.

`router(service)` returns the routes, the OpenAI-compatible endpoint of
`ui.openai_compat` and `/healthz`; `ui.app.create_app` mounts them behind `ui.auth`.
Shapes match the CLI's `--json` output (citations, hits), so a script can move between
the two. Answering is synchronous CPU work: the routes are plain `def`s, which FastAPI
runs in its threadpool, and the event stream is a sync iterator that Starlette steps
through there too, so the event loop stays free for other requests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.search.query import Filters, clean_question
from rag.types import Answer, Citation, search_result

from . import openai_compat
from .auth import ApiError, ApiKey, ChatAccess
from .requests import FILTER_DOCS, SSE_HEADERS, FiltersIn, check_question, failure_message, sse
from .service import Service
from .tokens import mint_token

log = logging.getLogger("replyqa.api")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question, in Chinese or English.")
    conversation_id: str | None = Field(
        None, max_length=64, description="Continue this conversation (from an earlier answer)."
    )
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="Answer as server-sent events instead of JSON.")


class ChatResponse(BaseModel):
    answer: str
    answered: bool
    conversation_id: str
    # `letter.text[start:end] == quote`; fetch the letter at /api/v1/letters/{letter_id}.
    citations: list[Citation]
    suggestions: list[dict[str, Any]]
    route: str


class TokenResponse(BaseModel):
    token: str = Field(description="Send as 'Authorization: Bearer <token>' to /api/v1/chat.")
    expires_at: int = Field(description="Unix seconds.")


class Health(BaseModel):
    status: str
    letters: int
    chunks: int
    embedder: str


def answer_json(cid: str, answer: Answer) -> dict[str, Any]:
    """The blocking chat shape (also the payload of the `citations` event, plus `answer`)."""
    body = answer.to_json()
    body.pop("question", None)  # the rewritten question is internal to the conversation
    return {"conversation_id": cid, **body}


def _chat_events(cid: str, events: Iterator[Any]) -> Iterator[str]:
    final: Answer | None = None
    try:
        for event in events:
            if event.kind == "delta" and event.text:
                yield sse("delta", {"text": event.text})
            elif event.kind == "answer" and event.answer is not None:
                final = event.answer
    except Exception as exc:  # the response has started: report in-band, never drop silently
        log.exception("streamed answer failed")
        yield sse("error", {"message": failure_message(exc)})
        return
    if final is None:
        yield sse("error", {"message": "no answer was produced"})
        return
    body = answer_json(cid, final)
    yield sse(
        "citations",
        {
            k: body[k]
            for k in ("citations", "answered", "answer", "suggestions", "route", "conversation_id")
        },
    )
    yield sse("done", {"conversation_id": cid})


def router(service: Service) -> APIRouter:
    """The API routes over one `Service`."""
    r = APIRouter()
    config = service.config

    @r.get("/healthz", response_model=Health, tags=["meta"])
    def healthz() -> dict[str, Any]:
        """Liveness and what is loaded (no key needed)."""
        index = service.retriever.index
        return {
            "status": "ok",
            "letters": len(index.letters),
            "chunks": len(index.chunks),
            "embedder": index.manifest.embedder_id,
        }

    @r.post(
        "/api/v1/chat",
        response_model=ChatResponse,
        tags=["chat"],
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def chat(body: ChatRequest, key: ChatAccess) -> Any:
        """Answer a question with exact citations; `stream: true` sends server-sent events.

        Events: `delta` {text}…, then `citations` {citations, answered, answer,
        conversation_id} (its `answer` is final and may differ from the joined deltas),
        then `done` {conversation_id}; or `error` {message}.
        """
        question = check_question(config, body.question)
        filters = body.filters.to_filters() if body.filters else None
        if body.stream:
            cid, events = service.stream(question, body.conversation_id, filters)
            return StreamingResponse(
                _chat_events(cid, events),
                media_type="text/event-stream",
                headers={**SSE_HEADERS, "X-Conversation-Id": cid},
            )
        cid, answer = service.ask(question, body.conversation_id, filters)
        return answer_json(cid, answer)

    @r.get("/api/v1/letters/{letter_id}", tags=["letters"])
    def letter(letter_id: str, key: ApiKey) -> dict[str, Any]:
        """A letter's record, full text and the spans its fields were read from."""
        found = service.letter(letter_id)
        if found is None:
            raise ApiError(
                404,
                "not_found",
                f"no letter with id {letter_id[:80]!r}; ids come from citations and search hits",
            )
        return {
            **found.record(),
            "format": found.format,
            "text": found.text,
            "spans": {name: list(span) for name, span in found.fields.spans.items()},
        }

    @r.get("/api/v1/search", tags=["letters"])
    def search(
        key: ApiKey,
        q: str = Query(description="The question (its limit and error are those of /api/v1/chat)."),
        k: int = Query(10, ge=1, le=100, description="Number of hits."),
        id: str = Query("q", max_length=128, description="Echoed as `id`, as in a batch file."),
        agency: str | None = Query(None, max_length=100, description=FILTER_DOCS["agency"]),
        place: str | None = Query(None, max_length=50, description=FILTER_DOCS["place"]),
        year: int | None = Query(None, ge=1949, le=2100, description=FILTER_DOCS["year"]),
        kind: str | None = Query(None, max_length=20, description=FILTER_DOCS["kind"]),
        category: str | None = Query(None, max_length=20, description=FILTER_DOCS["category"]),
    ) -> dict[str, Any]:
        """Retrieved passages, best first: `replyqa search --json`'s `{id, question, hits}`.

        `query` repeats `question` for clients written against the first version.
        """
        question = clean_question(check_question(config, q))
        filters = Filters(agency, place, year, kind, category)
        hits = service.search(question, k, filters if filters.active() else None)
        return {**search_result(id, question, hits), "query": question}

    @r.post("/api/v1/tokens", response_model=TokenResponse, tags=["chat"])
    def tokens(request: Request, key: ApiKey) -> dict[str, Any]:
        """Mint a short-lived token for a page: it may call /api/v1/chat, nothing else."""
        token, expires = mint_token(config)
        request.app.state.guard.remember_token(token, expires, key)
        return {"token": token, "expires_at": expires}

    r.include_router(openai_compat.router(service))
    return r
