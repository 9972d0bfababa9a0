"""The chat's handlers, HTML and access rules, called directly (no browser).

A tiny index of the made-up demo letters plus the made-up XSS letter (its body carries
`<script>` and `<img onerror>` markup) is built once with the model-free hash embedder.
The browser side (scrolling, layout, clicks) is in tests/test_browser.py.
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

from rag.answer.conversation import Conversation, record, rewrite
from rag.config import Settings
from rag.search.query import Filters
from rag.types import Answer, Citation
from ui import render, widget
from ui.chat import (
    ChatState,
    act,
    build_chat,
    language_updates,
    mount_chat,
    record_feedback,
    restart,
    show_letter,
    vote_notice,
)
from ui.chat import respond as chat_respond
from ui.config import KeyConfig, ServerConfig
from ui.requests import question_problem
from ui.service import Service
from ui.tokens import mint_token

BIKE_QUESTION = "共享单车停放点有多少个？"
ELEVATOR_QUESTION = "老旧小区加装电梯有什么补贴？"
TALENT_QUESTION = "哪些部门支持人才政策？"
KEY = "test-key-0123456789"


@pytest.fixture()
def service(demo_chat_index: Path, tmp_path: Path) -> Service:
    config = ServerConfig(feedback_path=tmp_path / "feedback.jsonl")
    return Service(demo_chat_index, Settings(embedder="hash"), config)


# Questions no made-up demo letter answers: each names a place or a number no letter has,
# so the answerer abstains by its constraint check, whatever words a letter shares with them.
NOWHERE = "上海市火星基地建设进展如何？"
NOWHERE_EN = "How many dinosaurs does the reply to proposal No. 9999 count?"

def run(service: Service, question: str, state: ChatState | None = None, **filters: Any) -> Any:
    """All updates `respond` yields, and the state after the last."""
    state = state or ChatState()
    updates = list(chat_respond(service, question, [], state, **filters))
    return updates, state


def final_message(updates: list[Any]) -> str:
    return str(updates[-1][1][-1]["content"])


def only_turn(state: ChatState) -> dict[str, Any]:
    return next(iter(state.turns.values()))["answer"]


def visible_text(fragment: str) -> str:
    """What a browser shows for an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", "\n")))


# -- the answer first, sources folded under it ------------------------------------------------
def test_respond_streams_then_shows_the_answer_first(service: Service) -> None:
    updates, state = run(service, ELEVATOR_QUESTION)
    assert len(updates) >= 2  # partial text first, then the final message
    partial, final = updates[0][1][-1]["content"], final_message(updates)
    assert "rq-partial" in partial and "rq-card" not in partial
    assert "rq-final" in final and final.index("rq-answer") < final.index("rq-cards")
    assert '<sup class="rq-ref">[1]</sup>' in final
    assert updates[-1][0] == ""  # the input box is cleared
    assert state.conversation_id and state.turns  # the turn is kept for feedback
    # Every quote is in its card, marked (whitespace folded onto one line).
    marks = [visible_text(m) for m in re.findall(r"<mark>(.*?)</mark>", final)]
    for c in only_turn(state)["citations"]:
        assert " ".join(c["quote"].split()) in marks


def test_cards_are_collapsed_one_per_letter_named_by_title_and_sender(service: Service) -> None:
    updates, state = run(service, TALENT_QUESTION)
    final, answer = final_message(updates), only_turn(state)
    cards = re.findall(r"<details class=\"rq-card[^\"]*\"[^>]*>(.*?)</details>", final)
    letters = list(dict.fromkeys(c["letter_id"] for c in answer["citations"]))
    assert len(cards) == len(letters) >= 2
    assert '<details class="rq-card' in final and " open" not in final  # all collapsed
    for card, letter_id in zip(cards, letters, strict=True):
        c = next(c for c in answer["citations"] if c["letter_id"] == letter_id)
        summary = visible_text(card.split("</summary>")[0])
        assert c["title"] in summary and c["agency"] in summary and c["date"] in summary
        assert c["source"] not in visible_text(card)  # never the file name
        # Each of the letter's quotes is inside its card, with a "查看全文" for it.
        keys = [x["key"] for x in answer["citations"] if x["letter_id"] == letter_id]
        assert [
            int(k) for k in re.findall(r'rq-key">\[(\d+)\]</span> ', card.split("</summary>")[1])
        ] == keys
        assert card.count('class="rq-view"') == len(keys)


