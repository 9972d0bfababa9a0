"""`POST /v1/chat/completions`: the answerer behind OpenAI's chat-completions protocol.

Any OpenAI client (the official SDK, a chat front end) can ask with `base_url=.../v1`
and an API key. The last user message is the question; the earlier user messages are
the conversation. Its server-side state is found by a hash of (the `user` field, those
earlier questions): each answered turn is stored under the hash that includes it, so the
next request — which carries it as history — finds it, and an edited history forks
cleanly. A history the server does not know (a restart, an expired conversation) is
replayed first. Citations ride along as `[n]` footnotes in the text, as a top-level
`citations` list, and with `x_replyqa` {conversation_id, …} in the last stream chunk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.answer.compose import citation_name, suggestion_name
from rag.answer.conversation import Conversation
from rag.search.query import Filters
from rag.types import Answer

from .auth import ApiError, ApiKey
from .requests import SSE_HEADERS, FiltersIn, check_question, failure_message
from .service import Service

log = logging.getLogger("replyqa.api")

#: Earlier questions replayed when a history is unknown (the rewriting needs only recent turns).
MAX_REPLAY = 4


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text (content parts of type "text" joined)."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    # Sampling options (temperature, max_tokens, …) are accepted and ignored.
    model_config = ConfigDict(extra="allow")

    model: str = Field("replyqa", max_length=200, description="Any name; echoed back.")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = Field(None, max_length=200, description="Keeps end users' chats apart.")
    filters: FiltersIn | None = Field(None, description="replyqa extension: hard filters.")


def conversation_key(user: str | None, questions: list[str]) -> str:
    digest = hashlib.sha256(json.dumps([user or "", *questions], ensure_ascii=False).encode())
    return "oa-" + digest.hexdigest()[:40]


def prepare(
    service: Service, user: str | None, questions: list[str], filters: Filters | None
) -> str:
    """The conversation id to answer `questions[-1]` in, holding the earlier questions' turns."""
    cid, session = service.session(conversation_key(user, questions))
    earlier = questions[:-1]
    if not earlier:  # a new chat, even if it opens with a question asked before
        session.conversation = Conversation(id=cid, max_turns=session.conversation.max_turns)
        return cid
    prev_id, prev = service.session(conversation_key(user, earlier))
    if not prev.conversation.turns:
        for q in earlier[-MAX_REPLAY:]:
            service.ask(q, prev_id, filters)
    history = prev.conversation
    session.conversation = dataclasses.replace(history, id=cid, turns=list(history.turns))
    return cid


def footnotes(answer: Answer) -> str:
    """`\\n\\n[1] title 文号 — quote` lines (and reading suggestions when abstaining)."""
    lines = []
    for c in answer.citations:
        lines.append(f"[{c.key}] {citation_name(c)} — {c.quote}")
    if not answer.answered and answer.suggestions:
        lines.append("You may want to read:" if answer.text.isascii() else "您可以看看：")
        lines += [f"- {suggestion_name(s)}" for s in answer.suggestions]
    return "\n\n" + "\n".join(lines) if lines else ""


def _extras(cid: str, answer: Answer) -> dict[str, Any]:
    return {
        "citations": [c.to_json() for c in answer.citations],
        "x_replyqa": {
            "conversation_id": cid,
            "answered": answer.answered,
            "answer": answer.text,
            "route": answer.route,
            "suggestions": list(answer.suggestions),
        },
    }


def stream_tail(streamed: str, final: str) -> str:
    """What to send after the deltas so the client's text ends with the checked answer."""
    if final.startswith(streamed):
        return final[len(streamed) :]
    # A stream cannot take text back: say so, then give the verified answer in full.
    note = "(Checked against the letters:)" if final.isascii() else "（核对原文后的回答：）"
    return f"\n\n{note}\n{final}"


class _Chunks:
    """The `chat.completion.chunk` stream of one request."""

    def __init__(self, cmpl_id: str, model: str) -> None:
        self.base: dict[str, Any] = {"id": cmpl_id, "object": "chat.completion.chunk"}
        self.base |= {"created": int(time.time()), "model": model}

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        body = {**self.base, "choices": [choice], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def events(self, cid: str, events: Iterator[Any]) -> Iterator[str]:
        yield self.chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []
        final: Answer | None = None
        try:
            for event in events:
                if event.kind == "delta" and event.text:
                    streamed.append(event.text)
                    yield self.chunk({"content": event.text})
                elif event.kind == "answer":
                    final = event.answer
            if final is None:
                raise RuntimeError("the answerer produced no final answer")
        except Exception as exc:  # the stream has started: report in-band as OpenAI does
            log.exception("streamed completion failed")
            error = {"message": failure_message(exc), "type": "internal_error"}
            yield f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"
            return
        tail = stream_tail("".join(streamed), final.text) + footnotes(final)
        if tail:
            yield self.chunk({"content": tail})
        yield self.chunk({}, "stop", **_extras(cid, final))
        yield "data: [DONE]\n\n"


def router(service: Service) -> APIRouter:
    """The OpenAI-compatible route over one `Service`."""
    r = APIRouter(tags=["openai"])

    @r.post("/v1/chat/completions")
    def completions(body: CompletionRequest, key: ApiKey) -> Any:
        """OpenAI chat completions (stream or not); extra fields `citations`, `x_replyqa`."""
        users = [i for i, m in enumerate(body.messages) if m.role == "user"]
        if not users:
            raise ApiError(422, "invalid_request", "messages must contain a user message")
        limit = service.config.max_question_chars
        question = check_question(service.config, body.messages[users[-1]].text())
        # Earlier questions only identify and replay the conversation: clip, don't reject.
        earlier = [body.messages[i].text().strip()[:limit] for i in users[:-1]]
        filters = body.filters.to_filters() if body.filters else None
        cid = prepare(service, body.user, [*earlier, question], filters)
        cmpl_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.stream:
            _, events = service.stream(question, cid, filters)
            return StreamingResponse(
                _Chunks(cmpl_id, body.model).events(cid, events),
                media_type="text/event-stream",
                headers=SSE_HEADERS,
            )
        _, answer = service.ask(question, cid, filters)
        message = {"role": "assistant", "content": answer.text + footnotes(answer)}
        return {
            "id": cmpl_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            # Not counted: the answerer is extractive or a local model; zeros keep clients happy.
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            **_extras(cid, answer),
        }

    return r
