"""The second retrieval hop: a later clause that refers back to what the first one asks for.

The letters here are made up for these tests (marked as such in their text).
"""

from __future__ import annotations

import re

import pytest

from rag.answer.extractive import ExtractiveAnswerer
from rag.config import Settings
from rag.pipeline import build_folder, open_retriever
from rag.search.hops import (
    bridge_entity,
    letters_naming,
    mentions,
    merge,
    split_reference,
    strip_kind,
)
from rag.search.lexicon import default_tokenizer
from rag.search.retrieval import Retriever
from rag.types import Chunk, Hit, Letter, LetterFields

QUESTION = "区市场监管局提到的“便民早市”在哪个街道？该街道自己还答复过什么建议？"


def test_split_reference_cuts_before_the_clause_that_refers_back() -> None:
    ref = split_reference(QUESTION)
    assert ref is not None
    assert ref.first == "区市场监管局提到的“便民早市”在哪个街道？"
    assert ref.kind == "街道"
    assert ref.resolved("红旗路街道") == "红旗路街道自己还答复过什么建议？"


def test_an_english_reference_has_the_kind_of_the_chinese_name() -> None:
    ref = split_reference(
        "Which street office runs the morning market? What has that street replied to?"
    )
    assert ref is not None and ref.kind == "街道"
    assert ref.first == "Which street office runs the morning market?"
    assert ref.resolved("红旗路街道") == "What has 红旗路街道 replied to?"
    assert (
        split_reference("What did the finance bureau say? What else did that bureau co-handle?")
        is None
    )


@pytest.mark.parametrize(
    "question",
    [
        "该街道答复过什么建议？",  # nothing earlier to resolve it
        "第0123号提案是谁答复的？该复函的文号是什么？",  # a letter, not a body or place
        "人才政策有哪些？",
        "市经信委答复了什么？该委还会同了哪些单位？",  # the body is named, not asked for
    ],
)
def test_no_reference_no_hop(question: str) -> None:
    assert split_reference(question) is None


def test_mentions_cut_the_words_leading_into_a_name() -> None:
    text = "分别为解放碑街道民生农超、大坪街道经营部、红旗路街道便民早市。"
    assert [m[0] for m in mentions(text, "街道")] == ["解放碑街道", "大坪街道", "红旗路街道"]
    assert [m[0] for m in mentions("由和平路街道和为民街道承办", "街道")] == [
        "和平路街道",
        "为民街道",
    ]
    start, end = mentions(text, "街道")[2][1:]
    assert text[start:end] == "红旗路街道"
    assert [m[0] for m in mentions("经与市发展改革委、区交通局共同研究", "部门")] == [
        "市发展改革委",
        "区交通局",
    ]
    assert strip_kind("红旗路街道", "街道") == "红旗路"
    assert strip_kind("大街道", "街道") == "大街道"  # nothing would remain


def _hit(text: str, rank: int, letter_id: str = "a") -> Hit:
    letter = Letter(id=letter_id, source=f"{letter_id}.txt", text=text, fields=LetterFields())
    chunk = Chunk(id=f"{letter_id}:{rank}", letter_id=letter_id, start=0, end=len(text), text=text)
    return Hit(chunk=chunk, letter=letter, score=1.0 / rank, rank=rank)


def test_bridge_is_the_mention_nearest_the_quoted_term() -> None:
    ref = split_reference(QUESTION)
    assert ref is not None
    hits = [
        _hit("解放碑街道开展了食品安全检查。", 1),
        _hit("集市分别为解放碑街道民生农超、红旗路街道便民早市。", 2),
    ]
    found = bridge_entity(ref, hits, default_tokenizer().query_tokens)
    assert found is not None
    assert found[0] == "红旗路街道"
    assert found[1] is hits[1]
    # No passage names a street near the quoted term: no bridge, no guess.
    assert bridge_entity(ref, hits[:1], default_tokenizer().query_tokens) is None


def test_without_quotes_the_bridge_is_near_the_topic_not_the_named_agency() -> None:
    ref = split_reference("区市场监管局提到的便民早市在哪个街道？该街道还答复过什么建议？")
    assert ref is not None
    hits = [_hit("区市场监管局会同大坪街道开展检查；便民早市位于红旗路街道。", 1)]
    found = bridge_entity(ref, hits, default_tokenizer().query_tokens)
    assert found is not None and found[0] == "红旗路街道"


def test_merge_puts_the_bridge_first_then_alternates() -> None:
    first = [_hit("a", 1, "x"), _hit("b", 2, "x")]
    second = [_hit("c", 1, "y"), _hit("d", 2, "y")]
    merged = merge(first[1], second, first, 4)
    assert [h.chunk.id for h in merged] == ["x:2", "y:1", "x:1", "y:2"]
    assert [h.rank for h in merged] == [1, 2, 3, 4]
    scores = [h.score for h in merged]
    assert scores == sorted(scores, reverse=True)  # as in one hop, whatever each hop scored


_MARKET = """【示例】本函为虚构示例，仅用于演示，不是真实公文。
王一代表：
你提出的《关于规范辖区早市管理的建议》（第0501号）收悉。现将办理情况答复如下：
一、辖区早市基本情况
经调查摸底，辖区内的早市共有三家，分别为解放碑街道民生农超、大坪街道鲜惠经营部、红旗路街道便民早市。
二、已开展的工作
区市场监管局对早市主办方开展食品安全约谈，督促落实进货查验制度。
区市场监督管理局
2024年6月1日
"""

_STREET = """【示例】本函为虚构示例，仅用于演示，不是真实公文。
李二代表：
您提出的《关于在光明社区建设老年助餐点的建议》（第0622号）已收悉。经街道党工委审议，现答复如下：
一、红旗路地区老年人基本情况
红旗路地区现有60岁及以上老年人共计8000余人，助餐需求较大。
二、下一步工作
街道将在光明社区新建老年助餐点一处。
"""

_TOWN = """【示例】本函为虚构示例，仅用于演示，不是真实公文。
赵三代表：
您在镇第二十届人民代表大会第一次会议上提出的《关于硬化村道的建议》收悉，现答复如下：
镇政府将分批硬化村道，以上答复已经镇长审阅，您还答复过什么意见请告知。
某某镇人民政府
2024年5月1日
"""


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The market regulator's letter, the street's own letter and a town's, over the
    model-free embedder."""
    docs = tmp_path_factory.mktemp("hops") / "docs"
    docs.mkdir()
    for name, text in (("market", _MARKET), ("street", _STREET), ("town", _TOWN)):
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    settings = Settings(embedder="hash")
    build_folder(docs, docs.parent / "index", settings)
    return open_retriever(docs.parent / "index", settings)


def test_two_hop_answer_cites_both_hops(retriever: Retriever) -> None:
    answer = ExtractiveAnswerer(retriever).answer(QUESTION)
    assert answer.answered
    sources = [c.source for c in answer.citations]
    assert sources[0] == "market.txt" and "红旗路街道便民早市" in answer.citations[0].quote
    assert "street.txt" in sources and "town.txt" not in sources
    # Citations are numbered through both parts, and every marker has its citation.
    assert [c.key for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == {
        c.key for c in answer.citations
    }


def test_letters_naming_a_bridge_write_it_out(retriever: Retriever) -> None:
    index, tok = retriever.index, retriever.tokenizer
    sources = {index.letters[lid].source for lid in letters_naming(index, tok, "红旗路")}
    assert sources == {"market.txt", "street.txt"}
    # The market letter holds 早市 and 街道 in one passage, but never 早市街道.
    assert letters_naming(index, tok, "早市街道") == frozenset()
