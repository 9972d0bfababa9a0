"""The answer mechanism piece by piece: question frame, typed spans, topic terms, English
renderings, pinyin names, and the answer's shape over the made-up demo letters.

Every letter text here and in examples/letters is made up.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.answer.english import number_en
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.frame import read_frame
from rag.answer.spans import asked_unit
from rag.config import Settings
from rag.pipeline import build_folder, open_retriever
from rag.search.names import PinyinNames, spelled_names

# -- the question frame ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("老年食堂建了多少个?", "number"),
        ("路灯什么时候能修好?", "time"),
        ("为什么不建水库?", "reason"),
        ("能不能在路口装红绿灯?", "status"),
        ("What is the budget for the street lights?", "number"),
    ],
)
def test_the_frame_reads_what_kind_of_answer_is_wanted(question: str, ask: str) -> None:
    assert read_frame(question).parts[0].ask == ask


def test_a_question_with_two_asks_has_two_parts() -> None:
    frame = read_frame("卫生院现有多少床位?改建面临什么问题?")
    assert [p.ask for p in frame.parts][:1] == ["number"] and len(frame.parts) == 2


def test_an_english_and_before_a_question_word_starts_a_part() -> None:
    frame = read_frame("Which agency replied about public toilets, and what will it build?")
    assert [p.fields for p in frame.parts] == [("agency",), ()]
    assert len(read_frame("What is the document number and who signed it?").parts) == 2


def test_government_in_general_is_neither_a_sender_nor_the_topic() -> None:
    frame = read_frame("老楼装电梯政府能补贴多少钱?")
    assert frame.bodies == () and "政府" not in frame.topic
    # With a place it is a body that replies.
    assert read_frame("南岸区政府对老楼装电梯怎么答复的?").bodies


def test_the_kind_asked_for_is_not_part_of_the_topic() -> None:
    frame = read_frame("区市场监管局提到的“便民早市”在哪个街道?")
    assert frame.parts[0].ask == "place" and "街道" not in frame.topic
    assert frame.bodies[0].sender  # "X提到的": what X's letter says


def test_alternatives_joined_by_huozhe_are_one_term_and_share_their_object() -> None:
    # 加固或者修复河堤: two actions on one thing; 要求 only leads into what was asked for.
    assert read_frame("有哪些建议是要求加固或者修复河堤的?").topic == "加固河堤|修复河堤"
    assert read_frame("哪些答复是关于危桥或者老桥改造的?").topic == "危桥|老桥改造"


# -- typed spans -------------------------------------------------------------------------


def test_an_amount_of_money_is_not_a_count_of_households() -> None:
    asked = asked_unit("老楼装电梯政府能补贴多少钱?")
    assert asked is not None and asked[1]  # strict: money only
    unit = asked[0]
    assert not unit.search("惠及居民约1.5万户")
    assert unit.search("每台8万元") and unit.search("投入资金3000万,")


def test_what_is_put_in_is_money_unless_it_is_counted() -> None:
    assert asked_unit("这条线一共投入了多少？")[1]  # money
    assert asked_unit("投入了多少资金？")[1]
    counted = asked_unit("这条线投入了几辆车？")
    assert counted is not None and not counted[1] and counted[0].search("新增1辆")
    assert asked_unit("新站点什么时候投入使用？") is None


def test_english_amounts_are_converted() -> None:
    assert number_en("186万元") == "1.86 million yuan"
    assert number_en("680亿元") == "68 billion yuan"
    assert number_en("3.5万人") == "35,000 people"
    assert number_en("2-5万元") == "20,000–50,000 yuan" and number_en("1-2亿元") == "100–200 million yuan"  # ranges


# -- pinyin names --------------------------------------------------------------------------


def test_pinyin_names_are_told_from_english_words() -> None:
    names = spelled_names("What did Shanghai Putuo's greening bureau say about Human Resources?")
    assert names == ["Shanghai", "Putuo"]
    assert spelled_names("Which agency answered Wang Qin's suggestion?") == []  # one syllable each


def test_a_name_is_written_when_each_syllable_pair_is() -> None:
    names = PinyinNames(["九龙坡区住房和城乡建设委员会（示例）", "南岸区民政局"])
    assert names.written("Jiulongpo") and names.written("Nan'an")
    assert not names.written("Shanghai")


# -- answers over the made-up demo letters ----------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_index: Path) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(open_retriever(demo_index, Settings(embedder="hash")))


def test_the_fact_comes_first_then_the_source_then_whole_sentences(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("老楼装电梯政府能补贴多少钱?")
    lines = answer.text.splitlines()
    assert "8万元" in lines[0] and lines[0].endswith("[1]")  # the amount, in the letter's words
    assert lines[1].startswith("——") and "九龙坡区" in lines[1]  # the letter, named by its record
    letters = demo.retriever.index.letters
    for line, c in zip(lines[2:], answer.citations[1:], strict=False):
        assert line.startswith("· ")
        text = letters[c.letter_id].text
        # A supporting quote is a whole sentence: it ends where the letter's sentence ends
        # and starts after the previous one (or at a line start).
        ends = c.quote[-1] in "。；;！？!?" or text[c.end : c.end + 1] in ("", "\n")
        starts = c.start == 0 or text[c.start - 1] in "。；;！？!?\n"
        assert ends and starts, c.quote


def test_no_formula_or_salutation_is_quoted_as_evidence(demo: ExtractiveAnswerer) -> None:
    for question in ("老楼装电梯政府能补贴多少钱?", "南岸区老年食堂建了多少个?", "哪些部门支持人才政策?"):
        for c in demo.answer(question).citations:
            assert not re.fullmatch(r"[^。]{0,30}(?:代表|委员)[:：]", c.quote), c.quote
            assert "现答复如下" not in c.quote and "收悉" not in c.quote, c.quote


def test_a_place_with_no_letter_is_named_in_the_abstention(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("上海市老楼装电梯能补贴多少钱?")
    assert not answer.answered and answer.citations == () and "上海市" in answer.text


def test_list_rows_are_named_by_each_letters_own_sender(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("哪些部门支持人才政策?")
    letters = demo.retriever.index.letters
    rows = [line for line in answer.text.splitlines() if re.match(r"\d+\. ", line)]
    assert answer.text.startswith(f"共{len(rows)}封")
    for row in rows:
        first = int(re.search(r"\[(\d+)\]", row).group(1))  # type: ignore[union-attr]
        letter = letters[answer.citations[first - 1].letter_id]
        assert row.split("（")[0].split(" ", 1)[1] == letter.fields.agency_canonical


def test_replies_about_a_topic_say_which_suggestion_each_answers(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("关于老年食堂的答复有哪些?")
    assert answer.route == "enumeration"
    assert any(c.quote.count("《") and "老年" in c.quote for c in answer.citations)


def test_an_english_question_gets_the_figure_in_english(demo: ExtractiveAnswerer) -> None:
    answer = demo.answer("How much is the subsidy for adding elevators in Jiulongpo?")
    first = answer.text.splitlines()[0]
    assert first.startswith("80,000 yuan") and "8万元" in first
    assert answer.citations[0].source.startswith("06_")


def test_a_year_typed_against_a_place_is_not_part_of_it() -> None:
    frame = read_frame("23年綦江区教委对职业教育提案咋答复的")
    assert frame.bodies[0].places == ("綦江区",)


def test_a_letter_without_a_sender_is_named_by_its_title() -> None:
    from rag.answer.compose import letter_label
    from rag.types import Letter, LetterFields

    letter = Letter("x", "x.txt", "示例", LetterFields(number="12", kind="建议"))
    assert letter_label(letter, english=False) == "《对第12号建议的答复》"
    assert letter_label(Letter("y", "y.txt", "示例", LetterFields()), english=False) == "（未写明发文单位）"


def test_a_chinese_answer_dates_its_letter_as_chinese_letters_do() -> None:
    from rag.answer.compose import letter_label
    from rag.types import Letter, LetterFields

    fields = LetterFields(agency="某县交通运输局", doc_number="某交复〔2022〕3号", date="2022-07-09")
    letter = Letter("x", "x.txt", "示例", fields)
    assert letter_label(letter, english=False).endswith("（某交复〔2022〕3号，2022年7月9日）")
    assert letter_label(letter, english=True).endswith("(某交复〔2022〕3号, 2022-07-09)")
    month = Letter("y", "y.txt", "示例", LetterFields(agency="某县交通运输局", date="2019-11"))
    assert letter_label(month, english=False) == "某县交通运输局（2019年11月）"


def test_a_title_holding_a_title_marks_the_inner_one_as_printed() -> None:
    from rag.answer.compose import letter_label
    from rag.types import Letter, LetterFields

    nested = Letter("z", "z.txt", "示例", LetterFields(title="对《关于示例园区建设的建议》的答复"))
    assert letter_label(nested, english=False) == "《对〈关于示例园区建设的建议〉的答复》"


def test_the_questions_own_words_break_a_tie_between_paraphrases() -> None:
    from rag.answer.topic import TopicModel
    from rag.search.lexicon import default_tokenizer

    texts = ["老楼装电梯每台补助8万元。", "既有住宅增设电梯412台。", "老年食堂每餐补贴3元。"]  # made up
    model = TopicModel(texts, default_tokenizer())
    terms = model.terms("老楼装电梯")
    assert len(terms[0].forms) > 1  # the lexicon's paraphrases count as the term
    assert model.coverage(terms, texts[0]) == model.coverage(terms, texts[1]) == 1.0
    assert model.literal(terms, texts[0]) > model.literal(terms, texts[1])


def test_read_strictly_a_part_said_another_way_is_not_the_word() -> None:
    from rag.answer.topic import TopicModel
    from rag.search.lexicon import default_tokenizer

    texts = ["农村饮水安全工程年内通水。", "农村公路完成硬化。", "社区老年食堂每餐补贴3元。"]  # made up
    model = TopicModel(texts, default_tokenizer())
    loose, strict = model.terms("农村饮水")[0], model.terms("农村饮水", strict=True)[0]
    assert "农村" in loose.forms and "农村" not in strict.forms  # a part alone
    assert model.term_coverage(strict, texts[1]) < 0.5 <= model.term_coverage(loose, texts[1])
    assert model.term_coverage(strict, texts[0]) == 1.0
    # A long head says the compound without its modifier.
    assert "老年食堂" in model.terms("社区老年食堂", strict=True)[0].forms


def _letter(body: str, sender: str, addressee: str = "张三代表", date: str = "2024年5月1日") -> str:
    """A made-up reply letter around `body`."""
    return f"【示例】虚构。\n{addressee}：\n您的建议收悉，现答复如下：\n{body}\n{sender}\n{date}\n"


def _answerer(tmp_path: Path, letters: dict[str, str]) -> ExtractiveAnswerer:
    """An answerer over made-up letters (file name → text), indexed with the hash embedder."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in letters.items():
        (docs / name).write_text(text, encoding="utf-8")
    build_folder(docs, tmp_path / "index", Settings(embedder="hash"))
    return ExtractiveAnswerer(open_retriever(tmp_path / "index", Settings(embedder="hash")))


def _one_letter(tmp_path: Path, body: str, sender: str) -> ExtractiveAnswerer:
    """An answerer over one made-up letter around `body`."""
    return _answerer(tmp_path, {"a.txt": _letter(body, sender)})


def _sentences_of(tmp_path: Path, text: str) -> list[str]:
    """The sentences a made-up letter offers to quote, as an index built over it reads them."""
    from rag.answer.reading import sentences

    answerer = _answerer(tmp_path, {"a.txt": text})
    return [x.text for x in sentences(next(iter(answerer.retriever.index.letters.values())))]


def test_a_letter_meeting_what_the_question_names_softly_answers_first(tmp_path: Path) -> None:
    # Made up: two districts' letters on elderly canteens; the question names the second's
    # district (a district is a soft constraint: letters often leave out their own place).
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "全区老年食堂已建成42个，老年食堂覆盖所有街道，老年食堂运营补贴每年发放。", "某某市南岸区民政局"
        ),
        "b.txt": _letter(
            "全区已建成长者饭堂和食堂2个，明年再建1个。", "某某市江北区民政局", "李四代表", "2024年6月1日"
        ),
    })  # fmt: skip
    answer = answerer.answer("江北区老年食堂建了几个?")
    assert answer.answered and answer.citations[0].source == "b.txt"


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("这件建议是哪次会议上提的?", "session"),
        ("At which session was it raised?", "session"),
        ("提案原题叫什么?", "subject"),
        ("这份协办意见是写给哪个单位的?", "addressee"),
        ("兰亭镇第17号建议是答复给谁的？", "addressee"),
        ("请问这封复函是什么时候发布的?", "date"),
        ("这封复函答复的是哪号建议？", "number"),
        ("答复的是哪几位代表？", "addressee"),
        ("经办人是谁？", "contact"),
    ],
)
def test_field_questions_in_other_words(question: str, field: str) -> None:
    from rag.search.query import analyze

    assert field in analyze(question).intents
    assert field in read_frame(question).fields


def test_spoken_gen_joins_two_things_but_not_in_genjin() -> None:
    topic = read_frame("白鹤路跟澳海路那个路口啥时候装红绿灯?").topic.split()
    assert "白鹤路" in topic and "澳海路" in topic
    assert any("跟进" in w for w in read_frame("路灯维修有没有专人跟进处理?").topic.split())


def test_a_time_given_later_in_the_paragraph_answers(tmp_path: Path) -> None:
    # Made up: the paragraph names the crossing, then says when, about "该项目".
    body = (
        "示例大道与样例路路口车流量大，拥堵突出。交巡警支队拟在示例大道与样例路路口安装一组交通信号灯。"
        "目前，该项目正在落实资金，力争在年内安装运行。"
    )
    answerer = _answerer(tmp_path, {"a.txt": _letter(body, "某某市示例区公安局")})
    answer = answerer.answer("示例大道跟样例路路口的红绿灯什么时候能装好？")
    assert answer.answered and answer.text.startswith("目前，该项目正在落实资金，力争在年内安装运行。")


def test_naming_the_place_does_not_outrank_answering_the_topic(tmp_path: Path) -> None:
    # Made up: letter a names 示例路街道 on another matter; letter b answers the question.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例路街道现有便民集市一处，运营良好。", "某某市示例区市场监督管理局"),
        "b.txt": _letter(
            "示例路地区为独居老人提供智能手环150个、智能报警器110个。", "某某市示例区民政局", "李四代表",
            "2024年6月1日",
        ),
    })  # fmt: skip
    answer = answerer.answer("示例路街道给独居老人发了多少智能手环？")
    assert answer.answered and "150个" in answer.text and answer.citations[0].source.endswith("b.txt")


