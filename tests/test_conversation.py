"""Tests for rag.answer.conversation: follow-up rewriting rules, carried filters, bounded memory.

Every letter, title, 文号 and quote below is made up (虚构) for the tests; none is real.
"""

from __future__ import annotations

from datetime import date

import pytest

from rag.answer.conversation import Conversation, Rewrite, record, rewrite
from rag.search.query import Filters
from rag.types import Answer, Citation

# 虚构 letters: (letter_id, title, 文号).
ELEVATOR = ("a", "关于加快老旧小区加装电梯的复函", "渝经信复函〔2020〕300号")
SUBSIDY = ("b", "关于支持加装电梯补贴的复函", "渝建函〔2021〕12号")
UPKEEP = ("c", "关于电梯维保的复函", None)
ELEVATOR_ZH = "关于加快老旧小区加装电梯的复函（渝经信复函〔2020〕300号）"
SUBSIDY_ZH = "关于支持加装电梯补贴的复函（渝建函〔2021〕12号）"
ELEVATOR_EN = '"关于加快老旧小区加装电梯的复函" (渝经信复函〔2020〕300号)'
SUBSIDY_EN = '"关于支持加装电梯补贴的复函" (渝建函〔2021〕12号)'


def answer(*letters: tuple[str, str, str | None]) -> Answer:
    """An answer citing `letters` in order (虚构 quote text)."""
    citations = tuple(
        Citation(i + 1, lid, f"{lid}.txt", 0, 6, "虚构的引文", title, doc)
        for i, (lid, title, doc) in enumerate(letters)
    )
    return Answer("虚构问题", "虚构答复 [1]", citations, answered=bool(citations))


LIST = answer(ELEVATOR, SUBSIDY, ELEVATOR, UPKEEP)  # cites letter a twice: 3 distinct letters
ONE = answer(ELEVATOR)


def chat(*turns: tuple[str, Answer], explicit: Filters | None = None) -> Conversation:
    """A conversation after asking each question and recording its (made-up) answer."""
    conv = Conversation("t", explicit=explicit or Filters())
    for question, reply in turns:
        record(conv, question, rewrite(question, conv), reply)
    return conv


# --- standalone -------------------------------------------------------------------------


@pytest.mark.parametrize("conv", [None, Conversation("empty")])
def test_first_turn_is_unchanged(conv: Conversation | None) -> None:
    r = rewrite("哪些部门支持人才政策？", conv)
    assert r == Rewrite("哪些部门支持人才政策？", Filters(), (), (), "standalone")


def test_first_turn_gets_the_explicit_filters() -> None:
    conv = Conversation("t", explicit=Filters(year=2020, kind="提案"))
    assert rewrite("哪些部门支持人才政策？", conv).filters == Filters(year=2020, kind="提案")


@pytest.mark.parametrize(
    "question",
    [
        "哪些部门支持人才政策？",
        "市教委对校车安全怎么答复的？",
        "请问经信委对加装电梯有什么政策",
        "市政协五届三次会议第0310号提案的答复是什么？",
        "第二次会议的提案有哪些？",
        "Which agencies replied about talent policy?",
    ],
)
def test_self_contained_question_later_is_unchanged(question: str) -> None:
    conv = chat(("经信委对老旧小区加装电梯怎么答复的？", LIST), ("还有吗", ONE))
    r = rewrite(question, conv)
    assert (r.question, r.reason, r.focus_letters, r.exclude_letters) == (
        question,
        "standalone",
        (),
        (),
    )
    assert r.filters == Filters()  # the inferred 经信委 filter is not carried into a new topic


# --- agency / place swap ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected", "agency"),
    [
        (
            "市教委对校车安全怎么答复的？",
            "那经信委呢？",
            "市经信委对校车安全怎么答复的？",
            "经济和信息化委员会",
        ),
        (
            "经信委对老旧小区加装电梯怎么答复的？",
            "市教委呢",
            "市教委对老旧小区加装电梯怎么答复的？",
            "教育委员会",
        ),
        (
            "重庆市江北区教委对校车安全怎么答复的？",
            "那交通局呢",
            "重庆市江北区交通局对校车安全怎么答复的？",
            "交通运输局",
        ),
        (
            "加装电梯的补贴标准是多少？",
            "那经信委呢？",
            "经信委加装电梯的补贴标准是多少？",
            "经济和信息化委员会",
        ),
    ],
)
def test_agency_swap(previous: str, follow_up: str, expected: str, agency: str) -> None:
    r = rewrite(follow_up, chat((previous, ONE)))
    assert (r.question, r.reason, r.filters.agency) == (expected, "agency_swap", agency)


