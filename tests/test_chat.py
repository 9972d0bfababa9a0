"""The chat's handlers, HTML and access rules, called directly (no browser).

A tiny index of the made-up demo letters plus the made-up XSS letter (its body carries
`<script>` and `<img onerror>` markup) is built once with the model-free hash embedder.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rag.config import Settings
from ui import render, widget
from ui.chat import (
    ChatState,
    build_chat,
    language_updates,
    mount_chat,
    record_feedback,
    show_letter,
)
from ui.chat import respond as chat_respond
from ui.config import KeyConfig, ServerConfig
from ui.service import Service
from ui.tokens import mint_token

BIKE_QUESTION = "共享单车停放点有多少个？"
KEY = "test-key-0123456789"


@pytest.fixture()
def service(demo_chat_index: Path, tmp_path: Path) -> Service:
    config = ServerConfig(feedback_path=tmp_path / "feedback.jsonl")
    return Service(demo_chat_index, Settings(embedder="hash"), config)


def run(service: Service, question: str, state: ChatState | None = None, **filters: Any) -> Any:
    """All updates `respond` yields, and the state after the last."""
    state = state or ChatState()
    updates = list(chat_respond(service, question, [], state, **filters))
    return updates, state


def visible_text(fragment: str) -> str:
    """What a browser shows for an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_respond_streams_then_shows_cards(service: Service) -> None:
    updates, state = run(service, "老旧小区加装电梯有什么补贴？")
    assert len(updates) >= 2  # partial text first, then the final message
    partial, final = updates[0][1][-1]["content"], updates[-1][1][-1]["content"]
    assert "rq-answer" in partial and "rq-card" not in partial
    assert final.count('class="rq-card"') >= 1 and "<mark>" in final
    assert '<sup class="rq-ref">[1]</sup>' in final
    assert updates[-1][0] == ""  # the input box is cleared
    assert state.conversation_id and state.turns  # the turn is kept for feedback
    # Every card's mark shows the cited quote (whitespace folded onto one line).
    answer = next(iter(state.turns.values()))["answer"]
    marks = [visible_text(m) for m in re.findall(r"<mark>(.*?)</mark>", final)]
    for c in answer["citations"]:
        assert " ".join(c["quote"].split()) in marks


def test_card_passage_is_quote_in_context() -> None:
    text = "甲" * 200 + "补助每台8万元。" + "乙" * 200
    start = 200
    end = start + len("补助每台8万元。")
    frag = render.passage(text, start, end)
    assert "<mark>补助每台8万元。</mark>" in frag
    before, after = frag.split("<mark>")[0], frag.split("</mark>")[1]
    assert before == "…" + "甲" * render.CONTEXT_CHARS
    assert after == "乙" * render.CONTEXT_CHARS + "…"


def test_letter_text_is_escaped_everywhere(service: Service) -> None:
    updates, state = run(service, BIKE_QUESTION)
    final = updates[-1][1][-1]["content"]
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in final
    assert "<script" not in final and "<img" not in final and 'onerror="' not in final
    assert "<script>window.__xss=1</script>" in visible_text(final)
    cite = re.search(r'class="rq-view" type="button" value="([^"]+)"', final)
    assert cite
    view = show_letter(service, cite.group(1))
    assert '<mark id="rq-cited">' in view
    assert "<script" not in view and "<img" not in view
    assert "&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;" in view
    # The letter's fields are shown: addressee, number, signer.
    for value in ("孙晓峰代表", "第0999号", "钱一鸣", "渝中城管函〔2024〕99号"):
        assert value in view


def test_letter_view_marks_exactly_the_cited_span(service: Service) -> None:
    updates, state = run(service, "老旧小区加装电梯有什么补贴？")
    c = next(iter(state.turns.values()))["answer"]["citations"][0]
    view = show_letter(service, render.cite_ref(c["letter_id"], c["start"], c["end"]), "en")
    marked = re.search(r'<mark id="rq-cited">(.*?)</mark>', view)
    assert marked and visible_text(marked.group(1).replace("<br>", "\n")) == c["quote"]
    assert "Addressee" in view and "View letter" not in view


def test_malformed_or_unknown_cite_shows_not_found(service: Service) -> None:
    for ref in ("../../etc/passwd", "nope:1:2", "", "x:9:1"):
        assert render.LABELS["zh"]["missing"] in show_letter(service, ref)
    assert render.parse_cite("a:b:c") is None