def test_clauses_naming_their_own_letters_are_answered_from_each(tmp_path: Path) -> None:
    # Made up: one question, two clauses, each about another district's letter.
    answerer = _answerer(tmp_path, {
        f"{name}.txt": _letter(f"{fact}。", f"某某市{district}民政局")
        for name, district, fact in (
            ("a", "南岸区", "老年食堂已建成42个"),
            ("b", "江北区", "全区公厕改造工程已完成18座"),
            ("c", "渝北区", "路灯维修已于今年完成"),  # others, so that words have a rarity
            ("d", "巴南区", "农村饮水工程年内通水"),
        )
    })  # fmt: skip
    answer = answerer.answer("南岸区民政局建成了多少个老年食堂？江北区民政局改造了多少座公厕？")
    assert answer.answered and "42个" in answer.text and "18座" in answer.text
    assert {c.source.rsplit("/", 1)[-1] for c in answer.citations} == {"a.txt", "b.txt"}
    # Clauses about one letter stay one question.
    frame = read_frame("南岸区民政局建成了多少个老年食堂？民政局还打算做什么？")
    assert answerer._own_letters(frame) is None


def test_a_when_question_the_letter_does_not_date_gets_its_status_words(tmp_path: Path) -> None:
    # Made up: the letter says where the request stands but gives no date.
    facts = {
        "a": "示例路与样例街路口安装红绿灯已经纳入工作计划，待政府批复后按照采购流程推进安装建设。",
        "b": "全区老年食堂已建成42个，运营补贴按季度发放。",
        "c": "农村饮水工程已完成管网铺设，群众用水得到保障。",
    }
    answerer = _answerer(
        tmp_path, {f"{name}.txt": _letter(fact, "某某市示例区公安局") for name, fact in facts.items()}
    )
    answer = answerer.answer("示例路样例街路口的红绿灯什么时候装？")
    assert answer.answered and answer.text.startswith("示例路与样例街路口安装红绿灯已经纳入工作计划")


def test_a_city_bureau_is_not_its_districts_bureau_that_cites_it(tmp_path: Path) -> None:
    """A district bureau's letter that cites the city bureau of its kind (市民政局《…方案》) is
    not the city bureau's answer; nor is another district's bureau the one the question names
    with its places run together (上海甲区)."""
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter(
                "按照市民政局《发展老年助餐服务实施方案》要求，全区已建成12个社区老年食堂。",
                "虚构市乙区民政局",
            ),
            "b.txt": _letter("我局每年做好行道树修剪工作，保持安全距离。", "虚构市丙区绿化和市容管理局"),
        },
    )
    city = a.answer("虚构市民政局对发展老年助餐服务的建议是怎么答复的？")
    assert not city.answered and "虚构市民政局" in city.text
    district = a.answer("虚构市乙区民政局对发展老年助餐服务的建议是怎么答复的？")
    assert district.answered and "12个" in district.text
    other = a.answer("虚构丁区绿化市容局对行道树修剪的建议是怎么答复的？")
    assert not other.answered
    same = a.answer("虚构丙区绿化市容局对行道树修剪的建议是怎么答复的？")
    assert same.answered


def test_a_sender_without_a_place_writing_as_a_county_is_not_the_city_bureau(tmp_path: Path) -> None:
    """A letter signed only 民政局 that calls its place 我县 is a county's bureau: it does not
    answer for the city bureau the question names, though it cites 市民政局."""
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter(
                "我县按照市民政局要求发展老年助餐服务，我县已建成8个老年食堂，我县将继续推进。",
                "民政局",
            )
        },
    )
    assert not a.answer("虚构市民政局对发展老年助餐服务的建议是怎么答复的？").answered
    assert a.answer("民政局对发展老年助餐服务的建议是怎么答复的？").answered


def test_whether_any_letter_is_about_a_thing_needs_the_thing_as_named(tmp_path: Path) -> None:
    """有没有关于X的答复 lists the letters about X; a letter that says X's words apart (长期…
    保险) is not one, and with none the answer says so."""
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter("门诊长期用药的病种已列入基本医疗保险报销范围。", "虚构市医疗保障局"),
            "b.txt": _letter("我区已建成12个社区老年食堂，老年助餐服务覆盖全区。", "虚构市乙区民政局"),
        },
    )
    none = a.answer("有没有关于长期护理保险的建议答复？")
    assert not none.answered and "长期护理保险" in none.text
    some = a.answer("有没有关于老年助餐服务的建议答复？")
    assert some.answered and "乙区民政局" in some.text and "医疗保障局" not in some.text


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        # Two asks typed as one sentence, the second without a question word at its head.
        ("坪坝那个集聚区什么时候批的，主打哪两个产业", ["time", "what"]),
        # A clause ending in 吗 asks yes or no; 归谁管 asks which body manages it.
        ("城管局同意加密路灯了吗？那段路归谁管", ["status", "body"]),
        # A clause that asks nothing leads the part after it.
        ("萱花路斑马线的建议，哪些事项被采纳了？", ["what"]),
    ],
)
def test_asks_typed_together_are_parts(question: str, asks: list[str]) -> None:
    from rag.search.typed import retype

    text = retype(question)[0]
    assert [p.ask for p in read_frame(text).parts] == asks


def test_who_manages_a_road_asks_the_letter_not_who_replied() -> None:
    assert "agency" not in read_frame("这段路由哪个部门管理？").fields
    assert "agency" in read_frame("这封建议是哪个部门答复的？").fields


def test_a_sentence_led_by_the_suggestions_words_answers_with_the_rest(tmp_path: Path) -> None:
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter(
                "针对代表提出的甲村公交出行诉求，我局已联合乙公交公司于6月20日与村委开展座谈。"
                "下一步，我局将优化甲村公交线路。",
                "虚构市交通局",
            )
        },
    )
    answer = a.answer("甲村公交的事，交通局什么时候跟村委座谈的？")
    assert "6月20日" in answer.text.splitlines()[0]
    assert "针对代表提出" not in answer.text


def test_a_body_joined_to_a_placed_one_shares_its_place() -> None:
    from rag.answer.frame import read_bodies

    bodies = read_bodies("虚构县水务局和交通局各自给的理由是什么？")
    assert [b.places for b in bodies] == [("虚构县",), ("虚构县",)]
    assert read_frame("虚构县水务局和交通局各自给的理由是什么？").compare


def test_a_town_whose_name_holds_shi_is_one_place() -> None:
    from rag.answer.frame import read_places

    assert read_places("湖洋镇的寨背市镇大桥是危桥吗") == ("湖洋镇", "寨背市镇")
    assert read_places("重庆市渝中区的事") == ("重庆市", "渝中区")


def test_a_person_is_a_name_before_a_role_not_a_role_before_another() -> None:
    from rag.answer.gate import persons

    assert persons("王琴代表提的建议") == ["王琴"] and persons("李中宇委员的提案") == ["李中宇"]
    assert persons("有代表委员反映桥坏了要求修") == []  # 代表 and 委员 are roles
    assert persons("有王琴代表提过吗") == ["王琴"]


def test_a_place_whose_name_starts_with_a_leading_word_keeps_it() -> None:
    """个 (一个) and 和 (and) lead into a place in 在X市 / 和X区, but 个旧市, 和田市 and 和平区
    begin with them: a name the gazetteer knows keeps its first character."""
    from rag.answer.frame import read_places

    assert read_places("个旧市区公交的晚高峰是几点") == ("个旧市",)
    assert read_places("给和田市的答复") == ("和田市",)
    assert read_places("对和平区的建议怎么答复的") == ("和平区",)
    assert read_places("杭州西湖区有代表提过吗") == ("杭州西湖区",)  # a city before its district stays
    assert read_places("关于解决二圣镇的建议") == ("二圣镇",)  # words that lead in still go


def test_a_division_running_past_its_first_level_word_is_one_place() -> None:
    """津市市 is a county-level city whose name holds 市: not 津市 and a stray 市."""
    from rag.answer.frame import read_places

    assert read_places("津市市危桥改建的建议是怎么答复的") == ("津市市",)
    assert read_places("关于津市市的建议") == ("津市市",)
    assert read_places("重庆市市级部门") == ("重庆市",)  # 重庆市市 is no place


def test_a_county_no_letter_names_is_what_the_collection_lacks(tmp_path: Path) -> None:
    """A county is a soft constraint (letters often write only 我县), but one that no letter
    writes in any form, nor any file name spells, is not answered from the next county."""
    letters = {
        "a.txt": _letter("我县已建成移动通信基站12座，今年再建5座，解决村小组手机信号差的问题。", "某某市马关县工信局"),
    }
    answerer = _answerer(tmp_path, letters)
    answer = answerer.answer("西畴县有没有答复过村小组手机信号差、要建信号塔的建议？")
    assert not answer.answered and "西畴县" in answer.text and answer.citations == ()
    assert answerer.answer("马关县村小组手机信号差要建几座基站？").answered


def test_a_county_only_the_file_name_spells_is_in_the_collection(tmp_path: Path) -> None:
    """A letter signed 县工信局 that writes only 我县 is still the county's when its file is
    named for it in pinyin (xichou_…): the county does not make the question abstain."""
    letters = {
        "012_xichou_gongxin_2024.txt": _letter("我县已建成移动通信基站12座，今年再建5座，解决村小组手机信号差的问题。", "县工信局"),
    }
    answer = _answerer(tmp_path, letters).answer("西畴县村小组手机信号差要建几座基站？")
    assert answer.answered and answer.citations[0].source == "012_xichou_gongxin_2024.txt"


def test_a_title_with_its_sender_in_brackets_names_the_sender(tmp_path: Path) -> None:
    """A portal's heading 对…第3号建议的答复(水利局); a question naming the county's bureau
    reaches it when the letter names that county."""
    text = (
        "【示例】虚构。\n对县十届人大一次会议第3号建议的答复(水利局)\n\n张三代表:\n"
        "你提出的“关于加固甲河河堤”的建议收悉。现答复如下:\n"
        "甲河是虚构县的母亲河,甲河河堤加固已纳入规划,将适时组织实施。感谢你对我县水利工作的支持。\n"
    )
    a = _answerer(tmp_path, {"a.txt": text})
    assert a.retriever.index.letters[next(iter(a.retriever.index.letters))].fields.agency == "水利局"
    assert a.answer("虚构县水利局答复的河堤建议说的是哪条河？").answered
    assert not a.answer("另一县水利局答复的河堤建议说的是哪条河？").answered


def test_a_city_ending_in_a_generic_word_is_a_place() -> None:
    """门市 is a shop front only as the whole word: 厦门市 and 荆门市 are cities."""
    from rag.answer.frame import read_places

    assert read_places("厦门市对电动自行车充电的建议怎么答复的？") == ("厦门市",)
    assert read_places("门市的租金多少") == ()


def test_whether_a_suggestion_on_a_thing_was_answered_needs_all_of_it(tmp_path: Path) -> None:
    """X的建议，有部门答复过吗 asks for the letters about all of X: one that says 电动车 but
    not 充电桩 is not one."""
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter("我局将在主干道设置电动车与机动车分流车道，规范电动车通行。", "虚构区公安局"),
            "b.txt": _letter("今年将在甲小区新建电动车充电桩20个，解决电动车充电难。", "虚构区住建局"),
        },
    )
    answer = a.answer("电动车充电桩进小区的建议 有部门答复过吗")
    assert answer.answered and "住建局" in answer.text and "公安局" not in answer.text


def test_when_something_was_done_is_not_the_letters_date() -> None:
    assert "date" not in read_frame("那段路面哪天完工的？").fields
    assert "date" in read_frame("这封复函落款是哪天？").fields
    assert "date" in read_frame("哪天答复的？").fields


def test_a_year_the_question_names_picks_its_sentence(tmp_path: Path) -> None:
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter(
                "2020年招聘教师26名，其中音乐4名。2022年计划招聘教师48名，其中音乐6名。", "虚构县教育局"
            )
        },
    )
    first = a.answer("虚构县22年计划招几个音乐老师").text.splitlines()[0]
    assert "音乐6名" in first


def test_a_name_an_english_question_spells_is_part_of_its_topic(tmp_path: Path) -> None:
    """Two letters on sewage; the one naming 云溪镇 (Yunxi) answers, and says its figure."""
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter("云溪镇对青石河生活污水治理已投资300多万元，清迁养殖场5家。", "虚构县云溪镇人民政府"),
            "b.txt": _letter("甲镇生活污水治理已投资900多万元，清迁养殖场9家。", "虚构县甲镇人民政府"),
        },
    )
    answer = a.answer("How much did Yunxi town invest in sewage treatment?")
    assert answer.answered and "300" in answer.text and "900" not in answer.text
    # Names carry the question when its English words are common ones.
    named = a.answer("What did Yunxi do about the Qingshi?")
    assert named.answered and "云溪镇" in named.text


def test_fields_decide_lists_by_category_and_by_a_places_senders(tmp_path: Path) -> None:
    """哪几件是C类 and 甲乙县都有哪些部门的答复 are read from every letter's fields, bounded by
    the place the question names."""
    def graded(body: str, sender: str, grade: str) -> str:
        return _letter(body, sender).replace("【示例】虚构。\n", f"【示例】虚构。\n类别:{grade}\n")

    a = _answerer(
        tmp_path,
        {
            "a.txt": graded("我局将修复甲村水渠。", "甲乙县水务局", "C"),
            "b.txt": graded("我局将硬化乙村道路。", "甲乙县交通运输局", "B"),
            "c.txt": graded("我局将整治丙村河道。", "丙丁县水务局", "C"),
        },
    )
    c_class = a.answer("甲乙县的答复函里面，哪几件是C类办理的？")
    assert c_class.text.startswith("共1封") and "甲乙县水务局" in c_class.text
    senders = a.answer("甲乙县都有哪些部门的答复函？")
    assert senders.text.startswith("共2封") and "丙丁县" not in senders.text


def test_the_suggestion_a_letter_restates_says_what_it_is_about(tmp_path: Path) -> None:
    """A letter whose topic word stands only in the suggestion it restates (你提出的“关于加固
    甲河河堤,提高防洪能力”的建议收悉) is still about it; the restatement, commas and all, is
    not quoted as the answer."""
    text = (
        "【示例】虚构。\n张三代表:\n你提出的“关于加固甲河河堤,提高防洪能力”的建议收悉。现答复如下:\n"
        "你提出的关于加固甲河河堤,提高防洪能力的建议很好。甲河是虚构县的母亲河,该段河道治理已纳入"
        "规划,将适时组织实施。\n虚构县水利局\n2012年6月18日\n"
    )
    a = _answerer(tmp_path, {"a.txt": text})
    answer = a.answer("虚构县水利局答复的河堤建议说的是哪条河？")
    assert answer.answered and answer.text.startswith("甲河是虚构县的母亲河")