def test_agency_swap_replaces_the_carried_agency_filter() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", LIST), ("还有吗", ONE))
    assert conv.filters.agency == "经济和信息化委员会"
    r = rewrite("那市教委呢？", conv)
    assert r.question == "市教委对加装电梯怎么答复的？"
    assert r.filters.agency == "教育委员会"


def test_swap_never_overrides_an_explicit_filter() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", ONE), explicit=Filters(agency="经信委"))
    assert rewrite("那市教委呢？", conv).filters.agency == "经信委"


def test_place_swap() -> None:
    r = rewrite("换成江津区呢", chat(("重庆市江北区教委对校车安全怎么答复的？", ONE)))
    assert (r.question, r.reason) == ("重庆市江津区教委对校车安全怎么答复的？", "place_swap")
    assert (r.filters.agency, r.filters.place) == ("教育委员会", "江津区")


def test_place_swap_replaces_a_level_word_or_prepends() -> None:
    conv = chat(("市教委对校车安全怎么答复的？", ONE))
    assert rewrite("换成江津区呢", conv).question == "江津区教委对校车安全怎么答复的？"
    conv = chat(("加装电梯的补贴标准是多少？", ONE))
    assert rewrite("那江津区呢", conv).question == "江津区加装电梯的补贴标准是多少？"


def test_english_agency_swap() -> None:
    conv = chat(("Who signed the education commission's reply on school buses?", ONE))
    r = rewrite("what about the transport bureau?", conv)
    assert r.question == "Who signed the transport bureau's reply on school buses?"
    assert (r.reason, r.filters.agency) == ("agency_swap", "交通运输局")
    conv = chat(("Who replied about school buses?", ONE))
    r = rewrite("What about the education commission?", conv)
    assert r.question == "For the education commission: Who replied about school buses?"
    assert r.filters.agency == "教育委员会"


def test_english_place_swap() -> None:
    conv = chat(("What did Jiangbei District say about school buses?", ONE))
    r = rewrite("what about Jiangjin District?", conv)
    assert r.question == "What did Jiangjin District say about school buses?"
    # The place stands free in the question: it is the question's words, not a new filter.
    assert (r.reason, r.filters.place) == ("place_swap", None)


# --- follow-ups replace the place, year or number they name and keep the rest ----------

