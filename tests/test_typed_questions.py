"""Questions as people type them (made-up questions): year shorthand, colloquial question words
and fillers, missing or wrong punctuation, agency abbreviations without a place."""

from __future__ import annotations

import pytest

from rag.search.query import analyze
from rag.search.typed import retype


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("23年经信委咋答复的", "2023年经信委怎么答复的"),
        ("请问19年底老楼加装电梯啥时候开始补贴呀", "2019年底老楼加装电梯什么时候开始补贴"),
        ("停车场建设给了多少钱 谢谢", "停车场建设安排了多少资金"),
        ("为啥没采纳", "为什么没采纳"),
        ("有补贴么", "有补贴吗"),
        ("路灯坏了找谁 修好了没??", "路灯坏了找谁，修好了没？"),
        ("98年的老楼咋改造", "1998年的老楼怎么改造"),
        ("渝经信复函2020 300号是谁发的", "渝经信复函〔2020〕300号是谁发的"),
        ("渝建函【2021】15号", "渝建函〔2021〕15号"),
    ],
)
def test_typed_question_is_written_formally(typed: str, written: str) -> None:
    assert retype(typed)[0] == written


@pytest.mark.parametrize(
    "question",
    [
        "近10年来的变化",  # a duration, not a year
        "第23年的补贴",  # an order
        "23年以上的老楼",
        "为什么？",  # 么 of 什么 is not a particle
        "哈尔滨的冰雪旅游",  # 哈 inside a name
        "渝经信复函〔2020〕300号是谁发的？",  # already formal
        "What did the 2023 reply say?",  # English is left alone
        "50年代的建筑",  # 50 is no year of this century or the 1980s-90s
    ],
)
def test_written_question_is_left_alone(question: str) -> None:
    assert retype(question) == (question, [])


def test_every_change_is_noted() -> None:
    text, notes = retype("请问23年住建委咋答复的")
    assert text == "2023年住建委怎么答复的"
    assert "23年 → 2023年" in notes and "咋 → 怎么" in notes
    assert any(n.startswith("filler dropped") for n in notes)


@pytest.mark.parametrize(
    ("question", "core"),
    [
        ("住建委咋答复老旧小区改造的", "住房和城乡建设委员会"),
        ("老旧小区改造住建委咋说的", "住房和城乡建设委员会"),  # words lead into the abbreviation
        ("发改委和住建委哪些答复提到了停车", "住房和城乡建设委员会"),
        ("经信委关于智谷的答复", "经济和信息化委员会"),
    ],
)
def test_bare_abbreviation_names_the_body_in_any_place(question: str, core: str) -> None:
    info = analyze(question)
    assert core in info.agencies
    assert not info.places  # no place: every place's body of that kind matches



def test_a_long_sentences_clause_in_the_unit_asked_for_is_found() -> None:
    from rag.answer.spans import asked_unit, direct_span

    # Made up (【示例】虚构): money on the topic first, the count of schools far after it.
    text = (
        "为改善示例县城乡办学条件，县教育局近年来持续加大学校建设投入，2023年共投入学校建设资金3200万元，"
        "用于城区学校和乡镇学校的校舍维修、运动场改造和教学设备更新，完成了城区和乡镇学校的多项改造工程，"
        "改善了师生的学习和生活条件，受到了家长和社会各界的普遍好评，"
        "各校食堂、宿舍和图书室的条件也得到了明显提升，教师队伍的结构进一步优化，教育教学质量稳步提高，"
        "同时新建乡镇寄宿制学校5所，新增学位1200个。"
    )
    on_topic = [True] * 4 + [False] * 8  # the topic's words (学校建设) are in its first clauses
    want = asked_unit("新建了多少所学校")
    assert want is not None
    s, e = direct_span(text, 0, len(text), "number", on_topic, want[0])
    assert "5所" in text[s:e]
    s, e = direct_span(text, 0, len(text), "number", on_topic)
    assert "5所" not in text[s:e]  # without the unit, the run most on the topic: the money


def test_how_many_years_is_a_number_of_years_not_a_year() -> None:
    from rag.answer.spans import asked_unit

    unit = asked_unit("贷款能贷几年?")
    assert unit is not None
    assert unit[0].search("贷款期限一次最长不超过3年") and unit[0].search("期限三年")
    assert not unit[0].search("2023年起实施")


def test_a_time_asked_to_the_hour_or_in_minutes_is_answered_in_kind() -> None:
    from rag.answer.spans import asked_time, has_span

    assert has_span("time", "确定了高峰时段,即6︰30~8︰30、17︰00~18︰30")  # full-width colons
    hours = asked_time("晚高峰是几点到几点？")
    assert hours is not None and hours.search("17︰00~18︰30") and not hours.search("平均每3-5分钟发出一趟车")
    minutes = asked_time("高峰期几分钟能来一趟车？")
    assert minutes is not None and minutes.search("平均每3-5分钟发出一趟车")
    assert not minutes.search("高峰时段即17︰00~18︰30") and not minutes.search("2023年5月")


def test_an_amount_in_wan_with_no_unit_after_it_is_money() -> None:
    from rag.answer.spans import asked_unit

    money = asked_unit("补贴一年要花多少钱？")
    assert money is not None and money[1]
    assert money[0].search("仅公益性岗位补贴每年支出就多达1700多万,") and money[0].search("投资1700万元")
    assert not money[0].search("惠及群众1700多万人") and not money[0].search("年产1800多万吨")


def test_english_people_nouns_ask_for_a_count_of_people() -> None:
    from rag.answer.spans import asked_unit

    unit = asked_unit("How many students are enrolled at the school?")
    assert unit is not None and unit[0].search("现有在校学生2724人") and not unit[0].search("面积4288平方米")


def test_the_replys_title_and_the_meeting_are_asked_by_their_everyday_names() -> None:
    assert analyze("答复函的标题全称是什么？").intents == ["title"]
    assert analyze("What is the title of the reply?").intents == ["title"]
    assert analyze("那件建议的题目是什么").intents == ["subject"]  # the suggestion's, not the reply's
    assert analyze("是在哪次会上提的？").intents == ["session"]
    assert "session" not in analyze("会上提了什么").intents


def test_signed_up_is_not_asking_who_signed() -> None:
    assert "signer" not in analyze("How many teachers signed up for the 2021 evaluation?").intents
    assert "signer" in analyze("Who signed the reply?").intents


def test_the_most_asked_for_is_answered_by_the_highest_written() -> None:
    from rag.answer.frame import Part
    from rag.answer.reading import Sentence, score
    from rag.answer.topic import TopicModel
    from rag.search.lexicon import default_tokenizer

    # Made up (【示例】虚构): two amounts on the topic; the one written with 最高 is the cap.
    pool = [
        Sentence(0, 30, "返乡创业个体工商户可享受创业场所租赁补贴5000元。"),
        Sentence(31, 60, "返乡创业个人可申请最高20万元贷款。"),
    ]
    topics = TopicModel([s.text for s in pool], default_tokenizer())
    part = Part("返乡创业个人最多能贷多少", "number", (), "返乡创业")
    best = score(topics, topics.terms("返乡创业"), part, pool)[0]
    assert "20万元" in best.sentence.text