def test_card_passage_is_quote_in_context() -> None:
    text = "甲" * 200 + "补助每台8万元。" + "乙" * 200
    start = 200
    end = start + len("补助每台8万元。")
    frag = render.passage(text, start, end)
    assert "<mark>补助每台8万元。</mark>" in frag
    before, after = frag.split("<mark>")[0], frag.split("</mark>")[1]
    assert before == "…" + "甲" * render.CONTEXT_CHARS
    assert after == "乙" * render.CONTEXT_CHARS + "…"


def test_list_markers_render_as_lists() -> None:
    body = render.answer_body(
        "共找到2封复函：\n- 甲局：措施一。[1]\n- 乙局：措施二。[2]", fold=False
    )
    assert body.startswith('<p class="rq-direct rq-short">共找到2封复函：</p><ul><li>甲局')
    assert body.count("<li>") == 2 and "- " not in visible_text(body)
    numbered = render.answer_body("结论。\n1. 第一项[1]\n2. 第二项[2]\n3. 第三项", fold=False)
    assert "<ol><li>第一项" in numbered and numbered.count("<li>") == 3


def test_a_quote_keeps_its_own_numbered_lines_inside_its_row() -> None:
    text = "共找到2封复函：\n- 甲局：一是。[1]；1.研究制定办法;\n2. 建成平台;\n3. 建立机制。[2]\n- 乙局：措施。[3]"
    body = render.answer_body(text, fold=False)
    assert body.count("<li>") == 2 and "<ol" not in body
    assert "1.研究制定办法;<br>2. 建成平台;<br>3. 建立机制。" in body


def test_long_answers_fold_after_the_direct_answer() -> None:
    rows = "\n".join(f"- 单位{i}：" + "措施" * 60 + f"[{i}]" for i in range(1, 9))
    body = render.answer_body("共找到8封复函：\n" + rows)
    shown, _, folded = body.partition('<details class="rq-more">')
    assert folded, "a long answer must fold"
    assert shown.startswith('<p class="rq-direct') and shown.count("<li>") == render.FOLD_MIN_ROWS
    assert "展开全部（还有 5 项）" in folded and folded.count("<li>") == 5
    english = render.answer_body("Found 8 letters:\n" + rows, "en")
    assert "Show all (5 more)" in english
    assert "rq-more" not in render.answer_body("短答复。[1]\n- 甲：一。[1]")
    numbered = render.answer_body("\n".join(f"{i}. " + "项" * 100 for i in range(1, 7)))
    assert '<ol start="4">' in numbered  # the folded part goes on counting


# -- typed text, limits -------------------------------------------------------------------
def test_the_question_is_shown_as_typed_never_as_html(service: Service) -> None:
    typed = '<img src=x onerror="alert(1)"> <b>粗</b> *星* `码` 电梯补贴？'
    updates, _ = run(service, typed)
    bubble = updates[-1][1][0]["content"]
    assert "<img" not in bubble and "<b>" not in bubble
    assert visible_text(bubble) == typed


def test_an_over_long_question_stays_in_the_box_with_the_api_message(service: Service) -> None:
    limit = service.config.max_question_chars
    typed = "问" * (limit + 1)
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    updates = list(chat_respond(service, typed, history, ChatState()))
    assert len(updates) == 1
    box, messages, state, _, status = updates[0]
    assert box == typed and messages == history and not state.turns  # nothing cut or lost
    assert visible_text(status) == question_problem(typed, limit)
    assert f"{limit}" in status and str(limit + 1) in status


def test_blank_question_changes_nothing(service: Service) -> None:
    updates, state = run(service, "   ")
    assert len(updates) == 1 and updates[0][:3] == ("   ", [], state) and not state.turns
    assert updates[0][4] == ""  # no notice for an empty box


def test_letter_text_is_escaped_everywhere(service: Service) -> None:
    updates, state = run(service, BIKE_QUESTION)
    final = final_message(updates)
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
    updates, state = run(service, ELEVATOR_QUESTION)
    c = only_turn(state)["citations"][0]
    view = show_letter(service, render.cite_ref(c["letter_id"], c["start"], c["end"]), "en")
    marked = re.search(r'<mark id="rq-cited">(.*?)</mark>', view)
    assert marked and visible_text(marked.group(1)) == c["quote"]
    assert "Addressee" in view and "View letter" not in view


def test_malformed_or_unknown_cite_shows_not_found(service: Service) -> None:
    for ref in ("../../etc/passwd", "nope:1:2", "", "x:9:1"):
        assert render.LABELS["zh"]["missing"] in show_letter(service, ref)
    assert render.parse_cite("a:b:c") is None