TODAY = date(2025, 6, 1)  # what 去年 / last year count from in these tests


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected", "reason"),
    [
        # 那X呢: a place standing free in the question is replaced, not joined.
        ("南岸区老年食堂建了多少个?", "那九龙坡区呢?", "九龙坡区老年食堂建了多少个?", "place_swap"),
        # X的呢
        ("南岸区老年食堂建了多少个?", "九龙坡区的呢", "九龙坡区老年食堂建了多少个?", "place_swap"),
        # 换成X (no 呢), under a higher place that stays
        (
            "重庆市南岸区老年食堂建了多少个?",
            "换成九龙坡区",
            "重庆市九龙坡区老年食堂建了多少个?",
            "place_swap",
        ),
        # a county replaces a district (one level); 老旧小区 is not a place
        (
            "请问南岸区老旧小区加装电梯有什么补贴?",
            "那石柱土家族自治县呢",
            "请问石柱土家族自治县老旧小区加装电梯有什么补贴?",
            "place_swap",
        ),
        # 去年的呢: relative to today, replacing the year the question named
        (
            "2023年南岸区老年食堂建了多少个?",
            "去年的呢",
            "2024年南岸区老年食堂建了多少个?",
            "year_swap",
        ),
        # 那N年呢, replacing a relative year
        (
            "今年南岸区老年食堂建了多少个?",
            "那2022年呢",
            "2022年南岸区老年食堂建了多少个?",
            "year_swap",
        ),
        # 那第N号呢: the number changes, the kind and session stay
        ("第0123号提案是谁答复的？", "那第0124号呢", "第0124号提案是谁答复的？", "number_swap"),
        (
            "市政协五届三次会议第0310号提案的答复是什么？",
            "第0311号的呢",
            "市政协五届三次会议第0311号提案的答复是什么？",
            "number_swap",
        ),
        # a number with its own kind brings it
        (
            "第0123号提案是谁答复的？",
            "那第0456号建议呢？",
            "第0456号建议是谁答复的？",
            "number_swap",
        ),
        # an agency of the same place (区卫健委 under 南岸区)
        (
            "南岸区民政局对老年食堂怎么答复的?",
            "那区卫健委呢?",
            "南岸区卫健委对老年食堂怎么答复的?",
            "agency_swap",
        ),
        # English: what about X (place, year, number)
        (
            "How many elderly canteens did Nanan District build?",
            "what about Jiulongpo District?",
            "How many elderly canteens did Jiulongpo District build?",
            "place_swap",
        ),
        (
            "How many elderly canteens did Nanan District build in 2023?",
            "what about last year?",
            "How many elderly canteens did Nanan District build in 2024?",
            "year_swap",
        ),
        (
            "How many elderly canteens did Nanan District build in 2023?",
            "and in 2021?",
            "How many elderly canteens did Nanan District build in 2021?",
            "year_swap",
        ),
        (
            "Who replied to proposal No. 0123?",
            "what about No. 124?",
            "Who replied to proposal No. 124?",
            "number_swap",
        ),
    ],
)
def test_follow_up_replaces_what_it_names(
    previous: str, follow_up: str, expected: str, reason: str
) -> None:
    conv = Conversation("t")
    record(conv, previous, rewrite(previous, conv, TODAY), ONE)
    r = rewrite(follow_up, conv, TODAY)
    assert (r.question, r.reason) == (expected, reason)


def test_year_follow_up_without_a_year_leads_with_it() -> None:
    conv = chat(("南岸区老年食堂建了多少个?", ONE))
    assert rewrite("去年的呢", conv, TODAY).question == "2024年南岸区老年食堂建了多少个?"
    conv = chat(("How many elderly canteens were built?", ONE))
    assert rewrite("what about 2022?", conv, TODAY).question == (
        "In 2022: How many elderly canteens were built?"
    )


def test_a_year_inside_a_document_number_is_not_the_question_year() -> None:
    conv = chat(("渝经信复函〔2020〕300号的2021年补贴是多少？", ONE))
    r = rewrite("那2022年呢", conv, TODAY)
    assert r.question == "渝经信复函〔2020〕300号的2022年补贴是多少？"


def test_free_words_swapped_add_no_filter_and_keep_explicit_ones() -> None:
    conv = chat(("南岸区老年食堂建了多少个?", ONE), explicit=Filters(year=2024))
    for follow_up in ("那九龙坡区呢?", "那2023年呢", "那第0124号呢"):
        assert rewrite(follow_up, conv, TODAY).filters == Filters(year=2024)


def test_a_number_follow_up_with_no_number_before_is_its_own_question() -> None:
    r = rewrite("那第0124号呢", chat(("南岸区老年食堂建了多少个?", ONE)), TODAY)
    assert (r.question, r.reason) == ("那第0124号呢", "standalone")


# --- anaphora to a letter ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("这份复函是谁签发的？", f"{ELEVATOR_ZH}是谁签发的？"),
        ("该答复的成文日期是哪天？", f"{ELEVATOR_ZH}的成文日期是哪天？"),
        ("它的文号是什么", f"{ELEVATOR_ZH}的文号是什么"),
        ("who signed it?", f"who signed {ELEVATOR_EN}?"),
        (
            "What does the letter say about subsidies?",
            f"What does {ELEVATOR_EN} say about subsidies?",
        ),
        ("its date?", f"{ELEVATOR_EN}'s date?"),
        ("when was it signed?", f"when was {ELEVATOR_EN} signed?"),
    ],
)
def test_singular_anaphora_names_the_first_cited_letter(follow_up: str, expected: str) -> None:
    r = rewrite(follow_up, chat(("经信委对加装电梯怎么答复的？", LIST)))
    assert (r.question, r.focus_letters, r.reason) == (expected, ("a",), "this_letter")


