"""The gradio chat at /chat: the answer first, sources folded under it, filters as chips.

`build_chat(service)` returns the `gr.Blocks`; the handlers it wires (`respond`, `act`,
`show_letter`, `record_feedback`, `vote_notice`, `language_updates`, `restart`) are plain
functions of the service and their inputs, so tests call them directly. `mount_chat(app,
service)` mounts the Blocks on the FastAPI app (its stylesheet and favicon, no web fonts or
analytics) behind `ui.chat_access.ChatPageAccess`.

The page, top down: title and a compact language switch; the chat; a bar of chips (the
active filters, each removable, and follow-up questions for the last answer); the input;
a status line (an over-long question's notice, a recorded vote); "新对话", which clears the
conversation and the filters. Clicks on buttons inside messages and chips (follow-ups,
"search without filters", a filter's ×) reach `act` through the bar's `js_on_load`.
Everything shown is escaped in `ui.render`, the agent's own question included.
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

from rag.errors import ReplyQAError
from rag.search.query import Filters, analyze

from . import render
from .chat_access import CHAT_PATH, ChatPageAccess
from .requests import question_problem
from .service import Service

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"

LANGS = {"中文": "zh", "English": "en"}

# The letter view's `js_on_load` (a click on any card's "查看全文" opens the letter and
# scrolls to the cited span), the chip bar's (clicks on chips and message buttons), and the
# page script (embed mode, token out of the URL, each new answer scrolled into view).
_LETTER_JS = (STATIC / "letter_view.js").read_text(encoding="utf-8")
_BAR_JS = (STATIC / "chip_bar.js").read_text(encoding="utf-8")
_PAGE_JS = (STATIC / "page.js").read_text(encoding="utf-8")
_HEAD = "<style>" + (STATIC / "page.css").read_text(encoding="utf-8") + "</style>"

#: What one chat update sets: (input box, messages, state, chip bar, status line).
Update = tuple[str, list[dict[str, Any]], "ChatState", str, str]


@dataclass
class ChatState:
    """Per browser session: the service conversation, the page language, answers by message
    index (for votes), and the follow-ups offered for the last answer."""

    conversation_id: str | None = None
    lang: str = "zh"
    turns: dict[int, dict[str, Any]] = field(default_factory=dict)
    follow_ups: tuple[str, ...] = ()
    follow_lang: str = "zh"  # the language of the question the follow-ups follow


def make_filters(agency: str | None, place: str | None, year: float | None) -> Filters | None:
    """The chat's filter inputs as `Filters` (None when all are empty)."""
    f = Filters(
        agency=(agency or "").strip() or None,
        place=(place or "").strip() or None,
        year=int(year) if year else None,
    )
    return f if f.active() else None


def question_lang(question: str) -> str:
    """The language an answer's own words follow: the question's, not the page's."""
    return "en" if analyze(question).english else "zh"


def bar(state: ChatState, filters: Filters | None) -> str:
    """The chip bar for the current filters and the last answer's follow-ups."""
    return render.chip_bar(filters, state.follow_ups, state.lang, state.follow_lang)


def respond(
    service: Service,
    message: str,
    history: list[dict[str, Any]],
    state: ChatState,
    agency: str | None = None,
    place: str | None = None,
    year: float | None = None,
) -> Iterator[Update]:
    """Stream one answer into the chat: (input, messages, state, chip bar, status) per update.

    An empty question changes nothing; an over-long one stays in the input box with the
    API's 422 message as a notice (nothing is cut, nothing is lost).
    """
    # A lone surrogate (possible in JSON from a browser) breaks the text tools downstream.
    typed = (message or "").encode("utf-8", "replace").decode("utf-8")
    question = typed.strip()
    filters = make_filters(agency, place, year)
    if problem := question_problem(typed, service.config.max_question_chars):
        note = render.notice(problem) if question else ""
        yield message or "", history, state, bar(state, filters), note
        return
    asked = [*history, {"role": "user", "content": render.question_html(question)}]
    lang = question_lang(question)
    state.follow_ups = ()

    def shown(content: str) -> list[dict[str, Any]]:  # a fresh list per update
        return [*asked, {"role": "assistant", "content": content}]

    try:
        # The inputs are the whole truth: no filter set means none (not "keep the last ones").
        cid, events = service.stream(question, state.conversation_id, filters or Filters())
        state.conversation_id = cid
        text, final = "", None
        for event in events:
            if event.kind == "delta":
                text += event.text
                yield "", shown(render.answer_text(text, lang)), state, bar(state, filters), ""
            elif event.kind == "answer":
                final = event.answer
    except ReplyQAError as exc:  # a domain error is one line for the user, not a traceback
        line = render.answer_text(str(exc), lang, final=True)
        yield "", shown(line), state, bar(state, filters), ""
        return
    if final is None:
        return
    state.turns[len(asked)] = {
        "question": question,
        "answer": final.to_json(),
        "filters": filters.__dict__ if filters else None,
    }
    state.follow_ups, state.follow_lang = render.follow_ups(final, lang, question), lang
    letters = service.retriever.index.letters
    content = render.answer_message(final, letters, lang, filters, typed=question)
    yield "", shown(content), state, bar(state, filters), ""