def test_a_time_told_by_a_holiday_answers_when(tmp_path: Path) -> None:
    a = _answerer(
        tmp_path,
        {
            "a.txt": _letter(
                "2020年我局完成了虚构广场亮化工程。节日彩灯线路老化，春节后已将节日彩灯全部撤除。",
                "虚构区城市管理局",
            )
        },
    )
    first = a.answer("虚构区城管局节日彩灯啥时候撤的").text.splitlines()[0]
    assert "春节后" in first and "2020年" not in first


def test_a_place_level_word_inside_a_longer_word_is_not_the_kind_asked() -> None:
    """哪条省际公交 asks which bus line (省际 is part of the topic), 哪个省 asks a province."""
    assert "省际公交" in read_frame("安岳县开通了哪条省际公交？").topic
    assert read_frame("这条公交通往哪个省？").topic.strip() in ("公交通往", "公交 通往", "")


def _lamp_letters(tmp_path: Path) -> ExtractiveAnswerer:
    # Made up: a town's street-lamp reply that gives counts and a plan but no cost, no date to
    # the day, no contractor and no lamp model.
    return _answerer(tmp_path, {
        "lamps.txt": _letter(
            "青石镇场镇路灯亮化工程已于今年启动，目前已安装太阳能路灯120盏。"
            "下一步，我镇将对背街小巷的路灯进行改造。",
            "某某县青石镇人民政府",
        ),
        "other.txt": _letter("全县已建成公共厕所30座，由县城管局负责日常保洁。", "某某县城市管理局"),
    })  # fmt: skip


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("青石镇路灯亮化工程是哪家公司安装的？", "哪家公司安装"),
        ("青石镇安装的太阳能路灯是什么型号？", "是什么型号"),
        ("青石镇背街小巷路灯具体哪天开始改造？", "哪天开始改造"),
    ],
)
def test_a_detail_the_letter_does_not_give_is_said_to_be_unstated(
    tmp_path: Path, question: str, said: str
) -> None:
    answer = _lamp_letters(tmp_path).answer(question)
    assert not answer.answered
    first = answer.text.splitlines()[0]
    assert first.startswith("该复函没有写明") and said in first
    # …and what the letter does say about it follows, quoted and cited.
    assert "青石镇" in answer.text and answer.citations and answer.citations[0].source == "lamps.txt"


def test_a_plain_when_is_answered_by_the_letters_own_time_words(tmp_path: Path) -> None:
    answer = _lamp_letters(tmp_path).answer("青石镇背街小巷的路灯什么时候改造？")
    assert answer.answered and "下一步" in answer.text.splitlines()[0]


def _suggestion_letters(tmp_path: Path) -> ExtractiveAnswerer:
    # Made up: two counties' replies on roadside sewage and village toilets.
    return _answerer(tmp_path, {
        "sewage.txt": "关于加快城郊污水管网建设的建议的答复\n" + _letter(
            "我局将逐年完成城郊结合部污水管网建设，实现生活污水统一处置。", "某某县住房和城乡建设局"
        ),
        "toilets.txt": "关于改善农村公共厕所卫生的建议的答复\n" + _letter(
            "全县农村公共厕所已全部落实专人保洁，公共厕所管理纳入村规民约。", "某某县农业农村局", "李四代表"
        ),
    })  # fmt: skip


def test_a_suggestion_the_question_names_must_be_the_one_a_letter_answers(tmp_path: Path) -> None:
    # The question names a suggestion (关于规划建设公益性公墓的建议); the toilet letter shares
    # 公共/建设 but answers another suggestion: the answer says none answers it, naming it.
    answerer = _suggestion_letters(tmp_path)
    answer = answerer.answer("关于规划建设公益性公墓的建议，住建局是怎么答复的？")
    assert not answer.answered and "公益性公墓" in answer.text
    # Not found, named as asked: the suggestion's words, not the asking ones around them.
    answer = answerer.answer("有没有代表提过关于殡葬改革的建议？")
    assert not answer.answered and "“殡葬改革”" in answer.text
    assert answerer.answer("关于城郊污水管网建设的建议是怎么答复的？").answered


def test_asking_how_many_replies_a_suggestion_got_is_a_list(tmp_path: Path) -> None:
    from rag.answer.frame import read_frame
    from rag.search.query import analyze

    question = "关于污水管网或者公共厕所的建议，有哪几份答复？"
    assert read_frame(question, analyze(question)).wants_list
    answer = _suggestion_letters(tmp_path).answer(question)
    assert answer.answered and {c.source for c in answer.citations} == {"sewage.txt", "toilets.txt"}


def test_how_often_is_answered_by_a_length_of_time(tmp_path: Path) -> None:
    # Made up: the interval (每4-6分钟) answers 多久一趟, not the sentence about timetables.
    answerer = _answerer(tmp_path, {
        "bus.txt": _letter(
            "我局已督促公交公司优化高峰时段的线路调度安排。高峰时段加大发车密度，平均每4-6分钟发出一趟车。",
            "某某市交通运输局",
        ),
    })  # fmt: skip
    answer = answerer.answer("高峰期公交多久发一趟车？")
    assert answer.answered and "4-6分钟" in answer.text.splitlines()[0]


def _two_school_letters(tmp_path: Path) -> ExtractiveAnswerer:
    # Made up: two counties' replies on new school dormitories, written on different dates.
    return _answerer(tmp_path, {
        "east.txt": _letter(
            "东坡县东坡中学学生宿舍不足，我局已规划新建学生宿舍一栋，面积1200平方米，计划明年开工。",
            "某某省东坡县教育局", "王五代表", "2021年3月5日",
        ),
        "west.txt": _letter(
            "西岭县西岭中学将在原址新建学生宿舍，规划面积860平方米，资金已落实。",
            "某某省西岭县教育局", "赵六代表", "2020年9月18日",
        ),
    })  # fmt: skip


@pytest.mark.parametrize(
    ("question", "items", "dates"),
    [
        ("东坡县教育局回复东坡中学宿舍那件，跟西岭县教育局回复西岭中学那件，哪个答复得早？", 2, True),
        ("东坡中学和西岭中学都要新建宿舍，哪个规划的面积更大？", 2, False),
        ("东坡中学宿舍规划面积多大？", 0, False),
    ],
)
def test_a_comparison_of_two_things_is_read_from_the_question(question: str, items: int, dates: bool) -> None:
    from rag.answer.compare import read_comparison

    comparison = read_comparison(question)
    assert (len(comparison.items) if comparison else 0) == items
    if comparison:
        assert comparison.dates == dates


def test_which_replied_earlier_is_computed_and_stated_first(tmp_path: Path) -> None:
    answer = _two_school_letters(tmp_path).answer(
        "东坡县教育局回复东坡中学宿舍那件，跟西岭县教育局回复西岭中学那件，哪个答复得早？"
    )
    first = answer.text.splitlines()[0]
    assert answer.answered and first.startswith("某某省西岭县教育局的答复（2020年9月18日）早于")
    assert {c.source for c in answer.citations} == {"east.txt", "west.txt"}


def test_which_is_larger_compares_the_amounts_in_the_asked_unit(tmp_path: Path) -> None:
    answer = _two_school_letters(tmp_path).answer("东坡中学和西岭中学都要新建宿舍，哪个规划的面积更大？")
    first = answer.text.splitlines()[0]
    assert "（1200平方米）比" in first and "（860平方米）大" in first and first.startswith("东坡中学")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("石桥乡修缮老区旧址，啥时候开工的，一共预算多少钱", ["time", "number"]),
        ("平安交通局回复村级公路那个，哪段今年要干，剩下几公里怎么说", ["what", "number"]),
        # A-not-A and 修好没有 ask yes or no: the clause is a part, not context.
        ("东河大道那段路面修好没有？哪天完工的，会不会全面改造", ["status", "time", "status"]),
        ("三阳那5.8公里拓宽今年做不做？剩下7公里呢", ["status", "what"]),
    ],
)
def test_each_comma_piece_that_asks_is_a_part(question: str, asks: list[str]) -> None:
    from rag.answer.frame import read_frame
    from rag.search.query import clean_question
    from rag.search.typed import retype

    question = retype(clean_question(question))[0]
    assert [p.ask for p in read_frame(question).parts] == asks


def test_who_to_contact_asks_the_contact_field() -> None:
    from rag.search.query import analyze

    assert "contact" in analyze("有事找谁联系？").intents


def test_a_sender_without_a_place_that_names_another_county_is_not_the_asked_one(tmp_path: Path) -> None:
    # Made up: a reply signed 县教体局 whose closing names 北岭县教育体育局 is not 南岭县's.
    answerer = _answerer(tmp_path, {
        "north.txt": _letter(
            "新建教师周转房项目已申请资金300万元。以上答复如不满意，请与北岭县教育体育局联系。",
            "县教体局",
        ),
    })  # fmt: skip
    assert not answerer.answer("南岭县教育体育局答复的教师周转房资金多少？").answered
    assert answerer.answer("北岭县教育体育局答复的教师周转房资金多少？").answered


def test_an_amount_asked_is_found_in_the_asked_unit_beyond_the_topic_sentences(tmp_path: Path) -> None:
    # Made up: the subsidy sentence says little of the question's words (水口村, 花椒) but is
    # the one that gives an amount in yuan; the sentences on the topic give none.
    answerer = _answerer(tmp_path, {
        "pepper.txt": _letter(
            "水口村历来有种植花椒的传统，目前已种或准备种植的花椒面积近3000亩。"
            "奖补办法：管养满一年检查合格的每亩补助造林费500元。",
            "某某县林业局",
        ),
    })  # fmt: skip
    answer = answerer.answer("县林业局回复水口村花椒种植扶持那个，种下去每亩补多少钱？")
    assert answer.answered and "500元" in answer.text.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "wants_list"),
    [
        ("公厕不够用，要求建公厕的建议，哪些地方答复过", True),
        ("垃圾分类的建议，有哪些区的部门答复了", True),
        ("关于老年食堂的建议，民政局是怎么答复的", False),
    ],
)
def test_which_senders_answered_a_suggestion_is_a_list(question: str, wants_list: bool) -> None:
    from rag.answer.frame import read_frame

    assert read_frame(question).wants_list == wants_list


def test_a_market_is_not_a_city() -> None:
    from rag.answer.frame import read_places

    assert read_places("农贸市场和集贸市场的建议都是哪些部门答复的") == ()
    assert read_places("厦门市农贸市场") == ("厦门市",)


def test_the_letters_a_body_wrote_are_listed_whole_and_alternatives_are_either(tmp_path: Path) -> None:
    # Made up: two education bureaus and one education commission wrote; a water bureau too.
    letters = {
        f"edu{i}.txt": _letter(f"第{i}件：我局将新建{i}所幼儿园，增加学位{i}00个。", f"某某省{p}县教育局")
        for i, p in ((1, "东山"), (2, "西山"))
    }
    letters["jw.txt"] = _letter("我委将推进职业教育产教融合，建设实训基地3个。", "某某市南湖区教育委员会")
    letters["water.txt"] = _letter("我局将修复堰渠1.3公里，需投资30万元。", "某某省东山县水利局")
    answerer = _answerer(tmp_path, letters)
    answer = answerer.answer("有哪些是教育局或者教委回复的？")
    assert answer.answered and answer.text.startswith("共3封")
    assert {c.source for c in answer.citations} == {"edu1.txt", "edu2.txt", "jw.txt"}


def test_names_in_brackets_after_a_body_are_its_alternatives(tmp_path: Path) -> None:
    # Made up: a province's industry commission (before 2018) and its industry department (after).
    answerer = _answerer(tmp_path, {
        "wei.txt": _letter("我委将支持东山工业园区完善基础设施。", "某某省工业和信息化委员会"),
        "ting.txt": _letter("我厅将支持西山工业园区引进龙头企业。", "某某省工业和信息化厅"),
        "water.txt": _letter("我局将支持南山工业园区修建排水设施。", "某某省水利厅"),
    })  # fmt: skip
    answer = answerer.answer("某某省工信部门（工信委、工信厅）答复过哪些工业园区的建议？")
    assert answer.answered and {c.source for c in answer.citations} == {"wei.txt", "ting.txt"}


def test_a_merged_bureau_answers_for_each_body_it_holds(tmp_path: Path) -> None:
    from rag.letters.agencies import answers_for

    assert answers_for("教育体育局", "教育局") and answers_for("林业和草原局", "林业局")
    assert answers_for("规划和自然资源局", "自然资源和规划局")  # the same merger, named the other way
    assert not answers_for("教育局", "教育体育局") and not answers_for("农业农村局", "农村局")
    # Made up: a county's education and sports bureau, a forestry and grassland bureau, a water bureau.
    answerer = _answerer(tmp_path, {
        "edu.txt": _letter("我局将新建幼儿园1所，增加学位300个。", "某某省东山县教育体育局"),
        "lin.txt": _letter("我局将新建护林站2个。", "某某省东山县林业和草原局"),
        "water.txt": _letter("我局将修复堰渠1.3公里。", "某某省东山县水利局"),
    })  # fmt: skip
    answer = answerer.answer("东山县教育局答复了哪些建议？")
    assert answer.answered and {c.source for c in answer.citations} == {"edu.txt"}
    assert "护林站" in answerer.answer("东山县林业局打算新建几个护林站？").text


def test_which_replies_a_body_made_on_a_topic_is_a_list() -> None:
    from rag.search.query import analyze

    assert analyze("市住建委关于城市更新的答复都有哪几件?").enumeration


def test_a_senders_place_written_bare_prefers_its_letters(tmp_path: Path) -> None:
    # Made up: two counties' housing bureaus on public toilets; the question writes 东坡 bare.
    answerer = _answerer(tmp_path, {
        "west.txt": _letter("全县新建公共厕所12座，公厕管理纳入环卫考核。", "某某省西岭县住房和城乡建设局"),
        "east.txt": _letter("今年新建公共厕所5座，明年再建3座。", "某某省东坡县住房和城乡建设局", "李四代表"),
    })  # fmt: skip
    assert answerer.gate.bare_places("东坡住建局公厕建了几座？") == ["东坡"]
    assert answerer.gate.bare_places("长寿老人有补贴吗") == []
    answer = answerer.answer("东坡住建局公厕建了几座？")
    assert answer.answered and answer.citations[0].source == "east.txt"


def test_a_list_row_without_a_sender_names_the_place_whose_congress_it_answers(tmp_path: Path) -> None:
    # Made up: a reply with no signature, titled by the 青川市 congress it answers.
    answerer = _answerer(tmp_path, {
        "q.txt": "对青川市第九届人民代表大会第二次会议第41号建议的答复\n张三代表：\n"
        "您提出的建议收悉。移动红绿灯暂时无法配置违章抓拍功能，我们将在学校门口设置护学岗。\n",
        "p.txt": _letter("我局将在路口安装红绿灯一组，年内完成。", "某某县公安局交通警察大队"),
    })  # fmt: skip
    answer = answerer.answer("哪些答复涉及红绿灯？")
    assert "青川市（未写明发文单位）" in answer.text