@pytest.mark.parametrize("follow_up", ["这些复函是谁签发的？", "who signed them?"])
def test_plural_anaphora_names_every_cited_letter(follow_up: str) -> None:
    r = rewrite(follow_up, chat(("哪些部门答复了加装电梯？", LIST)))
    assert r.focus_letters == ("a", "b", "c")
    assert "关于电梯维保的复函" in r.question and SUBSIDY[1] in r.question


def test_dummy_it_is_not_an_anaphor() -> None:
    r = rewrite("Is it true that elevator subsidies ended?", chat(("Who signed it?", LIST)))
    assert (r.reason, r.focus_letters) == ("standalone", ())


def test_anaphora_skips_an_abstention_to_the_last_cited_letters() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", ONE), ("补贴发放到哪一年？", answer()))
    assert rewrite("这份复函是谁签发的？", conv).focus_letters == ("a",)


def test_anaphora_with_nothing_cited_is_left_alone() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", answer()))
    r = rewrite("这份复函是谁签发的？", conv)
    assert (r.question, r.focus_letters) == ("这份复函是谁签发的？", ())


# --- ordinals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "follow_up", ["第二封呢", "第2个", "the second one", "what about the second one?"]
)
def test_ordinal_focuses_on_the_nth_distinct_letter(follow_up: str) -> None:
    r = rewrite(follow_up, chat(("哪些部门答复了加装电梯？", LIST)))
    assert (r.focus_letters, r.reason) == (("b",), "ordinal")
    assert SUBSIDY[1] in r.question


def test_ordinal_with_a_question_keeps_it() -> None:
    conv = chat(("哪些部门答复了加装电梯？", LIST))
    assert rewrite("第二封的文号是什么", conv).question == f"{SUBSIDY_ZH}的文号是什么"
    r = rewrite("最后一封的文号是什么", conv)
    assert (r.question, r.focus_letters) == ("关于电梯维保的复函的文号是什么", ("c",))
    r = rewrite("what's the document number of the second one?", conv)
    assert r.question == f"what's the document number of {SUBSIDY_EN}?"


def test_ordinal_after_a_drill_down_asks_the_same_of_the_next_letter() -> None:
    conv = chat(("哪些部门答复了加装电梯？", LIST), ("这份复函是谁签发的？", ONE))
    r = rewrite("第二封呢", conv)
    assert (r.question, r.focus_letters) == (f"{SUBSIDY_ZH}是谁签发的？", ("b",))


def test_last_of_a_single_letter_is_that_letter() -> None:
    r = rewrite("最后一封呢", chat(("经信委对加装电梯怎么答复的？", ONE)))
    assert (r.focus_letters, r.reason) == (("a",), "ordinal")


def test_ordinal_beyond_the_list() -> None:
    r = rewrite("第五封呢", chat(("哪些部门答复了加装电梯？", LIST)))
    assert (r.question, r.focus_letters, r.reason) == ("第五封呢", (), "ordinal_missing")


# --- more -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "follow_up", ["还有别的吗？", "还有吗", "还有其他的吗", "anything else?", "More?"]
)
def test_more_repeats_the_question_and_excludes_cited_letters(follow_up: str) -> None:
    r = rewrite(follow_up, chat(("经信委对加装电梯怎么答复的？", LIST)))
    assert (r.question, r.reason) == ("经信委对加装电梯怎么答复的？", "more")
    assert (r.exclude_letters, r.focus_letters) == (("a", "b", "c"), ())
    assert r.filters.agency == "经济和信息化委员会"  # same subject: inferred agency carried


def test_more_accumulates_exclusions() -> None:
    conv = chat(("加装电梯有哪些补贴？", ONE), ("还有吗", answer(SUBSIDY)))
    r = rewrite("还有别的吗？", conv)
    assert (r.question, r.exclude_letters) == ("加装电梯有哪些补贴？", ("a", "b"))


@pytest.mark.parametrize("follow_up", ["其他部门呢", "other departments?"])
def test_other_agencies_drop_the_inferred_agency(follow_up: str) -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", ONE), explicit=Filters(year=2020))
    r = rewrite(follow_up, conv)
    assert (r.reason, r.exclude_letters) == ("more", ("a",))
    assert r.filters == Filters(year=2020)