# -- filters ------------------------------------------------------------------------------------
def test_filters_are_passed_to_the_service(service: Service) -> None:
    agency = "重庆市科学技术局"
    updates, state = run(service, TALENT_QUESTION, agency=agency)
    turn = next(iter(state.turns.values()))
    assert turn["filters"]["agency"] == agency
    assert turn["answer"]["citations"]
    assert {c["agency"] for c in turn["answer"]["citations"]} == {agency}
    _, unfiltered = run(service, TALENT_QUESTION)
    agencies = {c["agency"] for c in only_turn(unfiltered)["citations"]}
    assert len(agencies) > 1


def test_not_found_under_filters_says_so_and_offers_to_search_without(service: Service) -> None:
    updates, state = run(service, TALENT_QUESTION, year=2019)
    final = final_message(updates)
    assert not only_turn(state)["answered"]
    note = re.search(r'<div class="rq-filter-note">(.*?)</div>', final)
    assert note and "年份：2019" in visible_text(note.group(1))
    assert f'class="rq-unfilter" type="button" value="{TALENT_QUESTION}"' in note.group(1)
    updates, _ = run(service, NOWHERE)  # not found, but no filter was on
    assert "rq-filter-note" not in final_message(updates)


def test_search_without_filters_clears_them_and_asks_again(service: Service) -> None:
    state = ChatState()
    list(chat_respond(service, TALENT_QUESTION, [], state, year=2019))
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    updates = list(act(service, "unfilter", TALENT_QUESTION, history, state, year=2019))
    *_, agency, place, year = updates[-1]
    assert (agency, place, year) == (None, None, None)
    assert state.turns[3]["filters"] is None and state.turns[3]["answer"]["answered"]
    assert "rq-filter-chip" not in updates[-1][3]


def test_a_filter_chip_removes_its_filter(service: Service) -> None:
    state = ChatState()
    agency = "重庆市科学技术局"
    (update,) = act(service, "clear", "year", [], state, agency, "南岸区", 2019)
    box, messages, _, chips, _, new_agency, new_place, new_year = update
    assert (new_agency, new_place, new_year) == (agency, "南岸区", None)
    assert chips.count("rq-filter-chip") == 2 and "2019" not in chips
    (update,) = act(service, "clear", "all", [], state, agency, "南岸区", 2019)
    assert update[5:] == (None, None, None) and "rq-filter-chip" not in update[3]


def test_chip_bar_shows_active_filters_and_follow_ups() -> None:
    bar = render.chip_bar(Filters(agency="南岸区民政局", year=2024), ("这份复函是谁签发的？",))
    chips = re.findall(r'<span class="rq-chip rq-filter-chip">(.*?)<button', bar)
    assert [visible_text(c) for c in chips] == ["答复单位：南岸区民政局", "年份：2024"]
    assert 'class="rq-chip-x" type="button" value="agency"' in bar and "rq-clear-filters" in bar
    assert 'class="rq-chip rq-follow" type="button" value="这份复函是谁签发的？"' in bar
    assert render.chip_bar(None, ()) == ""


def test_new_chat_clears_the_conversation_and_the_filters() -> None:
    state = ChatState(conversation_id="c1", lang="en", follow_ups=("Anything else?",))
    chat, fresh, letter, agency, place, year, chips, status = restart(state)
    assert chat == [] and fresh.conversation_id is None and not fresh.follow_ups
    assert fresh.lang == "en" and letter == render.LETTER_HINT
    assert (agency, place, year, chips, status) == (None, "", None, "", "")


# -- follow-ups -----------------------------------------------------------------------------------
def test_follow_up_chips_follow_the_answer(service: Service) -> None:
    updates, state = run(service, "第0123号提案是谁答复的？")
    assert state.follow_ups == render.FOLLOW_UPS[("zh", False)]
    assert "rq-follow" in updates[-1][3]
    letter = only_turn(state)["citations"][0]["letter_id"]
    updates = list(act(service, "ask", state.follow_ups[0], updates[-1][1], state))
    answer = state.turns[max(state.turns)]["answer"]
    assert answer["answered"] and {c["letter_id"] for c in answer["citations"]} == {letter}
    assert state.follow_ups and render.FOLLOW_UPS[("zh", False)][0] not in state.follow_ups
    _, none = run(service, NOWHERE)
    assert none.follow_ups == ()