def test_a_comparison_of_two_places_answers_from_each_places_letter(tmp_path: Path) -> None:
    # Made up: two districts' police on traffic lights, and a third city's reply that says
    # more about traffic lights than either.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("经现场勘察，该路口距离已有信号灯不足300米，暂不安装红绿灯。", "某某市东坝区公安分局"),
        "b.txt": _letter("我局拟在该路口安装一组红绿灯，并与相邻路口联动。", "某某市西陵区公安局", "李四代表"),
        "c.txt": _letter(
            "安装红绿灯已纳入计划，红绿灯采购完成后即安装，红绿灯安装前先设临时信号灯。",
            "某某市北湖区公安局交通警察大队", "王五代表",
        ),
    })  # fmt: skip
    answer = answerer.answer("东坝和西陵两地公安对装红绿灯的建议处理结果有何不同？")
    assert answer.answered and {c.source for c in answer.citations} == {"a.txt", "b.txt"}


def test_each_of_two_named_places_is_compared() -> None:
    from rag.answer.frame import read_frame, read_places

    assert read_places("上街区公安和南票区公安分别怎么处理的") == ("上街区", "南票区")
    assert read_frame("上街区公安和南票区公安碰到不归自己管的诉求时，分别是怎么处理的？").compare
    assert not read_frame("南票区公安对学校门前停车分别采取了哪些措施？").compare


def test_a_field_of_government_lists_every_letter_of_that_field(tmp_path: Path) -> None:
    # Made up: a culture-and-tourism commission and bureau wrote, and a transport bureau; the
    # question names the field (文化旅游部门), not one body.
    answerer = _answerer(tmp_path, {
        "wl1.txt": _letter("我委将把瀑布群纳入旅游规划，打造精品线路2条。", "某某市北岭区文化和旅游发展委员会"),
        "wl2.txt": _letter("我局已将古村落列入保护名录，修缮古民居6处。", "某某省南塘县文化旅游和广播电视局", "李四委员"),
        "jt.txt": _letter("我局将优化公交线路，新增旅游专线1条。", "某某省南塘县交通运输局", "王五代表"),
    })  # fmt: skip
    answer = answerer.answer("文化旅游部门的答复都有哪些？分别是谁提的？")
    assert answer.answered and answer.text.startswith("共2封")
    assert {c.source for c in answer.citations} == {"wl1.txt", "wl2.txt"}
    # The proposer is named in each row, cited at the name, not as a bare salutation line.
    assert "张三代表" in answer.text and "李四委员" in answer.text
    assert {"张三代表", "李四委员"} <= {c.quote for c in answer.citations}
    assert not any(c.quote.endswith(("：", ":")) for c in answer.citations)


def test_a_field_word_names_a_body_only_before_bu_men() -> None:
    from rag.answer.frame import read_bodies

    (body,) = read_bodies("綦江区交通部门答复过哪些建议？")
    assert body.sector and body.core == "交通" and body.places == ("綦江区",)
    assert read_bodies("哪些部门答复过？") == () and read_bodies("相关部门答复了吗") == ()
    assert read_bodies("政府部门怎么说") == ()


def test_whose_duty_it_is_is_not_who_replied() -> None:
    from rag.search.query import analyze

    assert "agency" not in analyze("住宿业的行业管理到底归哪个部门？").intents
    assert "agency" not in analyze("路灯坏了找哪个部门？").intents
    assert "agency" not in analyze("示例县环保局处理养殖污染时协调了哪个部门？").intents
    assert "agency" not in analyze("把建议转交哪个部门了？").intents
    assert "agency" in analyze("这件建议是哪个部门答复的？").intents


def test_a_list_keeps_to_the_place_it_names_bare(tmp_path: Path) -> None:
    # Made up: two districts of 某城 and one of 另城 have urban-management bureaus that wrote.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("我局将在萱草路增设路灯20盏。", "某城市东湖区城市管理局"),
        "b.txt": _letter("春节灯饰将保留至元宵节后拆除。", "某城市西湖区城市管理局", "李四代表"),
        "c.txt": _letter("我局已完成三处积水点改造。", "另城市南湖区城市管理局", "王五代表"),
    })  # fmt: skip
    answer = answerer.answer("某城各区的城市管理局直接答复过哪些人大代表建议？各是什么事？")
    assert answer.answered and answer.text.startswith("共2封")
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}


@pytest.mark.parametrize(
    "question", ["跟公交有关的答复一共有几封？", "关于路灯的复函有多少份？", "城管局答复过哪些人大代表建议？"]
)
def test_counting_the_letters_asks_for_them(question: str) -> None:
    from rag.search.query import analyze

    assert analyze(question).enumeration


def test_the_letters_of_a_year_range_are_listed_by_their_dates(tmp_path: Path) -> None:
    # Made up: letters dated 2016, 2017 and 2021; the last one says 2016 in its text.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("我局将增设公交站台3处。", "某某县交通运输局", date="2016年6月30日"),
        "b.txt": _letter("我局已修缮古民居6处。", "某某县文化和旅游局", "李四代表", "2017年5月26日"),
        "c.txt": _letter("2016年以来，我局累计扶持园区资金1080万元。", "某某县工业和信息化局", "王五代表", "2021年7月1日"),
    })  # fmt: skip
    answer = answerer.answer("有哪些是2017年及以前的答复？")
    assert answer.answered and answer.text.startswith("共2封")
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}
    assert "2016-06-30" in answer.text  # each row says its date
    # In a lookup the range is what the letter says, not its date.
    lookup = answerer.answer("2016年以来扶持了园区多少资金？")
    assert lookup.answered and "1080万元" in lookup.text


def test_a_body_another_letter_only_consulted_is_not_its_sender(tmp_path: Path) -> None:
    # Made up: 东江市经信委 wrote, saying it consulted 市人力社保局; no letter names 西川市.
    answerer = _answerer(tmp_path, {
        "jx.txt": _letter(
            "经与市人力社保局、市财政局共同研究，现答复如下。我委将设立返乡创业担保贷款，最高可贷20万元。",
            "东江市经济和信息化委员会",
        ),
    })  # fmt: skip
    answer = answerer.answer("西川市人社局对返乡创业的提案是怎么答复的？创业担保贷款最多能贷多少？")
    assert not answer.answered and "西川市人社局" in answer.text
    # The letter's own city's bureau is only consulted too, but the letter names that city.
    assert answerer.answer("东江市人社局对返乡创业担保贷款怎么说的？").answered


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("是依据哪份市政府办公厅文件明确的？", ()),
        ("答复过的两件市政协提案分别是谁提的？", ()),
        ("跟区里反映过的那件事", ()),
        ("能不能让县里再加一班车？", ()),
        ("子田上组林区的防火通道修了吗？", ()),
        ("泗县学校门口的小吃摊", ("泗县",)),
        ("另外镇赉县有几家福利院", ("镇赉县",)),  # 另外镇 is no town; 镇赉县 runs past it
        ("民政局想改善镇里敬老院", ()),  # a verb before 镇
        ("怎么解决二圣镇饮水困难", ("二圣镇",)),
        ("城口县坪坝中小企业集聚区", ("城口县",)),  # a zone, not a district
        ("铜梁乡村振兴的答复", ()),  # 乡村, the countryside
        ("内蒙古乡镇卫生院缺医生", ()),  # 乡镇, townships in general
    ],
)
def test_words_before_a_level_word_are_not_a_place(question: str, places: tuple[str, ...]) -> None:
    from rag.answer.frame import read_places

    assert read_places(question) == places


def test_a_clause_citing_a_document_of_a_government_stays_with_its_letter(tmp_path: Path) -> None:
    # Made up: one letter answers both clauses; another letter also cites 市政府办公厅.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "根据市政府办公厅《关于推动住宿业规范发展的意见》(示府办发〔2022〕84号)，明确市商务委负责住宿业行业管理。",
            "某某市文化和旅游发展委员会", "陈某委员",
        ),
        "b.txt": _letter("依据市政府办公厅文件，明确由我局负责高新区认定。", "某某市科学技术局", "李四代表"),
    })  # fmt: skip
    answer = answerer.answer("某某市文旅委答复陈某委员时说，住宿业归哪个部门管？是依据哪份市政府办公厅文件明确的？")
    assert answer.answered and {c.source for c in answer.citations} == {"a.txt"}


def test_the_same_asked_of_several_named_letters_is_answered_from_each(tmp_path: Path) -> None:
    # Made up: one bureau answered two proposals; two towns' governments wrote, each signed.
    answerer = _answerer(tmp_path, {
        "p1.txt": "【示例】虚构。\n关于市政协五届二次会议第0201号提案办理情况的复函\n民建某某市委：\n您的提案收悉，现答复如下：\n我局将建设智慧城市平台。\n某某市大数据局\n2019年6月1日\n",
        "p2.txt": "【示例】虚构。\n关于市政协五届五次会议第0073号提案办理情况的复函\n张某委员：\n您的提案收悉，现答复如下：\n我局将推进数字政府建设。\n某某市大数据局\n2022年6月1日\n",
        "t1.txt": _letter("场镇路灯已安装249盏。此复函已经和某某镇长审签。", "某某市东山区青石镇人民政府"),
        "t2.txt": _letter("村道硬化已完成3公里。此复函已经李某某镇长审签。", "某某市西山区红土镇人民政府", "李四代表"),
    })  # fmt: skip
    answer = answerer.answer("大数据局答复的第0201号和第0073号提案，分别是谁提的？")
    assert answer.answered and {c.source for c in answer.citations} == {"p1.txt", "p2.txt"}
    assert "民建某某市委" in answer.text and "张某委员" in answer.text
    answer = answerer.answer("东山区青石镇和西山区红土镇这两封镇政府复函，分别是哪位镇长审签的？")
    assert answer.answered and {c.source for c in answer.citations} == {"t1.txt", "t2.txt"}


@pytest.mark.parametrize(
    "question", ["答复单位是县交通运输局的，都是哪几个县？", "哪几个水务局答复过河道治理的建议？"]
)
def test_which_places_or_which_bureaus_ask_for_letters(question: str) -> None:
    from rag.search.query import analyze

    assert analyze(question).enumeration


def test_a_body_named_after_its_role_is_the_replying_one() -> None:
    from rag.answer.frame import read_bodies

    (body,) = read_bodies("修桥的建议，答复单位是县交通运输局的有哪些？")
    assert body.sender and body.level == "县"


def test_which_roads_asks_for_a_place_and_a_bare_count_continues_the_part_before() -> None:
    from rag.answer.frame import read_frame

    frame = read_frame("在哪几条路上加了分类垃圾桶？一共加了多少个？")
    assert [p.ask for p in frame.parts] == ["place", "number"]
    assert frame.parts[1].topic == frame.parts[0].topic != ""


def test_items_listed_before_a_pair_are_parts_with_what_leads_into_them() -> None:
    from rag.answer.frame import split_parts

    assert split_parts("某镇对某桥改建建议的答复：文号、领导署名、联系人分别是什么？") == [
        "某镇对某桥改建建议的答复：文号是什么",
        "某镇对某桥改建建议的答复：领导署名是什么",
        "某镇对某桥改建建议的答复：联系人是什么",
    ]


@pytest.mark.parametrize(
    ("question", "asks_date"),
    [
        ("Which agency answered the proposal about the bus, and on what date?", True),
        ("From what date does the Law on Traditional Chinese Medicine take effect?", False),
        ("On what date were the repairs finished?", False),
    ],
)
def test_what_date_asks_the_letters_date_only_of_the_letter(question: str, asks_date: bool) -> None:
    from rag.search.query import analyze

    assert ("date" in analyze(question).intents) == asks_date


def test_the_receiving_body_is_the_addressee() -> None:
    from rag.search.query import analyze

    assert "addressee" in analyze("这封协办意见的收件单位是谁？").intents


def test_one_letter_naming_both_towns_answers_a_question_asking_its_fields_each(tmp_path: Path) -> None:
    # Made up: 青石镇 answered about a bridge in 红土镇; 分别 asks of the letter's fields.
    answerer = _answerer(tmp_path, {
        "a.txt": "【示例】虚构。\n青石镇人民政府关于红土镇大桥危桥改建建议的答复\n示政函〔2022〕20号\n张三代表：\n"
        "您的建议收悉，现答复如下：\n我镇已将红土镇大桥危桥改建列入计划。\n联系人：王某某\n青石镇人民政府\n2022年5月1日\n",
        "b.txt": "【示例】虚构。\n关于红土镇大桥危桥改建建议的答复\n示交函〔2022〕8号\n李四代表：\n"
        "您的建议收悉，现答复如下：\n红土镇大桥危桥改建已列入县交通运输局计划。\n联系人：赵某某\n某某县交通运输局\n2022年6月1日\n",
    })  # fmt: skip
    answer = answerer.answer("青石镇对红土镇大桥危桥改建建议的答复：文号、联系人分别是什么？")
    assert answer.answered and {c.source for c in answer.citations} == {"a.txt"}
    assert "示政函〔2022〕20号" in answer.text and "王某某" in answer.text
    assert answer.text.count("发文字号") == 1  # answered once, not once per town


def test_place_names_are_read_past_twelve_characters_and_after_an_agency() -> None:
    from rag.answer.frame import read_places

    assert read_places("示例县财政局答复红土镇工业园区基础配套那条建议") == ("示例县", "红土镇")
    # 红土镇 starts past the twelfth character of the run.
    assert read_places("示例县财政局答复再推进红土镇工业园区基础配套的建议") == ("示例县", "红土镇")


def test_a_sender_unread_is_the_asked_body_at_a_town_the_question_puts_under_it(tmp_path: Path) -> None:
    # Made up: a page with no sender line; the bureau calls itself by its bare name and names
    # the town, never its county.
    text = (
        "【示例】虚构。\n对《加大对红土镇园区基础配套扶持力度的建议》的答复\n示财复字〔2022〕4号\n张三代表:\n"
        "您提出的建议已收悉,现答复如下:\n财政局对红土镇园区基础配套设施建设高度重视,先后投入资金建设园区道路。\n"
        "感谢您对财政工作的关心和支持!\n2022年7月1日\n"
    )
    answerer = _answerer(tmp_path, {"a.txt": text})
    answer = answerer.answer("青石县财政局答复红土镇园区基础配套那条建议,文号是什么?")
    assert answer.answered and "示财复字〔2022〕4号" in answer.text
    other = answerer.answer("青石县财政局答复白沙镇园区基础配套那条建议,文号是什么?")
    assert not other.answered and "青石县财政局" in other.text


