"""The gradio chat at /chat: streamed answers with [n] markers, citation cards, the letter view.

`build_chat(service)` returns the `gr.Blocks`; the handlers it wires (`respond`,
`show_letter`, `record_feedback`, `language_updates`) are plain functions of the service
and their inputs, so tests call them directly. `mount_chat(app, service)` mounts the
Blocks on the FastAPI app (its stylesheet, no web fonts or analytics) and installs
`ChatAccess`: /chat needs a widget token (`?token=`, then a cookie) or an API key unless
`config.public_chat`, and it sends `frame-ancestors` from `config.widget_origins`.
Everything shown from a letter is escaped in `ui.render`.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio reads it

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.errors import ReplyQAError
from rag.search.query import Filters

from . import render
from .config import ServerConfig
from .service import Service
from .tokens import mint_token, verify_token

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
CHAT_PATH = "/chat"
COOKIE = "replyqa_chat"

LANGS = {"中文": "zh", "English": "en"}

# The letter view's `js_on_load` (a click on any card's "查看全文" opens the letter and
# scrolls to the cited span) and the page script (embed mode, token out of the URL).
_LETTER_JS = (STATIC / "letter_view.js").read_text(encoding="utf-8")
_PAGE_JS = (STATIC / "page.js").read_text(encoding="utf-8")


@dataclass
class ChatState:
    """Per browser session: the service conversation, the language, answers by message index."""

    conversation_id: str | None = None
    lang: str = "zh"
    turns: dict[int, dict[str, Any]] = field(default_factory=dict)


def make_filters(agency: str | None, place: str | None, year: float | None) -> Filters | None:
    """The chat's filter inputs as `Filters` (None when all are empty)."""
    f = Filters(
        agency=(agency or "").strip() or None,
        place=(place or "").strip() or None,
        year=int(year) if year else None,
    )
    return f if f.active() else None


def respond(
    service: Service,
    message: str,
    history: list[dict[str, Any]],
    state: ChatState,
    agency: str | None = None,
    place: str | None = None,
    year: float | None = None,
) -> Iterator[tuple[str, list[dict[str, Any]], ChatState]]:
    """Stream one answer into the chat: (cleared input, messages, state) per update."""
    # A lone surrogate (possible in JSON from a browser) breaks the text tools downstream.
    question = (message or "").encode("utf-8", "replace").decode("utf-8").strip()
    question = question[: service.config.max_question_chars]
    if not question:
        yield "", history, state
        return
    asked = [*history, {"role": "user", "content": question}]

    def shown(content: str) -> list[dict[str, Any]]:  # a fresh list per update
        return [*asked, {"role": "assistant", "content": content}]

    filters = make_filters(agency, place, year)
    try:
        cid, events = service.stream(question, state.conversation_id, filters)
        state.conversation_id = cid
        text, final = "", None
        for event in events:
            if event.kind == "delta":
                text += event.text
                yield "", shown(render.answer_text(text)), state
            elif event.kind == "answer":
                final = event.answer
    except ReplyQAError as exc:  # a domain error is one line for the user, not a traceback
        yield "", shown(render.answer_text(str(exc))), state
        return
    if final is None:
        return
    state.turns[len(asked)] = {
        "question": question,
        "answer": final.to_json(),
        "filters": filters.__dict__ if filters else None,
    }
    letters = service.retriever.index.letters
    yield "", shown(render.answer_message(final, letters, state.lang)), state


def show_letter(service: Service, cite: str, lang: str = "zh") -> str:
    """The letter view for a card button's value (`letter_id:start:end`)."""
    ref = render.parse_cite(cite)
    letter = service.letter(ref[0]) if ref else None
    start, end = (ref[1], ref[2]) if ref else (0, 0)
    return render.letter_view(letter, start, end, lang)


_feedback_lock = threading.Lock()