#: What `act` sets: an update plus the three filter inputs.
ActUpdate = tuple[str, list[dict[str, Any]], "ChatState", str, str, Any, Any, Any]


def act(
    service: Service,
    action: str,
    value: str,
    history: list[dict[str, Any]],
    state: ChatState,
    agency: str | None = None,
    place: str | None = None,
    year: float | None = None,
) -> Iterator[ActUpdate]:
    """A click on a chip or a message button: `ask` a follow-up, `unfilter` (ask again
    without filters), or `clear` one filter (`value` = its name, or `all`)."""
    values: dict[str, Any] = {"agency": agency, "place": place, "year": year}
    if action == "clear" or action == "unfilter":
        names = list(values) if action == "unfilter" or value == "all" else [value]
        values |= {name: None for name in names if name in values}
    if action in ("ask", "unfilter") and value.strip():
        for update in respond(service, value, history, state, **values):
            yield (*update, values["agency"], values["place"], values["year"])
        return
    filters = make_filters(values["agency"], values["place"], values["year"])
    yield (
        "",
        history,
        state,
        bar(state, filters),
        "",
        values["agency"],
        values["place"],
        values["year"],
    )


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
    returns the record (None for a message that is not an answer).

    Raises:
        OSError: The file cannot be written (the page says so).
    """
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


def vote_notice(path: Path, state: ChatState, index: int, liked: bool | str | None) -> str:
    """Record a vote and say so in the status line (or say why it was not recorded)."""
    w = render.ui_words(state.lang)
    try:
        record = record_feedback(path, state, index, liked)
    except OSError as exc:
        log.warning("feedback not written to %s: %s", path, exc)
        return render.notice(w["vote_failed"].format(error=exc.strerror or exc))
    if record is None:
        return render.notice(w["vote_none"])
    key = {"like": "voted_like", "dislike": "voted_dislike"}.get(record["vote"], "voted_retract")
    return render.notice(w[key])


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
    t: dict[str, Any] = dict(render.ui_words(lang))
    return tuple(gr.update(**{prop: t[key]}) for key, prop in _RELABEL)


def restart(state: ChatState) -> tuple[Any, ...]:
    """ "新对话": a new conversation with no filters (the page language is kept)."""
    return [], ChatState(lang=state.lang), render.LETTER_HINT, None, "", None, "", ""


def build_chat(service: Service) -> gr.Blocks:
    """The chat page, wired to `service` (mount it with `mount_chat`)."""
    t = render.ui_words("zh")
    with gr.Blocks(title=t["title"], analytics_enabled=False) as demo:
        state = gr.State(ChatState())
        with gr.Row(elem_classes="rq-header", equal_height=True):
            header = gr.Markdown(t["header"], elem_id="rq-title")
            lang = gr.Radio(
                list(LANGS),
                value="中文",
                show_label=False,
                scale=0,
                min_width=0,
                container=False,
                elem_id="rq-lang",
            )
        with gr.Row(elem_classes="rq-main"):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label=t["chat"],
                    show_label=False,  # a floating label would cover the first line
                    height="62vh",
                    autoscroll=False,  # page.js brings each new answer's top into view
                    examples=[{"text": q} for q in render.EXAMPLES],
                    latex_delimiters=[],  # "$" in a letter is money, not math
                    allow_tags=False,
                    buttons=["copy"],  # "share" posts to Hugging Face: not offline
                    elem_id="rq-chatbot",
                )
                chips = gr.HTML("", js_on_load=_BAR_JS, elem_id="rq-bar", padding=False)
                with gr.Row(elem_classes="rq-input-row"):
                    box = gr.Textbox(
                        placeholder=t["placeholder"],
                        show_label=False,
                        scale=5,
                        lines=1,
                        max_lines=6,
                        elem_id="rq-input",
                    )
                    send = gr.Button(t["send"], variant="primary", scale=1, min_width=72)
                status = gr.HTML("", elem_id="rq-status", padding=False)
                clear = gr.Button(t["clear"], size="sm", elem_id="rq-new")
            with gr.Column(scale=2, min_width=300):
                with gr.Accordion(t["filters"], open=False, elem_id="rq-filters") as filters:
                    agency = gr.Dropdown(
                        choices=service.agencies(),
                        value=None,
                        label=t["agency"],
                        elem_id="rq-agency",
                    )
                    place = gr.Textbox(label=t["place"], elem_id="rq-place")
                    year = gr.Number(label=t["year"], value=None, precision=0, elem_id="rq-year")
                letter = gr.HTML(
                    render.LETTER_HINT, js_on_load=_LETTER_JS, elem_id="rq-letter-view"
                )

        def _respond(
            message: str, history: list[dict[str, Any]], st: ChatState, *f: Any
        ) -> Iterator[Update]:
            yield from respond(service, message, history, st, *f)

        def _act(
            history: list[dict[str, Any]],
            st: ChatState,
            ag: str | None,
            pl: str | None,
            yr: float | None,
            evt: gr.EventData,
        ) -> Iterator[ActUpdate]:
            action, value = str(getattr(evt, "action", "")), str(getattr(evt, "value", ""))
            yield from act(service, action, value, history, st, ag, pl, yr)

        def _letter(st: ChatState, evt: gr.EventData) -> str:
            return show_letter(service, str(getattr(evt, "cite", "")), st.lang)

        def _like(st: ChatState, like: gr.LikeData) -> str:
            index = like.index if isinstance(like.index, int) else like.index[0]
            return vote_notice(service.feedback_path, st, index, like.liked)

        def _example(evt: gr.SelectData) -> str:
            value = evt.value
            return str(value.get("text", "") if isinstance(value, dict) else value)

        def _set_lang(choice: str, st: ChatState, *f: Any) -> tuple[Any, ...]:
            st.lang = LANGS.get(choice, "zh")
            return (st, bar(st, make_filters(*f)), *language_updates(st.lang))

        def _filters_changed(st: ChatState, *f: Any) -> str:
            return bar(st, make_filters(*f))

        def _load(st: ChatState, request: gr.Request) -> Any:
            wanted = str(dict(request.query_params).get("lang", "")).lower()
            return "English" if wanted.startswith("en") else "中文"

        fields: list[Any] = [agency, place, year]
        ins, outs = [box, chatbot, state, *fields], [box, chatbot, state, chips, status]
        # Answers take well under a second: serve a few sessions at once, not gradio's one.
        box.submit(_respond, ins, outs, concurrency_limit=4)
        send.click(_respond, ins, outs, concurrency_limit=4)
        chatbot.example_select(_example, None, box).then(_respond, ins, outs, concurrency_limit=4)
        chips.click(_act, [chatbot, state, *fields], [*outs, *fields], concurrency_limit=4)
        chatbot.like(_like, [state], [status])
        letter.click(_letter, [state], [letter])
        clear.click(restart, [state], [chatbot, state, letter, agency, place, year, chips, status])
        for f in fields:
            f.change(_filters_changed, [state, *fields], [chips])
        relabel = [header, chatbot, box, send, clear, filters, agency, place, year]
        lang.change(_set_lang, [lang, state, *fields], [state, chips, *relabel])
        demo.load(_load, [state], [lang])
    return demo


def mount_chat(app: FastAPI, service: Service) -> FastAPI:
    """Mount the chat at /chat on `app` (offline: no web fonts, no analytics)."""
    app.add_middleware(ChatPageAccess, config=service.config)
    return gr.mount_gradio_app(
        app,
        build_chat(service),
        path=CHAT_PATH,
        css_paths=[STATIC / "chat.css"],
        js=_PAGE_JS,
        footer_links=[],
        ssr_mode=False,
        show_error=False,
        head=_HEAD,
    )