def test_a_choice_between_two_named_things_compares_them() -> None:
    from rag.answer.frame import read_frame

    assert read_frame("甲县的红河和乙区的白河，哪条已经纳入治理规划？").compare
    assert not read_frame("红河治理纳入了哪个规划？").compare


def test_a_branch_bureau_gives_its_district_as_a_bare_place(tmp_path: Path) -> None:
    # Made up: a city police bureau's branch, named by its district without 区.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("学校门前已派驻警力护送学生。", "示例市公安局红石分局交通安全管理大队"),
    })  # fmt: skip
    assert answerer.gate.bare_places("红石学校门口的交通怎么保障？") == ["红石"]


def test_a_district_written_after_its_city_bounds_the_answer(tmp_path: Path) -> None:
    from rag.answer.frame import read_places

    assert read_places("深圳南山区有委员建议加开微循环公交") == ("深圳南山区",)
    assert read_places("偏远山区的学校") == ()
    # Made up: one district's letter on school-gate traffic, never naming its city.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("学校门口上下学时段已设置护学岗，交警每日派驻警力疏导交通。", "示例市渝中区公安分局"),
    })  # fmt: skip
    elsewhere = answerer.answer("杭州西湖区学校门口上下学堵车，交警怎么设护学岗的？")
    assert not elsewhere.answered and "杭州西湖区" in elsewhere.text
    assert answerer.answer("示例渝中区学校门口上下学堵车，交警怎么设护学岗的？").answered


def test_when_asked_of_what_is_to_come_the_planned_time_answers(tmp_path: Path) -> None:
    # Made up: a bridge built long ago and planned to be finished this year.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("经现场踏勘，红石村示例桥建于1994年，已成危桥。示例桥改造计划10月底前完工。", "某某县交通运输局"),
    })  # fmt: skip
    ahead = answerer.answer("红石村的示例桥啥时候能修好？")
    assert ahead.answered and ahead.text.index("10月底") < ahead.text.find("1994年") % 10_000
    assert "1994年" in answerer.answer("红石村的示例桥是哪年建的？").text.splitlines()[0]


def test_a_plan_named_by_a_year_gone_is_not_a_planned_time(tmp_path: Path) -> None:
    # Made up: a plan word in each sentence; only the last plans a time.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "经现场踏勘，红石村示例桥年久失修。因该桥未纳入2023年危桥改造计划，未能实施。"
            "目前危桥改造项目正在招标，计划7月开工，力争10月底前完工。", "示例县交通运输局"
        ),
    })  # fmt: skip
    first = answerer.answer("红石村示例桥那座危桥啥时候能修好？").text.splitlines()[0]
    assert "10月底前完工" in first and "2023年" not in first


def test_a_bodys_list_holds_its_letters_with_no_sender_line_that_thank_for_its_work(tmp_path: Path) -> None:
    from rag.search.query import analyze

    assert analyze("示例县住建局答复过哪些政协提案？").enumeration
    # Made up: one letter signed by the bureau; one with no sender line, which thanks the
    # member for caring about its housing work; one by another bureau of the county.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("关于行道树坑治理，我局已完成整治。", "示例苗族自治县住房和城乡建设局"),
        "b.txt": "【示例】虚构。\n李某委员:\n你在政协示例县九届五次会议提出的《关于修建人行道的建议》第12号提案,已转交我局研究办理,"
        "现将办理情况答复如下:\n我局已开展人行道设计工作。\n感谢你对我县住房和城乡建设工作的关心和支持。\n2021年8月20日\n",
        "c.txt": _letter("关于农田水利，我局已安排资金。", "示例苗族自治县水利局"),
    })  # fmt: skip
    answer = answerer.answer("示例县住建局答复过哪些政协提案？")
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}
    assert "示例县（未写明发文单位）" in answer.text and "政协示例县" not in answer.text


def test_a_places_letters_of_a_year_are_listed_whole_an_undated_one_by_its_page_date(tmp_path: Path) -> None:
    # Made up: three county bureaus' letters, one dated only by its page; one from elsewhere.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("关于林区道路，我局已安排维修资金。", "示例县林业和草原局\n2020年9月26日"),
        "b.txt": "【示例】虚构。\n示例县工信商务局关于第107号建议的答复函\n来源: 更新时间:2020/11/03\n徐某代表:\n"
        "您提出的建议已收悉，现答复如下:\n我局已协调通信公司建设基站。\n示例县工信商务局\n",
        "c.txt": _letter("关于人居环境整治，我局已出台方案。", "示例县扶贫开发局\n2020年9月17日"),
        "d.txt": _letter("关于通信基站，我局已协调建设。", "另一县工信商务局\n2020年10月1日"),
    })  # fmt: skip
    answer = answerer.answer("2020年示例县有哪些县直部门给人大代表的建议回过函？")
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt", "c.txt"}
    assert answer.text.startswith("共3封")


def test_a_number_asked_with_its_qualifier_is_the_qualified_one(tmp_path: Path) -> None:
    # Made up: the loan total comes first, the per-person cap after it.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "今年已为59户返乡创业农民发放创业担保贷款1171万元。个人可申请最高20万元的贷款。", "示例区人力资源和社会保障局"
        ),
    })  # fmt: skip
    first = answerer.answer("示例区返乡创业担保贷款个人最高能贷多少？").text.splitlines()[0]
    assert "20万元" in first and "1171万元" not in first


def test_a_reason_drawn_from_the_sentence_before_is_that_sentence(tmp_path: Path) -> None:
    # Made up: the conclusion (鉴于以上情况…拆除) follows the reason.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "元宵期间示例区在步行街悬挂节日彩灯。彩灯电线缠绕在树干上，雨天容易漏电伤人。"
            "鉴于以上情况，节后已将节日彩灯全部撤除。", "示例区城市管理局"
        ),
    })  # fmt: skip
    first = answerer.answer("示例区城管局为什么节后把节日彩灯撤了？").text.splitlines()[0]
    assert "漏电" in first


def test_an_english_question_spelling_a_name_of_the_letter_needs_less_cover(tmp_path: Path) -> None:
    # Made up: the name (茅竹) and the asked words sit in different sentences.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "凤桥、茅竹旅游经济带是我县南部乡村旅游的重要组成部分。近期将组织对景区进行国家2A级景区的创建验收，适时创成国家3A级景区。",
            "示例县文化旅游体育局",
        ),
        "b.txt": _letter("全县公共文化服务体系建设稳步推进。", "另一县文化和旅游局"),
    })  # fmt: skip
    q = "What national A-level grade will the Maozhu scenic area be inspected for first, and what grade later?"
    answer = answerer.answer(q)
    assert answer.answered and "2A" in answer.text


def test_asks_for_a_year_a_duration_and_a_duty_in_english() -> None:
    from rag.answer.frame import read_frame
    from rag.search.query import analyze

    assert [p.ask for p in read_frame("In what year did the county run the campaign?").parts] == ["time"]
    assert [p.ask for p in read_frame("创业担保贷款一次最长贷几年？").parts] == ["number"]
    assert [p.ask for p in read_frame("高峰时段平均几分钟发一班？").parts] == ["time"]
    assert [p.ask for p in read_frame("多长时间能办好？").parts] == ["time"]
    assert "agency" not in analyze("Which department handles stall occupation of roads?").intents
    assert "agency" in analyze("Which department replied to proposal 12?").intents


def test_a_sentence_that_opens_by_restating_the_suggestion_keeps_its_answer(tmp_path: Path) -> None:
    # Made up: the amount follows "为切实解决你们提出的问题，".
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "环境卫生整治项目不属于补短板项目。为切实解决你们提出的问题，经县指挥部研究，决定用社会捐赠资金拾万元给予解决。"
            "希望以后多提宝贵意见。", "示例县扶贫开发局"
        ),
    })  # fmt: skip
    answer = answerer.answer("示例县扶贫开发局补齐缺口资金的事，最后拿出多少钱？")
    assert "拾万元" in answer.text.splitlines()[0]
    assert "多提宝贵意见" not in answer.text


def test_a_sentence_naming_the_suggestion_after_its_first_clause_answers_unless_it_acknowledges(tmp_path: Path) -> None:
    from rag.answer.reading import sentences
    from rag.types import Letter, LetterFields

    text = (
        "【示例】虚构。\n张某代表:\n收到建议后，我局对您提出的问题认真研究，现答复如下:\n"
        "目前资金主要用于示例乡尚未硬化的通组道路，你所提的建议暂不能解决。\n示例县交通运输局\n"
    )
    said = [s.text for s in sentences(Letter("x", "x.txt", text, LetterFields()))]
    assert any("暂不能解决" in s for s in said)
    assert not any("认真研究" in s for s in said)


def test_a_government_named_by_its_level_alone_and_several_asked_of_at_once() -> None:
    from rag.answer.frame import read_bodies
    from rag.search.query import analyze

    (body,) = read_bodies("修桥的建议里，有哪些是镇政府答复的？")
    assert (body.core, body.level, body.places, body.sender) == ("人民政府", "镇", (), True)
    assert all(b.name != "镇政府" for b in read_bodies("示例县湖洋镇政府答复的"))  # a named town
    assert analyze("有没有关于开发瀑布景区的建议？都是哪里的哪个瀑布？").enumeration


def test_the_sentence_beside_the_answer_in_its_paragraph_supports_it(tmp_path: Path) -> None:
    # Made up: when it starts, then (in the next sentence, barely on the topic) when it ends.
    answerer = _one_letter(
        tmp_path,
        "红石村示例桥加固工程的图纸已经审定，计划7月进场施工。我局将督促施工单位倒排加固工期，力争10月底前完工。\n"
        "另外，全县农村公路养护工作稳步推进。",
        "示例县交通运输局",
    )
    answer = answerer.answer("红石村示例桥加固什么时候开工？")
    assert "7月" in answer.text.splitlines()[0] and "10月底" in answer.text


def test_the_reply_formula_goes_whatever_its_length_and_a_clause_of_time_stays(tmp_path: Path) -> None:
    # Made up: a long formula restating where the suggestion came from, then a sentence that
    # opens with 收到建议后 (a time, not the acknowledgement).
    text = _letter(
        "在示例县第十届人民代表大会第一次会议上，你们提出了题为《关于请求对示例大桥进行修复》的议案，"
        "会议主席团已将此列为建议案，交我局研究办理，现答复如下：\n"
        "收到建议后，我局迅速核实了情况，示例大桥不够危桥标准，暂无法申报改造计划。\n"
        "经研究，现提出协办意见如下：\n我局将积极争取上级资金。",
        "示例县交通运输局",
    )
    sentences = _sentences_of(tmp_path, text)
    assert not any("答复如下" in x for x in sentences)
    assert any(x.startswith("收到建议后，我局迅速核实了情况") for x in sentences)
    assert any("协办意见如下" in x for x in sentences)  # says what kind of reply follows


def test_a_body_run_into_its_salutations_line_is_read(tmp_path: Path) -> None:
    # Made up: a page that runs the whole letter into one table cell, salutation included.
    text = (
        "【示例】虚构。\n关于示例园区建设的答复 |\n"
        "示财复字〔2022〕9号 签发人:王示例 尊敬的张三、李四等代表: 您提出的建议已收悉,现答复如下: "
        "我局拟在示例工业园区建设污水处理厂一座,该项目拟投资4500万元,资金通过政策性银行贷款解决。 "
        "感谢您对财政工作的关心和支持! 2022年7月1日 |\n"
    )
    sentences = _sentences_of(tmp_path, text)
    assert any("4500万元" in x for x in sentences)
    assert not any("收悉" in x or "感谢" in x for x in sentences)


def test_the_sentence_after_the_answer_supports_it_when_none_beside_repeats_the_question(tmp_path: Path) -> None:
    # Made up: the sentence after the answer names no word of the question but says who runs it.
    answerer = _one_letter(
        tmp_path,
        "我局已在示例县城区新建公共停车场3处。上述工作由城管执法大队牵头负责，每月通报一次进展。\n"
        "另外，全县农村公路养护工作稳步推进。",
        "示例县住房和城乡建设局",
    )
    answer = answerer.answer("示例县城区新建了几处公共停车场？")
    assert "3处" in answer.text.splitlines()[0] and "城管执法大队牵头" in answer.text


def test_a_short_paragraph_is_read_on_to_its_end(tmp_path: Path) -> None:
    # Made up: the paragraph's last sentence says who pays, naming no word of the question.
    answerer = _one_letter(
        tmp_path,
        "示例县城区停车场改造工程已完成设计。停车场改造工程计划新增车位300个。所需资金由县财政统筹解决。\n"
        "另外，全县农村公路养护工作稳步推进，今年完成养护里程120公里。",
        "示例县住房和城乡建设局",
    )
    answer = answerer.answer("示例县城区停车场改造工程设计完成了吗？")
    assert "已完成设计" in answer.text.splitlines()[0] and "县财政统筹解决" in answer.text
    assert "养护里程" not in answer.text  # the next paragraph is another matter


def test_sentences_running_on_in_a_paragraph_are_one_quote(tmp_path: Path) -> None:
    # Made up: a paragraph of short sentences; its last, five after the answer, says who pays.
    answerer = _one_letter(
        tmp_path,
        "示例县城区停车场改造工程已完成设计。工程分三个地块实施。第一地块位于示例路北侧。"
        "第二地块位于示例路南侧。第三地块位于示例广场东侧。所需资金由县财政统筹解决。",
        "示例县住房和城乡建设局",
    )
    answer = answerer.answer("示例县城区停车场改造工程设计完成了吗？")
    quoted = [line for line in answer.text.splitlines() if line.startswith("· ")]
    assert "县财政统筹解决" in answer.text and len(quoted) <= 3
    assert any("第一地块" in line and "第二地块" in line for line in quoted)  # one quote, not two


def test_a_letter_has_at_most_three_supporting_quotes(tmp_path: Path) -> None:
    # Made up: one paragraph of short sentences, every one on the topic.
    body = "".join(f"示例停车场第{i}期工程新增车位{i}0个。" for i in range(1, 9))
    answerer = _one_letter(tmp_path, body, "示例县住房和城乡建设局")
    answer = answerer.answer("示例停车场工程新增了多少车位？")
    assert answer.answered
    assert sum(line.startswith("· ") for line in answer.text.splitlines()) <= 3