def _vote(liked: bool | str | None) -> str:
    if liked is True or liked is False:
        return "like" if liked else "dislike"
    return str(liked).lower() if liked else "retract"  # other options; None = vote undone


def record_feedback(
    path: Path, state: ChatState, index: int, liked: bool | str | None
) -> dict[str, Any] | None:
    """Append one vote on the answer at message `index` to the JSONL file at `path`;
    returns the record (None for a message that is not an answer)."""
    turn = state.turns.get(index)
    if turn is None:  # a vote on a message we did not answer (or an error line)
        return None
    answer = turn["answer"]
    record = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "conversation_id": state.conversation_id,
        "vote": _vote(liked),
        "question": turn["question"],
        "answer": answer["answer"],
        "answered": answer["answered"],
        "route": answer["route"],
        "citations": answer["citations"],
        "filters": turn["filters"],
        "lang": state.lang,
    }
    with _feedback_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


# (text key, component property) of each relabelled component, in `build_chat`'s order.
_RELABEL = (
    ("header", "value"),
    ("chat", "label"),
    ("placeholder", "placeholder"),
    ("send", "value"),
    ("clear", "value"),
    ("filters", "label"),
    ("agency", "label"),
    ("place", "label"),
    ("year", "label"),
)


def language_updates(lang: str) -> tuple[Any, ...]:
    """Relabel the page: header, chatbot, input, buttons, filters."""
    t: dict[str, Any] = dict(render.UI.get(lang, render.UI["zh"]))
    return tuple(gr.update(**{prop: t[key]}) for key, prop in _RELABEL)


def build_chat(service: Service) -> gr.Blocks:
    """The chat page, wired to `service` (mount it with `mount_chat`)."""
    t = render.UI["zh"]
    with gr.Blocks(title="建议提案复函问答", analytics_enabled=False) as demo:
        state = gr.State(ChatState())
        with gr.Row(elem_classes="rq-header"):
            header = gr.Markdown(t["header"])
            lang = gr.Radio(list(LANGS), value="中文", show_label=False, scale=0, min_width=240)
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label=t["chat"],
                    height=520,
                    examples=[{"text": q} for q in render.EXAMPLES],
                    latex_delimiters=[],  # "$" in a letter is money, not math
                    allow_tags=False,
                    buttons=["copy", "copy_all"],  # "share" posts to Hugging Face: not offline
                    elem_id="rq-chatbot",
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder=t["placeholder"], show_label=False, scale=5, elem_id="rq-input"
                    )
                    send = gr.Button(t["send"], variant="primary", scale=1, min_width=80)
                clear = gr.Button(t["clear"], size="sm")
            with gr.Column(scale=2, min_width=300):
                with gr.Accordion(t["filters"], open=False) as filters:
                    agency = gr.Dropdown(choices=service.agencies(), value=None, label=t["agency"])
                    place = gr.Textbox(label=t["place"])
                    year = gr.Number(label=t["year"], value=None, precision=0)
                letter = gr.HTML(
                    render.LETTER_HINT, js_on_load=_LETTER_JS, elem_id="rq-letter-view"
                )

        def _respond(
            message: str, history: list[dict[str, Any]], st: ChatState, *f: Any
        ) -> Iterator[tuple[str, list[dict[str, Any]], ChatState]]:
            yield from respond(service, message, history, st, *f)

        def _letter(st: ChatState, evt: gr.EventData) -> str:
            return show_letter(service, str(getattr(evt, "cite", "")), st.lang)

        def _like(st: ChatState, like: gr.LikeData) -> None:
            index = like.index if isinstance(like.index, int) else like.index[0]
            record_feedback(service.feedback_path, st, index, like.liked)

        def _example(evt: gr.SelectData) -> str:
            value = evt.value
            return str(value.get("text", "") if isinstance(value, dict) else value)

        def _set_lang(choice: str, st: ChatState) -> tuple[Any, ...]:
            st.lang = LANGS.get(choice, "zh")
            return (st, *language_updates(st.lang))

        def _restart(st: ChatState) -> tuple[list[Any], ChatState, str]:
            return [], ChatState(lang=st.lang), render.LETTER_HINT

        def _load(st: ChatState, request: gr.Request) -> Any:
            wanted = str(dict(request.query_params).get("lang", "")).lower()
            return "English" if wanted.startswith("en") else "中文"

        ins, outs = [box, chatbot, state, agency, place, year], [box, chatbot, state]
        # Answers take well under a second: serve a few sessions at once, not gradio's one.
        box.submit(_respond, ins, outs, concurrency_limit=4)
        send.click(_respond, ins, outs, concurrency_limit=4)
        chatbot.example_select(_example, None, box).then(_respond, ins, outs, concurrency_limit=4)
        chatbot.like(_like, [state], None)
        letter.click(_letter, [state], [letter])
        clear.click(_restart, [state], [chatbot, state, letter])
        chatbot.clear(_restart, [state], [chatbot, state, letter])  # its own trash button
        relabel = [header, chatbot, box, send, clear, filters, agency, place, year]
        lang.change(_set_lang, [lang, state], [state, *relabel])
        demo.load(_load, [state], [lang])
    return demo