# --- field follow-ups -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("文号呢？", f"{ELEVATOR_ZH}的文号是什么？"),
        ("谁签发的", f"{ELEVATOR_ZH}是谁签发的？"),
        ("日期呢", f"{ELEVATOR_ZH}的日期是什么？"),
        ("签发人是谁？", f"{ELEVATOR_ZH}的签发人是谁？"),
        ("what's the document number?", f"what's the document number of {ELEVATOR_EN}?"),
        ("who signed?", f"who signed {ELEVATOR_EN}?"),
    ],
)
def test_field_followup_names_the_previous_letter(follow_up: str, expected: str) -> None:
    r = rewrite(follow_up, chat(("经信委对加装电梯怎么答复的？", ONE)))
    assert (r.question, r.focus_letters, r.reason) == (expected, ("a",), "field_followup")


def test_field_followup_after_a_list_is_about_every_letter() -> None:
    r = rewrite("文号呢？", chat(("哪些部门答复了加装电梯？", LIST)))
    assert r.focus_letters == ("a", "b", "c")


# --- topic carry ------------------------------------------------------------------------


def test_topic_carries_into_an_elliptical_question() -> None:
    conv = chat(("老旧小区加装电梯有哪些支持政策？", answer()))
    r = rewrite("那补贴标准呢？", conv)
    assert (r.question, r.reason) == ("老旧小区加装电梯支持政策，补贴标准呢？", "topic_carry")


def test_long_question_with_its_own_topic_is_not_elliptical() -> None:
    conv = chat(("老旧小区加装电梯有哪些支持政策？", answer()))
    r = rewrite("那么城镇燃气管道改造的补贴标准是多少呢？", conv)
    assert (r.question, r.reason) == ("那么城镇燃气管道改造的补贴标准是多少呢？", "standalone")


def test_english_topic_carry() -> None:
    conv = chat(("Which agencies support elevator retrofits?", answer()))
    r = rewrite("what about subsidy standards?", conv)
    assert r.question == "agencies support elevator retrofits: what about subsidy standards?"
    assert r.reason == "topic_carry"


# --- filters and memory -----------------------------------------------------------------


def test_filters_carry_forward_and_clear_on_a_new_agency() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", ONE), explicit=Filters(year=2020))
    steps = [
        ("还有吗", "more", Filters(agency="经济和信息化委员会", year=2020)),
        ("这份复函是谁签发的？", "this_letter", Filters(agency="经济和信息化委员会", year=2020)),
        ("那市教委呢？", "agency_swap", Filters(agency="教育委员会", year=2020)),
        ("换成江津区呢", "place_swap", Filters(agency="教育委员会", place="江津区", year=2020)),
        ("市民政局对养老服务怎么答复的？", "standalone", Filters(year=2020)),
        ("哪些部门支持人才政策？", "standalone", Filters(year=2020)),
    ]
    for question, reason, filters in steps:
        r = rewrite(question, conv)
        assert (question, r.reason, r.filters) == (question, reason, filters)
        record(conv, question, r, ONE)
        assert conv.filters == filters


def test_record_keeps_a_bounded_history() -> None:
    conv = Conversation("t", max_turns=3)
    for i in range(5):
        question = f"第{i}号建议怎么答复的？"
        record(conv, question, rewrite(question, conv), ONE)
    assert [t.question for t in conv.turns] == [f"第{i}号建议怎么答复的？" for i in (2, 3, 4)]
    assert conv.turns[-1].rewritten == "第4号建议怎么答复的？"


def test_record_stores_what_was_asked() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", ONE))
    r = rewrite("文号呢？", conv)
    record(conv, "文号呢？", r, ONE)
    turn = conv.turns[-1]
    assert (turn.question, turn.rewritten, turn.answer, turn.filters) == (
        "文号呢？",
        r.question,
        ONE,
        r.filters,
    )


def test_rewrite_is_pure() -> None:
    conv = chat(("经信委对加装电梯怎么答复的？", LIST))
    before = (list(conv.turns), conv.filters)
    assert rewrite("第二封呢", conv) == rewrite("第二封呢", conv)
    assert (list(conv.turns), conv.filters) == before
