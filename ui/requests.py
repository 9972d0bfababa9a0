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


#: What each filter means, for the OpenAPI docs of both the chat body and /api/v1/search.
#: A filter is a hard constraint on the letter's parsed fields, not a ranking hint.
FILTER_DOCS = {
    "agency": "Only letters from this replying body, e.g. 南岸区民政局 (any alias the agency "
    "table knows resolves to its canonical name); a same-named body of another place does "
    "not match.",
    "place": "Only letters from agencies of this place, e.g. 南岸区 or 重庆市.",
    "year": "Only letters dated in this year (成文日期).",
    "kind": "Only this kind of letter: 提案, 建议 or 其他.",
    "category": "Only this handling category (办理类别): A, B or C.",
}


class FiltersIn(BaseModel):
    """Hard constraints on which letters may answer (all optional; all given must hold)."""

    model_config = ConfigDict(extra="forbid")

    agency: str | None = Field(None, max_length=100, description=FILTER_DOCS["agency"])
    place: str | None = Field(None, max_length=50, description=FILTER_DOCS["place"])
    year: int | None = Field(None, ge=1949, le=2100, description=FILTER_DOCS["year"])
    kind: str | None = Field(None, max_length=20, description=FILTER_DOCS["kind"])
    category: str | None = Field(None, max_length=20, description=FILTER_DOCS["category"])

    def to_filters(self) -> Filters:
        return Filters(self.agency, self.place, self.year, self.kind, self.category)


def question_problem(question: str, limit: int) -> str | None:
    """Why a question cannot be asked (empty, or over `limit` characters), else None.

    The chat shows the same sentence the API sends with its 422, so an agent and a help
    desk's developer read the same limit in the same words (both languages in one line:
    the API has no page language to follow).
    """
    text = question.strip()
    if not text:
        return "问题为空，请输入问题（the question is empty; ask something）"
    if len(text) > limit:
        return (
            f"问题共 {len(text)} 字，超过 {limit} 字的上限，请缩短后再发送"
            f"（the question has {len(text)} characters; the limit is {limit}: shorten it）"
        )
    return None


def check_question(config: ServerConfig, question: str) -> str:
    """The question stripped; 422 when it is empty or longer than the configured limit."""
    if problem := question_problem(question, config.max_question_chars):
        raise ApiError(422, "invalid_request", problem)
    return question.strip()


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def failure_message(exc: Exception) -> str:
    """What a client may see about a failure: domain errors say what to fix, others don't."""
    if isinstance(exc, ReplyQAError):
        return str(exc)
    return "answering failed; see the server log"
