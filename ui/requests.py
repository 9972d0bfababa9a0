"""What the API's routes share: the filters a request may carry, question limits, SSE framing.

Both `ui.api` (/api/v1) and `ui.openai_compat` (/v1/chat/completions) read requests
through these, so a filter, a limit or an error message means the same on either.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rag.errors import ReplyQAError
from rag.search.query import Filters

from .auth import ApiError
from .config import ServerConfig

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class FiltersIn(BaseModel):
    """Hard constraints on which letters may answer (all optional)."""

    model_config = ConfigDict(extra="forbid")

    agency: str | None = Field(
        None, max_length=100, description="Replying agency, e.g. 市人力社保局."
    )
    place: str | None = Field(None, max_length=50, description="Place, e.g. 南岸区.")
    year: int | None = Field(None, ge=1949, le=2100, description="Year of the letter.")
    kind: str | None = Field(None, max_length=20, description="建议 or 提案.")
    category: str | None = Field(None, max_length=20, description="Handling category (A/B/C).")

    def to_filters(self) -> Filters:
        return Filters(self.agency, self.place, self.year, self.kind, self.category)


def check_question(config: ServerConfig, question: str) -> str:
    """The question stripped; 422 when it is empty or longer than the configured limit."""
    text = question.strip()
    if not text:
        raise ApiError(422, "invalid_request", "the question is empty; ask something")
    if len(text) > config.max_question_chars:
        raise ApiError(
            422,
            "invalid_request",
            f"the question has {len(text)} characters; the limit is {config.max_question_chars}",
        )
    return text


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def failure_message(exc: Exception) -> str:
    """What a client may see about a failure: domain errors say what to fix, others don't."""
    if isinstance(exc, ReplyQAError):
        return str(exc)
    return "answering failed; see the server log"