def test_a_bare_item_heading_is_no_supporting_quote(tmp_path: Path) -> None:
    # Made up: an enumeration whose items open with a heading that names and says nothing.
    answerer = _one_letter(
        tmp_path,
        "一是完善人才政策。进一步完善示例县人才政策，提高人才政策的实用性。\n"
        "二是举办人才活动。继续举办示例县英才大会，引进高层次人才。",
        "示例县人力资源和社会保障局",
    )
    answer = answerer.answer("示例县在人才政策和人才活动上做了什么？")
    assert answer.answered
    quoted = [line for line in answer.text.splitlines() if line.startswith("· ")]
    assert not any("一是完善人才政策。[" in line or "二是举办人才活动。[" in line for line in quoted)


def test_lead_or_co_handler_asks_the_letters_role_not_its_co_handlers() -> None:
    from rag.answer.frame import read_frame
    from rag.search.query import analyze

    assert "cohandlers" not in analyze("工信厅是主办还是协办？").intents
    assert "cohandlers" in analyze("这件建议有哪些协办单位？").intents
    frame = read_frame("收件单位是谁？工信厅是主办还是协办")
    assert len(frame.parts) == 2 and not frame.context  # 还是 asks: a part, not context


def test_replied_with_its_aspect_and_this_kind_of_are_not_topic_words() -> None:
    from rag.answer.frame import read_frame

    frame = read_frame("有哪些县交通运输局答复过危桥修复、大桥重建这类桥梁建议？")
    assert frame.parts[0].topic.split() == ["危桥修复", "大桥重建", "桥梁"]


def test_each_part_cites_its_own_sentence_when_one_answers_it(tmp_path: Path) -> None:
    # Made up: the campaign sentence says most of both parts; the duty is in the next one.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "县政府曾于2013年组织过一次示例集市摆摊占道的集中清理行动，清理集市摆摊占道现象。"
            "按照部门职责分工，城管部门负责示例集市的摆摊占道管理。", "示例县市场监督管理局"
        ),
    })  # fmt: skip
    answer = answerer.answer("示例县哪年组织了集市摆摊占道的集中清理？示例集市摆摊占道由哪个部门负责？")
    lines = answer.text.splitlines()
    assert "2013年" in lines[0] and "城管部门" in lines[1]


def test_an_english_answer_keeps_the_sentence_that_goes_on_from_its_quote(tmp_path: Path) -> None:
    # Made up: the quote names the bridge; the next sentence, in no English word, gives the sum.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "红石村示例桥已列入今年危桥改造计划。项目总投资约120万元，由县财政承担。\n我局将加强农村公路养护。",
            "示例县交通运输局",
        ),
    })  # fmt: skip
    answer = answerer.answer("What did the transport bureau decide about the Hongshi village bridge (红石村示例桥)?")
    assert answer.answered and "120万元" in answer.text


def test_an_english_question_naming_a_body_no_letter_is_from_or_names_abstains(tmp_path: Path) -> None:
    from rag.answer.gate import english_bodies

    assert [b.core for b in english_bodies("Is there a reply from the Medical Security Bureau (医保局)?")] == ["医疗保障局"]
    assert english_bodies("Which agency answered the proposal about buses?") == ()
    # Made up: a transport bureau's letter about a road by a hospital; a water bureau's letter.
    answerer = _answerer(tmp_path, {
        "road.txt": _letter("示例医院至示例酒店段人行道已完成设计，将于年内开工建设。", "某某县交通运输局"),
        "water.txt": _letter("示例堰渠修复工程已完成，灌溉面积达到500亩。", "某某县水利局"),
    })  # fmt: skip
    absent = answerer.answer("Is there any reply from a Medical Security Bureau (医保局) about hospital bills?")
    assert not absent.answered and "医保局" in absent.text
    present = answerer.answer("What did the water resources bureau say about the canal (堰渠) repair?")
    assert present.answered and "500亩" in present.text


def test_a_chinese_answer_gives_the_date_as_the_letter_writes_it(tmp_path: Path) -> None:
    # Made up: one letter dated in digits, one in Chinese numerals.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例桥已列入改造计划。", "东山县交通运输局", date="2024年5月8日"),
        "b.txt": _letter("示例公厕将于年内建成。", "西山县住房和城乡建设局", date="二〇一七年五月二十六日"),
        "c.txt": _letter("示例河道将清淤疏浚。", "南山县生态环境局", date="2023518"),  # a page that lost 年月日
    })  # fmt: skip
    assert "日期：2024年5月8日" in answerer.answer("东山县交通运输局的答复是哪天发的？").text
    assert "日期：二〇一七年五月二十六日（2017-05-26）" in answerer.answer("西山县住建局的答复日期是哪天？").text
    assert "日期：2023518（2023-05-18）" in answerer.answer("南山县生态环境局的答复日期是哪天？").text
    assert "2024-05-08" in answerer.answer("What is the date of the Dongshan transport bureau's reply (东山县交通运输局)?").text


def test_a_place_whose_name_begins_with_a_function_word_is_read_whole(tmp_path: Path) -> None:
    from rag.answer.frame import read_bodies

    assert [b.places for b in read_bodies("请问个旧市自然资源局答复了什么？")] == [("个旧市",)]
    assert [b.places for b in read_bodies("和平区教育局的答复")] == [("和平区",)]
    assert [b.name for b in read_bodies("教育局和市财政局的答复")] == ["教育局", "市财政局"]
    # Made up: a bureau of 个旧市 (a real city's name, the letter invented).
    answerer = _answerer(tmp_path, {"a.txt": _letter("示例路违章建筑已于8月4日拆除。", "个旧市自然资源局")})
    assert answerer.answer("个旧市自然资源局关于示例路违章建筑的答复是哪天？").answered


def test_a_province_or_city_holds_the_letters_of_its_counties(tmp_path: Path) -> None:
    from rag.letters.gazetteer import is_region, regions_of, within

    assert within("泌阳县", "河南") and within("创建郑州市", "河南省") and not within("江津区", "河南")
    assert within("南宁市", "广西") and within("峨山县", "玉溪") and is_region("云南") and not is_region("泌阳县")
    assert {"杭州市", "南昌市"} <= regions_of("西湖区")  # a name two cities share lies in both
    # Made up: a county bureau in Henan; an unsigned letter whose opening names 郑州市; one
    # from Chongqing on the same topic.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("我委已为示例中医药下乡服务争取专项经费50万元。", "泌阳县卫生健康委员会"),
        "b.txt": "【示例】虚构。\n周某委员：\n您提出的“关于创建郑州市示例中医药展馆的提案”收悉。\n"
        "中医药展馆已列入文化设施规划，将于明年开工。\n2017年8月25日\n",
        "c.txt": _letter("我委已推进区中医院与镇卫生院组建中医药医共体。", "重庆市江津区卫生健康委员会"),
    })  # fmt: skip
    rows = answerer.answer("河南这边跟中医药有关的提案答复有哪些？")
    assert rows.answered and {c.source for c in rows.citations} == {"a.txt", "b.txt"}
    assert "答复“关于创建郑州市示例中医药展馆的提案”" in rows.text  # the subject, quoted with its kind
    absent = answerer.answer("广东有没有关于中医药的答复？")
    assert not absent.answered and "广东" in absent.text
    # Two places no one letter is from: each names its letter.
    both = answerer.answer("郑州市的中医药展馆提案和泌阳县申请中医药资金的建议，分别是怎么答复的？")
    assert both.answered and {"a.txt", "b.txt"} <= {c.source for c in both.citations}


def test_letters_to_several_proposers_are_listed_by_their_addressee(tmp_path: Path) -> None:
    # Made up: two letters to several deputies, one to one deputy, one to a delegation.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例路已列入硬化计划。", "东山县交通运输局", addressee="王某、李某代表"),
        "b.txt": _letter("示例校舍将于年内维修。", "东山县教育局", addressee="张某(等10位)代表"),
        "c.txt": _letter("示例渠道已修复。", "东山县水利局", addressee="赵某代表"),
        "d.txt": _letter("示例园区将扩建。", "东山县发展和改革局", addressee="示例代表团"),
    })  # fmt: skip
    answer = answerer.answer("哪些答复回应的是多位代表联名提的建议？")
    assert answer.answered and answer.text.startswith("共2封")
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}


def test_a_single_character_says_its_term_in_a_word_with_another_term(tmp_path: Path) -> None:
    from rag.answer.topic import Term

    # Made up: two letters of one district, one about its pomelo (示例柚), one about schools.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("我区将扶持示例柚产业，建设标准化果园500亩。", "示例区农业农村委员会", date="2020年7月8日"),
        "b.txt": _letter("我区将推进示例职业教育，新建实训基地2个。", "示例区发展和改革委员会"),
    })  # fmt: skip
    terms = [Term(("示例",), 1.0), Term(("柚子", "柚"), 1.0)]
    assert answerer.topics.coverage(terms, "示例柚产业", weak=False) == 1.0
    assert answerer.topics.coverage(terms, "示例职业教育", weak=False) == 0.5
    from rag.search.query import analyze

    assert "date" in analyze("Which agency answered the proposal about the pomelo, and when?").intents


def test_a_body_taking_part_in_the_handling_asks_the_co_handlers(tmp_path: Path) -> None:
    from rag.search.query import analyze

    assert "cohandlers" in analyze("办理时有商务部门参与吗？").intents
    assert "cohandlers" in analyze("哪些部门参加了办理？").intents
    assert "cohandlers" not in analyze("怎样鼓励群众参与垃圾分类？").intents
    # Made up: a letter handled with two other bodies.
    answerer = _answerer(tmp_path, {
        "a.txt": "【示例】虚构。\n张三代表：\n您提出的《关于示例柠檬品牌的建议》收悉。经与区商务委、区财政局认真研究办理，"
        "现答复如下：\n我委将培育示例柠檬区域公用品牌。\n示例区农业农村委员会\n2024年6月26日\n",
    })  # fmt: skip
    first = answerer.answer("示例柠檬品牌的建议，办理时有商务部门参与吗？").text.splitlines()[0]
    assert "区商务委" in first


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("有没有哪份答复讲到在小区建充电桩的？", "小区建充电桩"),
        ("哪封复函说到了老年食堂？", "老年食堂"),
        ("河南这边跟中医药有关的提案有哪些？", "河南 中医药"),
    ],
)
def test_words_that_only_frame_the_question_leave_its_topic(question: str, topic: str) -> None:
    from rag.answer.frame import read_frame
    from rag.search.query import analyze

    assert read_frame(question, analyze(question)).topic == topic


def test_asking_whether_any_letter_says_a_thing_needs_a_letter_that_says_it(tmp_path: Path) -> None:
    from rag.search.query import analyze

    assert analyze("有没有哪份答复讲到老年食堂的？").exists and analyze("骑手权益保障，有提案答复吗？").exists
    # Made up: a letter about parking in a residential compound; one about canteens.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例小区门口车辆乱停，我局将协调周边单位停车位错时共享。", "示例区城市管理局"),
        "b.txt": _letter("全区已建成社区老年食堂25个。", "示例区民政局"),
    })  # fmt: skip
    absent = answerer.answer("有没有哪份答复讲到在小区建电动自行车集中充电桩的？")
    assert not absent.answered
    present = answerer.answer("有没有哪份答复讲到老年食堂的？")
    assert present.answered and {c.source for c in present.citations} == {"b.txt"}


def test_peoples_organisations_are_bodies_a_question_names() -> None:
    from rag.answer.frame import read_bodies

    assert [(b.core, b.sender) for b in read_bodies("残联有没有答复过辅助器具的建议？")] == [("残疾人联合会", True)]
    assert [b.core for b in read_bodies("市妇联怎么答复的")] == ["妇女联合会"]
    assert [b.core for b in read_bodies("县残疾人联合会的答复")] == ["残疾人联合会"]


def test_the_tail_of_a_quoted_suggestion_is_not_quoted_as_the_answer(tmp_path: Path) -> None:
    # Made up: the suggestion quoted with a comma inside, then the answer to it.
    text = _letter(
        "关于您提出的“增设示例站点，延长末班车运营时间”建议。目前，示例线路末班车已延长至22时。",
        "示例区交通运输局",
    )
    said = _sentences_of(tmp_path, text)
    assert not any("末班车运营时间" in x for x in said) and any("22时" in x for x in said)


def test_a_place_misspelt_by_sound_is_the_senders_place() -> None:
    from rag.search.respell import PlaceSpeller

    speller = PlaceSpeller(lambda: ["丘北县教育体育局", "示例市和平区民政局", "临猗县水利局"])
    assert speller.meant("邱北县") == "丘北县" and speller.meant("何平区") == "和平区"
    assert speller.meant("临邑县") is None  # a county of its own, though it sounds like 临猗县
    assert speller.meant("秋水县") is None  # sounds like no sender's place
    assert speller.meant("丘北县") is None
    # Two senders' places it could be: neither is guessed.
    assert PlaceSpeller(lambda: ["和平区民政局", "合平区民政局"]).meant("何平区") is None
    assert speller.respell("邱北县教育体育局怎么答复的？") == ("丘北县教育体育局怎么答复的？", ["邱北县→丘北县"])


def test_a_question_misspelling_the_senders_place_is_answered(tmp_path: Path) -> None:
    # Made up: a county bureau's letter on a school canteen; the question types the county
    # by a homophone (邱 for 丘), as pinyin input often does.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例中学食堂改造已列入今年计划，预计9月完工。", "丘北县教育体育局"),
    })  # fmt: skip
    answer = answerer.answer("邱北县教育体育局说示例中学食堂改造什么时候完工？")
    assert answer.answered and "9月" in answer.text
    assert not answerer.answer("北丘县教育体育局说示例中学食堂改造什么时候完工？").answered


def test_two_things_joined_and_asked_of_each_are_answered_from_a_letter_each(tmp_path: Path) -> None:
    # Made up: one district's replies on two things; a third on another street's lamps. No
    # place or body tells the two apart: the two sides of 和 do.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("样例大道新装路灯40盏，夜间照明已恢复。", "示例区城市管理局"),
        "b.txt": _letter("示例河沿岸护栏已列入今年改造计划，将更换护栏800米。", "示例区水利局"),
        "c.txt": _letter("虚构街路灯由街道负责维修，坏灯已全部修好。", "示例区城市管理局"),
    })  # fmt: skip
    answer = answerer.answer("样例大道的路灯和示例河的护栏分别怎么解决？")
    assert answer.answered and {c.source for c in answer.citations} == {"a.txt", "b.txt"}
    one = answerer.answer("样例大道的路灯是怎么答复的？")
    assert {c.source for c in one.citations} == {"a.txt"}


