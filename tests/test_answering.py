"""The extractive answerer: routes, exact quotes, abstention, enumeration completeness, CLI.

Demo letters (made up) with the model-free embedder exercise each route; the real model
over the real dev letters checks enumeration completeness and that every quote shown for
every dev question is the letter's text at its offsets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.answer.extractive import NOT_FOUND_EN, ExtractiveAnswerer
from rag.answer.quotes import MAX_QUOTE
from rag.cli import main
from rag.config import Settings
from rag.letters.values import field_value
from rag.pipeline import ChatSession, open_retriever


@pytest.fixture(scope="module")
def demo(demo_index: Path) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(open_retriever(demo_index, Settings(embedder="hash")))


def exact(answer, letters) -> None:  # type: ignore[no-untyped-def]
    for c in answer.citations:
        assert letters[c.letter_id].text[c.start : c.end] == c.quote
        assert f"[{c.key}]" in answer.text


def test_field_question_cites_where_the_value_is_written(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("渝人社函〔2024〕88号是谁审签的?")
    assert answer.answered and answer.route == "field"
    assert "刘建华" in answer.text
    letters = demo.retriever.index.letters
    exact(answer, letters)
    signer = next(c for c in answer.citations if "刘建华" in c.quote)
    assert "审签" in signer.quote and len(signer.quote) <= MAX_QUOTE


def test_a_field_the_letter_does_not_state_is_not_guessed(demo: ExtractiveAnswerer) -> None:
    # Letter 07 (made up) has an empty 发文字号 and names no signer.
    answer = demo.answer("大足区交通运输委第0045号提案复函的发文字号是什么?")
    assert not answer.answered and "未写明发文字号" in answer.text
    assert answer.suggestions and answer.suggestions[0]["source"].startswith("07_")


def test_lookup_quotes_sentences_in_reading_order(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("老楼装电梯政府能补贴多少钱?")
    assert answer.answered and answer.route == "lookup"
    assert all(c.source.startswith("06_") for c in answer.citations[:1])
    assert any("万元" in c.quote for c in answer.citations)
    exact(answer, demo.retriever.index.letters)


def test_enumeration_lists_each_agency_with_a_quote(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("哪些部门支持人才政策?")
    assert answer.route == "enumeration"
    sources = {c.source[:2] for c in answer.citations}
    assert {"01", "02", "03"} <= sources
    rows = [line for line in answer.text.splitlines() if re.match(r"\d+\. ", line)]
    assert answer.text.startswith(f"共{len(rows)}封")  # the count first, one row per letter
    assert 3 <= len(rows) <= answer.text.count("[")
    assert len({row.split("：")[0] for row in rows}) == len(rows)  # a letter once
    assert not any(
        c.source.startswith(("09_", "10_")) for c in answer.citations
    )  # night economy, irrigation


def test_enumeration_gives_what_is_asked_of_each_letter(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("哪些部门支持人才政策?各自由谁审签?")
    assert answer.route == "enumeration"
    letters = demo.retriever.index.letters
    listed = {c.letter_id for c in answer.citations}
    assert len(listed) >= 3
    for lid in listed:  # each listed letter's signer, cited where the letter writes it
        signer = field_value(letters[lid], "signer")
        if signer.value:
            assert any((c.start, c.end) == (signer.start, signer.end) for c in answer.citations)
    assert "审签人：" in answer.text
    exact(answer, letters)


def test_abstains_politely_and_offers_letters(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("有没有关于长期护理保险的建议答复?")
    assert not answer.answered and answer.citations == ()
    assert answer.text == "收录的复函中没有找到关于“长期护理保险”的答复。"  # names what is missing
    answer = demo.answer("北京市朝阳区商务局对便民菜店的建议是怎么答复的?")
    assert not answer.answered and answer.suggestions
    assert demo.answer("Is there any reply about long-term care insurance?").text == NOT_FOUND_EN


def test_english_question_gets_an_english_statement_of_the_fact(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("How much is the meal subsidy for elderly canteens in Nan'an district?")
    assert answer.answered and answer.citations[0].source.startswith("05_")
    # The direct answer states the figure in English (186万元 → 1.86 million yuan), then quotes.
    first = answer.text.splitlines()[0]
    assert first.startswith("1.86 million yuan: “") and "186万元" in first


def test_stream_yields_deltas_then_the_answer(demo: ExtractiveAnswerer) -> None:
    events = list(demo.stream("渝人社函〔2024〕88号是谁审签的?"))
    assert events[-1].kind == "answer" and events[-1].answer is not None
    assert "".join(e.text for e in events if e.kind == "delta") == events[-1].answer.text


def test_follow_ups_keep_their_subject(demo: ExtractiveAnswerer) -> None:
    session = ChatSession(demo)
    first, _ = session.ask("第0217号提案的复函讲了哪些集成电路支持措施?")
    letter = first.citations[0].letter_id
    second, rewrite = session.ask("这份复函是谁签发的?")
    assert rewrite.reason == "this_letter" and rewrite.focus_letters[0] == letter
    assert "何立新" in second.text


def test_ask_cli_json_shape(demo_index: Path, hash_settings: Settings) -> None:
    result = CliRunner().invoke(
        main, ["ask", "渝人社函〔2024〕88号是谁审签的?", "--index", str(demo_index), "--json"]
    )
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert set(row) == {"id", "question", "answered", "answer", "citations", "latency_ms"}
    assert set(row["citations"][0]) == {
        "key",
        "letter_id",
        "source",
        "start",
        "end",
        "quote",
        "title",
        "doc_number",
        "agency",
        "date",
    }
    text = (
        CliRunner()
        .invoke(main, ["ask", "渝人社函〔2024〕88号是谁审签的?", "--index", str(demo_index)])
        .output
    )
    assert "刘建华" in text and "来源" in text and "[1]" in text


# --- the real model over the real dev letters ---------------------------------------------


@pytest.fixture(scope="module")
def real(real_index: Path) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(open_retriever(real_index))


def test_enumeration_completeness_on_dev_letters(real: ExtractiveAnswerer) -> None:
    answer = real.answer("哪些部门支持人才政策?")
    files = {c.source[:3] for c in answer.citations}
    # The letters where agencies commit to talent work (人才政策, 技能人才, 科技人才).
    assert {"000", "025", "006"} <= files


def test_every_quote_for_every_dev_question_is_exact(
    real: ExtractiveAnswerer, corpus_dir: Path
) -> None:
    letters = real.retriever.index.letters
    for line in (corpus_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        answer = real.answer(json.loads(line)["question"])
        for c in answer.citations:
            on_disk = (corpus_dir / c.source).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            assert on_disk[c.start : c.end] == c.quote == letters[c.letter_id].text[c.start : c.end]


def test_record_questions_list_letters_by_their_fields(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("哪些答复由市财政局协办?")
    assert answer.route == "enumeration"
    # 01 names 市财政局 as co-handler; 05 and 07 name 区财政局, another body.
    assert {c.source[:2] for c in answer.citations} == {"01"}
    assert any("财政局" in c.quote for c in answer.citations)  # where the co-handler is named
    assert answer.text.startswith("共1封复函：\n1. 重庆市人力资源和社会保障局（第0123号提案）[1]")
    answer = demo.answer("哪些建议或提案是党派、团体提出的?")
    assert {c.source[:2] for c in answer.citations} == {"09"}  # 民进绵阳市委员会 (made up)
    exact(answer, demo.retriever.index.letters)


def test_which_letter_questions_are_answered_from_records(real: ExtractiveAnswerer) -> None:
    letters = real.retriever.index.letters
    answer = real.answer(
        "Which letter is a co-handling opinion (协办意见) sent to the lead agency?"
    )
    assert answer.route == "enumeration" and answer.text.startswith("1 letter:")
    assert {c.source[:4] for c in answer.citations} == {"032_"}
    assert any("协办意见的函" in c.quote for c in answer.citations)
    answer = real.answer(
        "Which replies answer a suggestion submitted by a delegation rather than an individual?"
    )
    rows = {c.source[:4] for c in answer.citations}
    assert "010_" in rows and any(c.quote == "潼南代表团" for c in answer.citations)
    exact(answer, letters)
    # Naming a delegation is not asking which proposals came from collectives.
    answer = real.answer("潼南代表团的柠檬建议是哪个单位答复的?")
    assert answer.route == "field" and {c.source[:4] for c in answer.citations} == {"010_"}
    # One letter's co-handlers are a field of that letter, not a list of letters.
    answer = real.answer("智谷产业提案的复函还会同了哪些单位?")
    assert answer.route == "field"
    assert any("市人力社保局" in c.quote for c in answer.citations)


def test_letters_of_one_session_are_listed_with_what_is_asked_of_each(
    real: ExtractiveAnswerer,
) -> None:
    answer = real.answer("巴南区在区十九届人大四次会议上的建议有哪些部门答复?分别是谁审签的?")
    assert answer.route == "enumeration"
    assert {c.source[:4] for c in answer.citations} == {"014_", "015_"}
    assert any("熊琼" in c.quote for c in answer.citations)
    assert any("蒋文" in c.quote for c in answer.citations)
    exact(answer, real.retriever.index.letters)


def test_a_date_answer_shows_each_date_the_page_states(real: ExtractiveAnswerer) -> None:
    # The 0310 letter is signed 2020年5月22日; its page's table says 成文日期 2020-08-07.
    answer = real.answer("第0310号提案的复函落款日期是哪天?")
    assert "2020-05-22" in answer.text and "成文日期：2020-08-07" in answer.text
    exact(answer, real.retriever.index.letters)


def test_the_addressee_a_question_names_is_cited(real: ExtractiveAnswerer) -> None:
    answer = real.answer("铜梁区农业农村委答复张诗于代表的复函文号是什么?")
    assert any(c.quote.startswith("张诗于代表") for c in answer.citations)


def test_replies_about_a_topic_cite_the_suggestion_each_answers(real: ExtractiveAnswerer) -> None:
    answer = real.answer("关于夜间经济的答复有哪些?")
    assert answer.route == "enumeration"
    assert any("《关于规范提档夜间经济发展的建议》" in c.quote for c in answer.citations)


def test_an_unsigned_street_office_letter_is_found_by_how_it_speaks_of_itself(
    real: ExtractiveAnswerer,
) -> None:
    # 012 names no sender; its body says 经街道党工委、办事处审议通过.
    answer = real.answer("哪几封复函是由镇政府或者街道办事处发出的?")
    rows = {c.source[:4] for c in answer.citations}
    assert {"012_", "016_", "023_"} <= rows
    assert any("街道党工委" in c.quote for c in answer.citations if c.source.startswith("012_"))
    exact(answer, real.retriever.index.letters)


def test_ask_cli_headings_follow_the_question_language(demo_index: Path, hash_settings: Settings) -> None:
    # An English answer quotes Chinese letters; its headings are still English.
    out = CliRunner().invoke(
        main, ["ask", "How much is the subsidy for adding elevators?", "--index", str(demo_index)]
    ).output
    assert "\nSources:" in out and "来源" not in out
    out = CliRunner().invoke(
        main, ["ask", "How many dinosaurs does the reply to proposal No. 9999 count?", "--index", str(demo_index)]
    ).output
    assert "You may want to read:" in out and "您可以看看" not in out