class ChatAccess:
    """ASGI middleware for /chat: token, cookie or API key unless public; frame-ancestors."""

    def __init__(self, app: ASGIApp, config: ServerConfig, prefix: str = CHAT_PATH) -> None:
        self.app, self.config, self.prefix = app, config, prefix
        origins = [o for o in config.widget_origins if o != "*"]
        self.csp = (
            None if "*" in config.widget_origins else "frame-ancestors 'self' " + " ".join(origins)
        )

    def _grant(self, scope: Scope) -> tuple[bool, str | None]:
        """(allowed, Set-Cookie header to add)."""
        if self.config.public_chat:
            return True, None
        token = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("token")
        if verify_token(self.config, token):
            # Trade the short-lived page token for a session cookie that outlives it as
            # long as a conversation does, so a chat is not cut off mid-way.
            session, _ = mint_token(self.config, ttl_s=self.config.conversation_ttl_s)
            ttl = self.config.conversation_ttl_s
            cookie = f"{COOKIE}={session}; Max-Age={ttl}; Path={self.prefix}; HttpOnly"
            if scope.get("scheme") in ("https", "wss"):
                # A cross-site iframe only gets a cookie marked None + Secure; Partitioned
                # (CHIPS) keeps it working where third-party cookies are blocked.
                return True, cookie + "; Secure; SameSite=None; Partitioned"
            return True, cookie + "; SameSite=Lax"
        headers = Headers(scope=scope)
        if verify_token(self.config, cookie_parser(headers.get("cookie", "")).get(COOKIE)):
            return True, None
        scheme, _, key = headers.get("authorization", "").partition(" ")
        return (scheme.lower() == "bearer" and self.config.key(key.strip()) is not None), None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (
            path == self.prefix or path.startswith(self.prefix + "/")
        ):
            await self.app(scope, receive, send)
            return
        allowed, cookie = self._grant(scope)
        if not allowed:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            deny = PlainTextResponse(
                "401: /chat needs a widget token or an API key (需要令牌或 API 密钥)", 401
            )
            await deny(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if self.csp:
                    headers.append("Content-Security-Policy", self.csp)
                if cookie:
                    headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_chat(app: FastAPI, service: Service) -> FastAPI:
    """Mount the chat at /chat on `app` (offline: no web fonts, no analytics)."""
    app.add_middleware(ChatAccess, config=service.config)
    return gr.mount_gradio_app(
        app,
        build_chat(service),
        path=CHAT_PATH,
        css_paths=[STATIC / "chat.css"],
        js=_PAGE_JS,
        footer_links=[],
        ssr_mode=False,
        show_error=False,
    )