def test_an_english_answer_quotes_the_whole_sentence_its_figure_is_in(tmp_path: Path) -> None:
    # Made up: one long sentence, the count in its first clause and what it cost in its last.
    sentence = (
        "为解决样例大道夜间照明不足的问题，我局于今年三月组织施工单位进场，沿样例大道两侧新装太阳能路灯40盏，"
        "并对原有线路进行了全面检修和更换，同时在示例小学门口增设了人行横道警示灯两处，"
        "以上工程已于五月底全部完工并经区住房城乡建委组织的专家组现场验收合格，"
        "共投入资金12万元，由区级财政全额保障，后续维护由示例街道办事处负责。"
    )
    assert 150 < len(sentence) <= 200
    answerer = _answerer(tmp_path, {"a.txt": _letter(sentence, "示例区城市管理局")})
    answer = answerer.answer("How many solar street lamps were installed on Yangli Avenue (样例大道)?")
    assert answer.answered and "40" in answer.text.split("\n")[0]
    assert sentence in answer.text


def test_an_english_answers_support_needs_half_the_cover_of_a_chinese_ones(tmp_path: Path) -> None:
    # Made up: a sentence saying one of the question's words (路灯 for "street lamps") in
    # another paragraph; its cover of the translated words is below a Chinese question's floor.
    answerer = _answerer(tmp_path, {"a.txt": _letter(
        "样例大道新装太阳能路灯40盏，已全部亮灯。示例小学门口增设了警示灯两处。\n"
        "虚构公园改造工程已经启动。今后路灯维护由示例街道负责。",
        "示例区城市管理局",
    )})  # fmt: skip
    question = "How many solar street lamps were newly installed on Yangli Avenue (样例大道) this spring?"
    frame = read_frame(question, answerer.retriever.analyze(question))
    cover = answerer.topics.coverage(answerer.terms(frame), "今后路灯维护由示例街道负责。")
    assert answerer.settings.min_part / 2 <= cover < answerer.settings.min_part
    answer = answerer.answer(question)
    assert "今后路灯维护由示例街道负责" in answer.text and "虚构公园" not in answer.text


def test_a_list_a_body_narrows_admits_letters_saying_less_of_the_topic(tmp_path: Path) -> None:
    # Made up: a bureau's two letters on its rivers, one in other words (河道管护和综合整治),
    # and a letter of another body in the same words as the first.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例河河道综合治理工程已完工，河道综合治理长度12公里，河道综合治理资金已拨付。", "示例区水利局"),
        "e.txt": _letter("虚构溪的河道管护和综合整治由我局组织实施，每月巡查一次。", "示例区水利局"),
        "g.txt": _letter("全区农村饮水工程已覆盖所有行政村。", "示例区水利局"),
        "f.txt": _letter("虚构溪河道综合治理由街道组织实施。", "示例区城市管理局"),
    })  # fmt: skip
    answer = answerer.answer("示例区水利局有哪些关于河道综合治理的答复？")
    assert {c.source for c in answer.citations} == {"a.txt", "e.txt"}
    # Chosen by the topic alone, a letter must come close to the best one's evidence.
    topic_only = answerer.answer("哪些答复涉及河道综合治理？")
    assert "e.txt" not in {c.source for c in topic_only.citations}


def test_words_leading_into_a_body_are_not_its_place() -> None:
    from rag.answer.frame import read_bodies

    assert [b.name for b in read_bodies("哪些答复提到了区水利局？")] == ["区水利局"]
    assert [b.name for b in read_bodies("给县交通运输局提过建议吗")] == ["县交通运输局"]


def test_the_contact_is_the_office_person_and_phone_on_their_own_lines(tmp_path: Path) -> None:
    from rag.letters.values import field_value

    # Made up: a flattened page ran the signer into the contact line; the office to ring,
    # the person and the phone stand on lines of their own with blank lines between.
    text = _letter(
        "示例路路灯已修复。\n特此答复。\n\n联系单位:示例县城市管理局\n\n联 系 人:张三 13800000000\n\n"
        "签发人:李四 联系电话:0000-1234567",
        "示例县城市管理局",
    )
    answerer = _answerer(tmp_path, {"a.txt": text})
    letter = next(iter(answerer.retriever.index.letters.values()))
    value = field_value(letter, "contact").value
    assert value == "联系单位:示例县城市管理局 联 系 人:张三 13800000000 联系电话:0000-1234567"


def test_an_english_answer_fills_its_supports_over_the_floor(tmp_path: Path) -> None:
    # Made up: a second sentence far below the best support's score but over the English floor
    # (路灯 for "street lamps"); a Chinese answer would keep only those close to the best.
    answerer = _answerer(tmp_path, {"a.txt": _letter(
        "样例大道新装太阳能路灯40盏，已全部亮灯。示例小学门口增设了警示灯两处。\n"
        "虚构公园改造工程已经启动。样例大道的太阳能路灯今年春季由示例公司新装完成。\n"
        "另有虚构广场绿化提升工作正在推进。今后路灯维护由示例街道负责。",
        "示例区城市管理局",
    )})  # fmt: skip
    answer = answerer.answer("How many solar street lamps were newly installed on Yangli Avenue (样例大道) this spring?")
    assert "由示例公司新装完成" in answer.text and "今后路灯维护由示例街道负责" in answer.text
    assert "虚构广场" not in answer.text and "虚构公园" not in answer.text


def test_a_field_asked_of_two_things_joined_is_read_from_a_letter_each(tmp_path: Path) -> None:
    # Made up: two bodies' replies on two things; the question names neither body.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("样例大道新装路灯40盏，夜间照明已恢复。", "示例区城市管理局"),
        "b.txt": _letter("示例河沿岸护栏已列入今年改造计划，将更换护栏800米。", "示例区水利局"),
        "c.txt": _letter("虚构街路灯由街道负责维修，坏灯已全部修好。", "示例区住房和城乡建设委员会"),
    })  # fmt: skip
    both = answerer.answer("样例大道的路灯和示例河的护栏分别是哪个单位答复的？")
    assert "示例区城市管理局" in both.text and "示例区水利局" in both.text
    assert both.text.index("示例区城市管理局") < both.text.index("示例区水利局")  # in the question's order
    assert "住房和城乡建设委员会" not in both.text
    one = answerer.answer("样例大道的路灯是哪个单位答复的？")
    assert "示例区城市管理局" in one.text and "示例区水利局" not in one.text


def test_a_page_row_of_labels_with_their_values_in_their_cells_is_read(tmp_path: Path) -> None:
    # Made up (【示例】虚构): a proposal page whose header row puts each value in its label's
    # cell, and a page's links to the letters before and after it.
    text = (
        "关于示例景区开发的建议 |\n所属类别:委员提案 |\n提案人:张示例 | 联名人:李虚构 |\n"
        "【示例】虚构。\n示例景区开发已列入明年计划。\n示例区文化和旅游委员会\n2024年5月1日\n"
        "上一条:示例区文化和旅游委员会关于另一件建议的答复\n"
    )
    answerer = _answerer(tmp_path, {"a.txt": text})
    answer = answerer.answer("示例景区开发那件建议，提案人和联名人分别是谁？")
    assert "张示例" in answer.text and "李虚构" in answer.text
    from rag.letters.values import named_labels

    letter = next(iter(answerer.retriever.index.letters.values()))
    assert named_labels(letter, "上一条是什么？") == []


def test_an_english_question_whether_any_letter_discusses_a_thing_needs_the_thing(tmp_path: Path) -> None:
    from rag.search.query import analyze

    assert analyze("Did any letter discuss drone delivery?").exists
    assert analyze("Has any reply mentioned street lamps?").exists
    # Made up: a letter on street lamps, one on a nature reserve's regulations.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("样例大道新装路灯40盏，夜间照明已恢复。", "示例区城市管理局"),
        "b.txt": _letter("根据自然保护区条例，核心区内禁止放牧。", "示例县林业局"),
    })  # fmt: skip
    assert not answerer.answer("Did any letter discuss drone delivery regulation?").answered
    lamps = answerer.answer("Did any letter discuss street lamps?")
    assert lamps.answered and {c.source for c in lamps.citations} == {"a.txt"}


def test_an_abstentions_suggestions_are_named_by_title_and_sender(tmp_path: Path) -> None:
    # Made up: a letter whose own title has no punctuation (no file name is all Chinese).
    text = (
        "【示例】虚构。\n关于区人大二次会议第12号建议的答复\n张三代表：\n您的建议收悉，现答复如下：\n"
        "示例路公交站台已完成改造。\n示例区交通运输局\n2024年5月1日\n"
    )
    answerer = _answerer(tmp_path, {"a.txt": text})
    answer = answerer.answer("虚构市交通运输局对示例路公交站台的建议怎么答复的？")
    assert not answer.answered and answer.suggestions
    first = answer.suggestions[0]
    assert first["title"] == "关于区人大二次会议第12号建议的答复" and first["agency"] == "示例区交通运输局"
    from rag.answer.compose import title_of

    assert title_of(next(iter(answerer.retriever.index.letters.values()))) == first["title"]


def test_two_fields_joined_are_not_two_things(tmp_path: Path) -> None:
    # Made up: 承办负责人和承办人 asks two fields of one letter; the other letter has a 承办人 too.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("样例镇公交线路已开通。\n承办负责人：王某\n承办人：李某", "示例区交通运输局"),
        "b.txt": _letter("样例镇公交站台旁的示例河护栏已更换。\n承办人：赵某\n承办人：赵某", "示例区水利局"),
    })  # fmt: skip
    answer = answerer.answer("样例镇开公交那份答复，承办负责人和承办人分别是谁？")
    assert {c.source for c in answer.citations} == {"a.txt"}


def test_a_level_word_is_not_a_city() -> None:
    from rag.answer.frame import read_places

    assert read_places("万盛经开区创建市级高新区的建议") == ()
    assert read_places("争创省级示范区") == ()
    assert read_places("重庆市级部门怎么答复") == ("重庆市",)  # a known city before 级 stays


def test_a_provincial_sender_without_a_place_is_the_province_its_title_names_a_city_of(tmp_path: Path) -> None:
    # Made up: a 厅 that writes no province, answering a suggestion about a city of 四川省; and
    # one whose title names a city of another province.
    answerer = _answerer(tmp_path, {
        "a.txt": "【示例】虚构。\n关于支持宜宾市建设创新型城市的答复\n王五代表：\n"
        "您的建议收悉。我厅将会同省发改委组织专家评议试点建设方案，争取早日获批。\n科技厅\n2024年5月1日\n",
        "b.txt": "【示例】虚构。\n关于支持洛阳市建设创新型城市的答复\n赵六代表：\n"
        "您的建议收悉。我厅将组织专家评议洛阳的创新型城市方案，年内报送。\n科技厅\n2024年6月1日\n",
    })  # fmt: skip
    for province, source in (("四川省", "a.txt"), ("河南省", "b.txt")):
        answer = answerer.answer(f"{province}科技厅关于创新型城市的答复是哪天发的？")
        assert answer.answered and {c.source for c in answer.citations} == {source}


def test_a_division_written_by_its_bare_name_is_a_place(tmp_path: Path) -> None:
    # Made up: two cities' replies on school crossings; the question names both cities bare
    # and asks of each — a letter from each answers, in the question's order.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("在实验小学门前设立临时信号灯，上下学期间安排警力值守。", "丹东市公安局"),
        "b.txt": _letter(
            "已将实验小学路口的信号灯建设列入第四季度工作计划，上下学期间安排警力值守。",
            "新乡市公安局", "李四代表", "2024年6月1日",
        ),
    })  # fmt: skip
    assert set(answerer.gate.bare_places("新乡实验小学门口和丹东实验小学门口")) == {"新乡", "丹东"}
    assert answerer.gate.bare_places("会同哪些部门办理") == []  # a word, not 会同县
    answer = answerer.answer("新乡实验小学门口和丹东实验小学门口，孩子过马路不安全，交警怎么弄的？")
    assert [c.source for c in answer.citations][:1] == ["b.txt"]
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}


def test_each_named_thing_is_asked_without_the_others_bare_names() -> None:
    from rag.answer.extractive import _cut

    q = "东昌区和华容县两封答复：华容的公厕建在哪？东昌那边审批权归谁？"
    assert _cut(q, [(0, 3), (4, 7)], 0) == "东昌区和两封答复：的公厕建在哪？东昌那边审批权归谁？"
    assert _cut(q, [(0, 3), (4, 7)], 1) == "和华容县两封答复：华容的公厕建在哪？那边审批权归谁？"


def test_a_town_no_letter_names_is_missing_when_the_letter_is_about_another(tmp_path: Path) -> None:
    # Made up: one letter on a town's health centre. Asked about another town's, the answer
    # says the collection has none; asked with the town shortened, the letter answers.
    answerer = _answerer(tmp_path, {
        "a.txt": "【示例】虚构。\n关于新建横山镇卫生院的建议的复函\n张三代表：\n您的建议收悉，现答复如下：\n"
        "横山镇卫生院新院建设因用地和资金未落实暂缓，我委将积极争取专项资金。\n某某区卫生健康委员会\n2024年5月1日\n",
    })  # fmt: skip
    other = answerer.answer("某某区卫健委对建设石角镇卫生院的建议是怎么回复的？")
    assert not other.answered and "石角镇" in other.text
    assert answerer.answer("某某区卫健委对建设横山镇卫生院的建议是怎么回复的？").answered
    assert answerer.answer("某某区卫健委对建设横山乡卫生院的建议是怎么回复的？").answered  # written otherwise


def test_an_english_question_spelling_a_city_with_no_letter_abstains_naming_it(tmp_path: Path) -> None:
    # Made up: a Chongqing district's reply on public toilets.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("今年新建公共厕所12座，改造地铁站周边公厕5座。", "重庆市江北区住房和城乡建设委员会"),
    })  # fmt: skip
    wuhan = answerer.answer("How did Wuhan's housing bureau reply about public toilets near metro stations?")
    assert not wuhan.answered and "Wuhan (武汉)" in wuhan.text
    assert answerer.answer("How many public toilets were built in Chongqing's Jiangbei district?").answered
    # A city run into another name is a modifier, not where the letter is from.
    question = "How many toilets did the Wuhan–Chongqing exchange programme build?"
    frame = read_frame(question, answerer.retriever.analyze(question))
    assert not [c for c in answerer.gate.constraints(frame) if c.kind == "place"]


def test_a_part_the_first_parts_quote_answers_is_not_said_to_be_unstated(tmp_path: Path) -> None:
    # Made up: one clause run answers both parts; neither may be called unstated.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("示例经开区2021年全社会研发投入同比增长30%,科技型企业累计达到357家。", "某某市科学技术局"),
    })  # fmt: skip
    answer = answerer.answer("示例经开区2021年的研发投入增长了多少?科技型企业有多少家?")
    assert answer.answered and "30%" in answer.text and "357家" in answer.text
    assert "没有写明" not in answer.text


