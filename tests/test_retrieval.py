"""Known-answer retrieval: numbers, abbreviations, paraphrases, English, enumeration, filters.

Demo letters with the model-free embedder isolate the lexical side and the field logic;
the real bundled model over the real dev letters checks the hybrid end to end. The
questions here are written for these tests, not taken from the dev question set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import RetrievalSettings, Settings
from rag.pipeline import open_retriever
from rag.search.query import Filters


@pytest.fixture(scope="module")
def demo(demo_index: Path):  # type: ignore[no-untyped-def]
    return open_retriever(demo_index, Settings(embedder="hash"))


def sources(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.letter.source[:2] for h in hits]


@pytest.mark.parametrize(
    ("question", "letter"),
    [
        ("渝科局函〔2024〕131号", "03"),  # document number
        ("第0589号建议", "04"),  # proposal number, leading zero
        ("589号建议的答复", "04"),  # … and without it
        ("经信委关于软件产业的答复", "02"),  # agency abbreviation
        ("老楼装电梯能补贴多少", "06"),  # paraphrase of 既有住宅增设电梯
        ("elderly canteen meal subsidy", "05"),  # English, through the glossary
        ("2024年江北区学校门口接送车辆", "08"),  # place + year + topic
    ],
)
def test_known_answers_on_demo_letters(demo, question: str, letter: str) -> None:  # type: ignore[no-untyped-def]
    # The hash "embedder" knows no meaning: rank by the lexical side and the field logic alone.
    lexical = type(demo)(
        demo.index, demo.embedder, RetrievalSettings(dense_weight=0), demo.tokenizer
    )
    assert sources(lexical.search(question, 3))[0] == letter
    assert letter in sources(demo.search(question, 3))


def test_enumeration_reaches_every_talent_letter(demo) -> None:  # type: ignore[no-untyped-def]
    found = set(sources(demo.search("哪些部门支持人才政策?", 10)))
    assert {"01", "02", "03"} <= found


def test_a_list_question_reaches_letters_before_a_letters_second_passage(demo) -> None:  # type: ignore[no-untyped-def]
    first = demo.settings.list_letters_first
    hits = demo.search("哪些答复涉及补贴?", 10)
    assert len({h.letter.id for h in hits[:first]}) == first
    # Scores still fall with the rank.
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    off = type(demo)(
        demo.index,
        demo.embedder,
        demo.settings.model_copy(update={"list_letters_first": 0}),
        demo.tokenizer,
    )
    assert {h.chunk.id for h in off.search("哪些答复涉及补贴?", 10)} <= {
        h.chunk.id for h in demo.search("哪些答复涉及补贴?", 30)
    }
    # A question about one letter keeps passage ranking.
    one = demo.search("第0123号提案的复函会同了哪些单位?", 10)
    assert [h.chunk.id for h in one] == [
        h.chunk.id for h in off.search("第0123号提案的复函会同了哪些单位?", 10)
    ]


def test_filters_are_hard_constraints(demo) -> None:  # type: ignore[no-untyped-def]
    assert set(sources(demo.search("人才政策", 10, Filters(agency="市经济信息委")))) == {"02"}
    assert set(sources(demo.search("人才政策", 10, Filters(place="襄阳市")))) == {"10"}
    assert set(sources(demo.search("补贴", 10, Filters(kind="提案")))) <= {"01", "03", "07", "09"}
    assert set(sources(demo.search("补贴", 10, Filters(category="B")))) <= {"02", "04", "06"}
    assert demo.search("人才政策", 10, Filters(year=1999)) == []


def test_one_letter_cannot_fill_the_whole_list(demo) -> None:  # type: ignore[no-untyped-def]
    hits = demo.search("集成电路产业发展和流片补贴", 10)
    assert max(sources(hits).count(s) for s in set(sources(hits))) <= demo.settings.per_letter


def test_field_question_brings_the_letters_landmarks(demo) -> None:  # type: ignore[no-untyped-def]
    hits = demo.search("第0123号提案的复函是谁审签的?", 5)
    letter = hits[0].letter
    signer_at = letter.fields.spans["signer"][0]
    assert any(h.letter.id == letter.id and h.chunk.start <= signer_at < h.chunk.end for h in hits)


# --- the real model over the real dev letters ---------------------------------------------


@pytest.fixture(scope="module")
def real(real_index: Path):  # type: ignore[no-untyped-def]
    return open_retriever(real_index)


@pytest.mark.parametrize(
    ("question", "file_prefix"),
    [
        ("第0310号提案的复函是哪个单位发的", "000_"),
        ("市大数据发展局关于智慧城市的提案答复", "001_"),
        ("高速公路出口建公共厕所", "048_"),
        (
            "Which bureau answered the suggestion about crosswalk traffic lights near a plaza exit in Shapingba?",
            "018_",
        ),
        ("柠檬产业", "010_"),
    ],
)
def test_known_answers_on_dev_letters(real, question: str, file_prefix: str) -> None:  # type: ignore[no-untyped-def]
    assert any(h.letter.source.startswith(file_prefix) for h in real.search(question, 5)), question


def test_reopened_real_index_gives_identical_results(real, real_index: Path) -> None:  # type: ignore[no-untyped-def]
    again = open_retriever(real_index)
    for q in ("人才政策", "农村饮水困难", "street lights"):
        first = [(h.chunk.id, round(h.score, 6)) for h in real.search(q, 10)]
        assert first == [(h.chunk.id, round(h.score, 6)) for h in again.search(q, 10)]


def test_record_questions_lead_with_the_lines_that_answer_them(real) -> None:  # type: ignore[no-untyped-def]
    # The sender is a town government in exactly two dev letters; passage similarity alone
    # does not reach their title lines, the parsed fields do.
    hits = real.search("哪几封复函是由镇政府或者街道办事处发出的?", 10)
    top = {h.letter.source[:4] for h in hits[:4]}
    assert {"016_", "023_"} <= top
    assert any("圣灯山镇人民政府关于" in h.chunk.text for h in hits[:4])
    # A question about one letter's co-handlers is not a record question.
    hits = real.search("智谷产业提案的复函还会同了哪些单位?", 5)
    assert hits[0].letter.source.startswith("000_")