def test_filters_are_passed_to_the_service(service: Service) -> None:
    agency = "重庆市科学技术局"
    updates, state = run(service, "哪些部门支持人才政策？", agency=agency)
    turn = next(iter(state.turns.values()))
    assert turn["filters"]["agency"] == agency
    assert turn["answer"]["citations"]
    assert {c["agency"] for c in turn["answer"]["citations"]} == {agency}
    _, unfiltered = run(service, "哪些部门支持人才政策？")
    agencies = {c["agency"] for c in next(iter(unfiltered.turns.values()))["answer"]["citations"]}
    assert len(agencies) > 1
    _, none_that_year = run(service, "哪些部门支持人才政策？", year=2019)
    assert not next(iter(none_that_year.turns.values()))["answer"]["answered"]


def test_abstention_offers_nearest_letters(service: Service) -> None:
    updates, state = run(service, "火星基地建设进展如何？")
    final = updates[-1][1][-1]["content"]
    answer = next(iter(state.turns.values()))["answer"]
    assert not answer["answered"] and answer["suggestions"]
    assert "rq-suggest" in final and "rq-card" not in final
    assert html.escape(answer["suggestions"][0]["title"], quote=True) in final


def test_conversation_is_kept_across_turns(service: Service) -> None:
    _, state = run(service, "第0123号提案是谁答复的？")
    first = state.conversation_id
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    list(chat_respond(service, "会同哪些单位办理？", history, state))
    assert state.conversation_id == first and sorted(state.turns) == [1, 3]


def test_feedback_is_appended_as_json_lines(service: Service) -> None:
    _, state = run(service, "老旧小区加装电梯有什么补贴？")
    index = next(iter(state.turns))
    record_feedback(service.feedback_path, state, index, True)
    record_feedback(service.feedback_path, state, index, False)
    assert record_feedback(service.feedback_path, state, 99, True) is None
    path = service.config.feedback_path
    assert path is not None
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["vote"] for x in lines] == ["like", "dislike"]
    assert lines[0]["question"] == "老旧小区加装电梯有什么补贴？"
    assert lines[0]["answer"] and lines[0]["citations"][0]["quote"] and lines[0]["ts"]


def test_blank_question_changes_nothing(service: Service) -> None:
    updates, state = run(service, "   ")
    assert updates == [("", [], state)] and not state.turns


def test_build_chat_and_language(service: Service) -> None:
    import gradio as gr

    assert isinstance(build_chat(service), gr.Blocks)
    updates = language_updates("en")
    assert updates[3]["value"] == "Send" and updates[6]["label"] == "Agency"


def _app(service: Service) -> FastAPI:
    app = FastAPI()
    app.include_router(widget.router(service))
    return mount_chat(app, service)


def test_widget_js_is_served_as_javascript(service: Service) -> None:
    r = TestClient(_app(service)).get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "attachShadow" in r.text and "/chat/?" in r.text


def test_closed_chat_needs_a_token_or_key(demo_chat_index: Path) -> None:
    config = ServerConfig(public_chat=False, api_keys=(KeyConfig(key=KEY),))
    service = Service(demo_chat_index, Settings(embedder="hash"), config)
    client = TestClient(_app(service))
    assert client.get("/chat/").status_code == 401
    assert client.get("/chat/config").status_code == 401
    assert client.get("/chat/?token=1.2.3").status_code == 401
    expired, _ = mint_token(config, ttl_s=60, now=1_000_000)
    assert client.get(f"/chat/?token={expired}").status_code == 401
    assert client.get("/widget.js").status_code == 200  # the script itself is public

    token, _ = mint_token(config)
    r = client.get(f"/chat/?token={token}")
    assert r.status_code == 200 and "replyqa_chat=" in r.headers["set-cookie"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/chat/config").status_code == 200  # the cookie now carries access
    # Over https the cookie must also reach a cross-site iframe (SameSite=None, CHIPS).
    secure = TestClient(_app(service), base_url="https://testserver")
    cookie = secure.get(f"/chat/?token={token}").headers["set-cookie"].lower()
    assert "samesite=none" in cookie and "secure" in cookie and "partitioned" in cookie

    fresh = TestClient(_app(service))
    assert fresh.get("/chat/", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert fresh.get("/chat/", headers={"Authorization": "Bearer wrong-key-000"}).status_code == 401


def test_frame_ancestors_follow_widget_origins(demo_chat_index: Path) -> None:
    open_service = Service(demo_chat_index, Settings(embedder="hash"), ServerConfig())
    r = TestClient(_app(open_service)).get("/chat/")
    assert r.status_code == 200 and "content-security-policy" not in r.headers
    config = ServerConfig(widget_origins=("https://help.example.gov.cn",))
    service = Service(demo_chat_index, Settings(embedder="hash"), config)
    r = TestClient(_app(service)).get("/chat/")
    assert r.headers["content-security-policy"] == (
        "frame-ancestors 'self' https://help.example.gov.cn"
    )