def test_a_sentence_that_speaks_of_the_suggestion_is_about_what_it_asked(tmp_path: Path) -> None:
    # Made up (【示例】虚构): only the restated suggestion names the road; the answer says
    # "你所提的建议" — it is about that road. Receiving the suggestion says nothing of it.
    text = (
        "【示例】虚构。\n王某代表:\n你提出的“关于解决甲乙村至丙丁村组公路硬化的建设”,已交我局研究办理,现答复如下:\n"
        "我局在接到此建议后,高度重视,立即安排人员实地查看。\n"
        "加大农村公路建设是我局的责任,近年来我们大力解决群众出行难问题。"
        "目前主要修建还未通硬化路的进村路,你所提的建议暂不能解决,只能纳入项目库。\n"
        "示例县交通运输局\n2023年8月8日\n"
    )
    answerer = _answerer(tmp_path, {"a.txt": text, "b.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局")})
    for question in ("甲乙村到丙丁村那条路交通局怎么答复的？", "甲乙村到丙丁村的路啥时候修？"):
        out = answerer.answer(question)
        assert out.answered, question
        assert out.text.splitlines()[0].startswith("目前主要修建还未通硬化路的进村路,你所提的建议暂不能解决"), question


def test_a_count_asked_for_leads_even_when_money_is_more_on_the_topic(tmp_path: Path) -> None:
    # Made up (【示例】虚构): one long sentence gives the money first, the count asked for last.
    body = (
        "为改善示例县城乡办学条件，县教育局近年来持续加大学校建设投入，2023年共投入学校建设资金3200万元，"
        "用于城区学校和乡镇学校的校舍维修、运动场改造和教学设备更新，完成了城区和乡镇学校的多项改造工程，"
        "改善了师生的学习和生活条件，受到了家长和社会各界的普遍好评，"
        "各校食堂、宿舍和图书室的条件也得到了明显提升，教师队伍的结构进一步优化，教育教学质量稳步提高，"
        "同时新建乡镇寄宿制学校5所，新增学位1200个。"
    )
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(body, "示例县教育局"), "b.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局"),
    })  # fmt: skip
    assert "5所" in answerer.answer("示例县学校建设新建了多少所寄宿制学校？").text.splitlines()[0]
    assert "3200万元" in answerer.answer("示例县学校建设投入了多少资金？").text.splitlines()[0]


def test_a_pages_label_rows_title_and_report_formula_are_not_sentences(tmp_path: Path) -> None:
    # Made up (【示例】虚构): no salutation, so the body starts at the top of the page.
    text = (
        "索引号: | sl-2018-00015 | 发布机构: | 示例局 |\n文 号: | 示文发[2018]141号 | 所属主题: | 政务信息 |\n"
        "关于对县十八届人民代表大会二次会议建议办理进展情况报告\n"
        "此建议由我局负责办理,现将办理进展情况汇报如下:目前文化广场项目资金只下达到行政村一级。\n"
        "示例局\n2018年7月27日\n"
    )
    assert _sentences_of(tmp_path, text) == ["目前文化广场项目资金只下达到行政村一级。"]


def test_how_a_letter_dealt_with_it_leads_with_its_first_enumerated_measure(tmp_path: Path) -> None:
    # Made up (【示例】虚构): a site visit named with every word of the question, then the measures.
    body = (
        "示例交警大队负责人到青松岭小学实地调研,与代表和青松岭小学负责人探讨,认真研究学生上下学存在的交通安全问题,并提出解决办法。\n"
        "一是在青松岭小学上下学期间,门前设立临时信号灯。\n二是在学校两侧道路设立减速慢行提示标志。"
    )
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(body, "示例市公安局"), "b.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局"),
        "c.txt": _letter("示例镇卫生院已完成改造，新增床位30张。", "某某县卫生健康局"),
        "d.txt": _letter("全县已建成老年食堂12个，明年再建5个。", "某某县民政局"),
        "e.txt": _letter("我局将在示例路口增设人行横道线。", "某某区城市管理局"),
    })  # fmt: skip
    out = answerer.answer("青松岭小学门口孩子上学过马路不安全,交警怎么弄的?")
    assert out.text.startswith("一是在青松岭小学上下学期间,门前设立临时信号灯。")


def test_a_row_its_sender_alone_chose_says_which_suggestion_it_answers(tmp_path: Path) -> None:
    # Made up (【示例】虚构): two towns' letters; a list of the letters towns wrote.
    answerer = _answerer(tmp_path, {
        "t1.txt": "【示例】虚构。\n王某代表：\n您提出的《关于对青石河大桥危桥改建的建议》收悉，现答复如下：\n"
        "我镇已组织检测，该桥不属于危桥。\n某某县青石镇人民政府\n2022年6月1日\n",
        "t2.txt": _letter("村道硬化已完成3公里。", "某某县红土镇人民政府", "李四代表"),
        "c.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局"),
    })  # fmt: skip
    answer = answerer.answer("有哪些是镇政府作出的答复？")
    row = next(line for line in answer.text.splitlines() if "青石镇" in line)
    assert "《关于对青石河大桥危桥改建的建议》" in row and "收悉" not in row


def test_a_list_admits_a_letter_by_the_suggestion_it_answers(tmp_path: Path) -> None:
    # Made up (【示例】虚构): two replies on embankments; the second's reply never repeats the
    # suggestion's words (加固…河堤), it speaks of 堤防 and 防洪.
    def reply(suggestion: str, body: str, sender: str) -> str:
        return f"【示例】虚构。\n张三代表：\n您提出的《{suggestion}》收悉，现答复如下：\n{body}\n{sender}\n2024年5月1日\n"

    answerer = _answerer(tmp_path, {
        "a.txt": reply("关于加固青石河河堤的建议", "我局已将青石河河堤加固列入今年计划，加固河堤1.2公里。", "某某县水务局"),
        "b.txt": reply("关于加固红土河河堤提高防洪能力的建议", "红土河堤防工程已申报省级项目，待批复后实施。", "某某市水利局"),
        "c.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局"),
        "d.txt": _letter("全县已建成老年食堂12个。", "某某县民政局"),
    })  # fmt: skip
    answer = answerer.answer("有哪些建议是要求加固河堤的?")
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}


def test_a_contact_unit_line_is_not_a_sentence_to_quote(tmp_path: Path) -> None:
    # Made up (【示例】虚构): the contact block under the signature names the sender again.
    text = _letter("我局已为摊贩办理食品摊贩信息公示卡。", "示例县市场监督管理局") + "联系单位:示例县市场监督管理局\n"
    assert _sentences_of(tmp_path, text) == ["我局已为摊贩办理食品摊贩信息公示卡。"]


def test_a_letter_from_the_small_place_asked_about_answers_a_loosely_worded_question(tmp_path: Path) -> None:
    # Made up (【示例】虚构): a caller's words match the county's letter loosely; another
    # county's letter on street food says more of them, but is not from the county named.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(
            "对门口占道经营的流动食品摊贩进行疏导,按照备案管理办法为在允许区域经营的摊贩办理《食品摊贩信息公示卡》,亮卡经营。",
            "青石县市场监督管理局",
        ),
        "b.txt": _letter(
            "我局对集市主办方开展食品安全约谈,要求在学校门口落实食品安全管理制度,规范集市经营秩序。",
            "红土区市场监督管理局",
            "李四代表",
        ),
        "c.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局"),
        "d.txt": _letter("全县已建成老年食堂12个。", "某某县民政局"),
    })  # fmt: skip
    out = answerer.answer("青石县学校门口摆流动小吃摊的,市场监管局要他们办个啥卡才能合规摆摊?")
    assert out.answered and {c.source for c in out.citations} == {"a.txt"}


def test_the_most_one_may_borrow_is_the_highest_amount_and_its_years_are_not_unstated(tmp_path: Path) -> None:
    # Made up (【示例】虚构): a rent subsidy on the topic first; the loan cap, written with 最高.
    body = (
        "对返乡创业农民注册的个体工商户可享受创业场所租赁补贴,标准为每年每户5000元。\n"
        "返乡创业农民个人可申请最高20万元创业担保贷款,贷款期限一次最长不超过3年。"
    )
    answerer = _answerer(tmp_path, {
        "a.txt": _letter(body, "示例区人力资源和社会保障局"),
        "b.txt": _letter("全市公交线路已增至20条。", "某某市交通运输局"),
        "c.txt": _letter("全县已建成老年食堂12个。", "某某县民政局"),
    })  # fmt: skip
    out = answerer.answer("示例区农民返乡创业,个人最多能贷多少?能贷几年?")
    assert "20万元" in out.text.splitlines()[0]
    assert "没有写明" not in out.text


def test_a_sentence_saying_only_where_the_suggestion_was_sent_is_not_quoted(tmp_path: Path) -> None:
    # Made up (【示例】虚构): the restated proposal, then only where it went; then the answer.
    text = _letter(
        "您在县政协会议上提出的《关于示例返乡创业的建议》的提案,已于3月转交我局办理。全县已建成返乡创业园3个。",
        "示例县人力资源和社会保障局",
    )
    assert _sentences_of(tmp_path, text) == ["全县已建成返乡创业园3个。"]


def test_two_things_joined_with_their_own_words_are_asked_apart() -> None:
    """丹东…门口和新郑…路口，…分别: each thing keeps its own words and sheds the other's;
    where the words after the last thing are said of both, only the names are cut."""
    from rag.answer.extractive import _cut

    q = "云岭县实验小学门口和示范县建设路口,孩子上学过马路不安全,交警那边分别怎么弄的?"
    items = [(0, 3), (10, 13)]
    assert _cut(q, items, 0) == "云岭县实验小学门口,孩子上学过马路不安全,交警那边分别怎么弄的?"
    assert _cut(q, items, 1) == "示范县建设路口,孩子上学过马路不安全,交警那边分别怎么弄的?"
    shared = "云岭县和示范县的路灯分别是什么时候装的?"
    assert _cut(shared, [(0, 3), (4, 7)], 1) == "和示范县的路灯分别是什么时候装的?"


def test_each_thing_of_a_split_question_is_answered_by_a_letter_at_its_place(tmp_path: Path) -> None:
    # Made up: two counties' traffic police letters, and a third county's on a school gate
    # that shares the question's words about children crossing.
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("在实验小学上下学期间，门前设立临时信号灯，安排警力护送学生过马路。", "某某市云岭县公安局"),
        "b.txt": _letter("建设路口的交通信号灯建设列入今年第四季度工作计划。", "某某市青禾县公安局"),
        "c.txt": _letter("孩子上学过马路不安全的问题，我局在实验小学门口设置护学岗，上学期间民警现场疏导。", "某某市样板县公安局"),
    })  # fmt: skip
    answer = answerer.answer("云岭县实验小学门口和青禾县建设路口,孩子上学过马路不安全,交警那边分别怎么弄的?")
    assert "临时信号灯" in answer.text and "第四季度" in answer.text
    assert {c.source for c in answer.citations} == {"a.txt", "b.txt"}


def test_a_placeless_letter_is_at_the_place_its_file_name_spells(tmp_path: Path) -> None:
    # Made up: a county bureau that signs without its county, in a file named for the county
    # in pinyin; another county's letter says more of the question's words.
    answerer = _answerer(tmp_path, {
        "031_xichou_gongan_2021.txt": _letter("该路口的红绿灯建设列入今年第四季度工作计划。", "县公安局"),
        "b.txt": _letter("县城路口的红绿灯已于去年安装完成，路口红绿灯运行良好。", "某某市马关县公安局"),
    })  # fmt: skip
    answer = answerer.answer("西畴县城路口的红绿灯什么时候装？")
    assert answer.answered and answer.citations[0].source == "031_xichou_gongan_2021.txt"
    gate = answerer.gate
    letters = {lt.source: lt for lt in answerer.retriever.index.letters.values()}
    assert gate.file_places(letters["031_xichou_gongan_2021.txt"]) == ("西畴",)
    assert gate.file_places(letters["b.txt"]) == ()  # its sender has a place


def test_a_list_naming_a_district_none_of_its_letters_is_from_abstains(tmp_path: Path) -> None:
    # Made up: two districts' bus letters; the district asked about wrote only on canteens, a
    # letter the search for buses does not reach in a large collection (its hits left out).
    answerer = _answerer(tmp_path, {
        "a.txt": _letter("今年新开通公交线路3条，优化调整公交线路5条。", "某某市南岸区交通局"),
        "b.txt": _letter("我区公交线路已覆盖全部街道，新增公交站点12个。", "某某市江北区交通局"),
        "c.txt": _letter("全区老年食堂已建成42个。", "某某市和平区民政局"),
    })  # fmt: skip
    question = "和平区有没有关于公交线路的答复？"
    frame = read_frame(question, answerer.retriever.analyze(question))
    hits = [h for h in answerer.retriever.search(question, 20) if h.letter.source != "c.txt"]
    answer = answerer._route(frame, hits, None, ())
    assert not answer.answered and "和平区" in answer.text and answer.citations == ()
    assert answerer.answer("江北区有没有关于公交线路的答复？").answered


def test_an_english_question_for_money_is_not_answered_by_a_length(tmp_path: Path) -> None:
    # Made up: the letter gives the length of cable replaced, and no cost.
    answerer = _one_letter(
        tmp_path,
        "针对示例路照明不足的问题，我局已更换200余米老化路灯线路，并更换45盏路灯灯具为LED灯具。",
        "示例县城市管理局",
    )
    answer = answerer.answer("How much money did the bureau spend replacing the street lamps on Shili Road with LED?")
    assert "200" not in answer.text.splitlines()[0] and "not state" in answer.text.splitlines()[0]


def test_an_unsigned_letter_is_the_body_its_file_name_spells(tmp_path: Path) -> None:
    # Made up: a letter that names no sender and speaks as 我局, in a file named for the county
    # and the water bureau in pinyin; a city water bureau's letter on water quality too.
    answerer = _answerer(tmp_path, {
        "012_xichou_shuili_2024.txt": _letter("河道水质保护一直是我局工作重点，我局每周组织河道保洁两次。", ""),
        "b.txt": _letter("下一步，我市将加强区域用水调度与水质管控，保障水质安全。", "某某市水利局"),
    })  # fmt: skip
    answer = answerer.answer("西畴县河道的水质保护，水利局是怎么答复的？")
    assert answer.answered and answer.citations[0].source == "012_xichou_shuili_2024.txt"


def test_which_places_replied_asks_for_the_letters_in_everyday_words_too() -> None:
    """哪几个地方的…部门回过 asks which letters, as 哪些部门答复过 does, though it names one
    suggestion's kind (…的建议,); asking what one letter lists does not."""
    assert read_frame("加固河堤的建议,有哪几个地方的水利/水务部门回过?各是哪条河").wants_list
    assert read_frame("关于公交线路的建议，哪些区县回了？").wants_list
    assert not read_frame("该复函提到了哪些措施?").wants_list