@pytest.mark.parametrize(("lang", "several"), list(render.FOLLOW_UPS))
def test_every_follow_up_chip_refers_to_the_answer(lang: str, several: bool) -> None:
    """A chip must be read against the answer it follows, never as a new question."""
    cites = tuple(
        Citation(
            i + 1,
            f"l{i}",
            f"l{i}.txt",
            0,
            4,
            "虚构引文",
            f"关于示例{i}的复函",
            f"示例〔2024〕{i}号",
        )
        for i in range(3 if several else 1)
    )
    conv = Conversation("t")
    first = "哪些部门答复了加装电梯？" if lang == "zh" else "Which agencies replied on elevators?"
    record(conv, first, rewrite(first, conv), Answer(first, "虚构 [1]", cites))
    for chip in render.FOLLOW_UPS[(lang, several)]:
        assert rewrite(chip, conv).reason != "standalone", chip


# -- one language per answer -----------------------------------------------------------------------
def test_an_english_question_gets_english_words_only(service: Service) -> None:
    updates, state = run(service, NOWHERE_EN)
    final = final_message(updates)
    assert not only_turn(state)["answered"]
    assert "Letters that may be related:" in final
    added = visible_text(re.sub(r'<span class="rq-card-title">.*?</span>', "", final))
    for word in render.LABELS["zh"].values():
        assert word.split("{")[0] not in added, word
    updates, state = run(service, "How much is the subsidy for adding elevators?")
    assert only_turn(state)["answered"] and "Sources (" in final_message(updates)
    assert "引用来源" not in final_message(updates)
    assert all(q.isascii() for q in state.follow_ups)


def test_letters_without_a_title_are_named_by_their_sender() -> None:
    c = Citation(
        1, "x", "07_some_file_name_2024.txt", 0, 2, "示例", None, None, "示例区民政局", "2024-01-02"
    )
    card = render.letter_card([c], None)
    assert "示例区民政局的复函" in card and "07_some_file_name" not in card
    answer = Answer(
        "q",
        "没有找到。",
        (),
        False,
        ({"letter_id": "x", "source": "a_file.txt", "title": None, "agency": "示例局"},),
    )
    shown = render.suggestions(answer)
    assert "示例局的复函" in shown and "a_file" not in shown
    assert "Reply from 示例局" in render.suggestions(answer, "en")


def test_abstention_offers_nearest_letters(service: Service) -> None:
    updates, state = run(service, NOWHERE)
    final = final_message(updates)
    answer = only_turn(state)
    assert not answer["answered"] and answer["suggestions"]
    assert "rq-suggest" in final and 'rq-card"' not in final
    assert html.escape(answer["suggestions"][0]["title"], quote=True) in final


def test_conversation_is_kept_across_turns(service: Service) -> None:
    _, state = run(service, "第0123号提案是谁答复的？")
    first = state.conversation_id
    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    updates = list(chat_respond(service, "会同哪些单位办理？", history, state))
    assert state.conversation_id == first and sorted(state.turns) == [1, 3]
    assert "rq-rewrite" in final_message(updates)  # how the follow-up was understood


# -- feedback ---------------------------------------------------------------------------------
def test_feedback_is_appended_as_json_lines(service: Service) -> None:
    _, state = run(service, ELEVATOR_QUESTION)
    index = next(iter(state.turns))
    record_feedback(service.feedback_path, state, index, True)
    record_feedback(service.feedback_path, state, index, False)
    assert record_feedback(service.feedback_path, state, 99, True) is None
    path = service.config.feedback_path
    assert path is not None
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["vote"] for x in lines] == ["like", "dislike"]
    assert lines[0]["question"] == ELEVATOR_QUESTION
    assert lines[0]["answer"] and lines[0]["citations"][0]["quote"] and lines[0]["ts"]


def test_a_vote_is_confirmed_in_the_page(service: Service, tmp_path: Path) -> None:
    _, state = run(service, ELEVATOR_QUESTION)
    index = next(iter(state.turns))
    assert "已记录您的反馈：有用" in vote_notice(service.feedback_path, state, index, True)
    assert "没有帮助" in vote_notice(service.feedback_path, state, index, False)
    assert "不是回答" in vote_notice(service.feedback_path, state, 99, True)
    (tmp_path / "dir").mkdir()
    assert "反馈未能保存" in vote_notice(tmp_path / "dir", state, index, True)


def test_feedback_goes_to_the_index_folder_by_default(demo_chat_index: Path) -> None:
    service = Service(demo_chat_index, Settings(embedder="hash"), ServerConfig())
    assert service.feedback_path == demo_chat_index / "feedback.jsonl"


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
