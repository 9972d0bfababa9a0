"""Tests for rag.letters.fields: real dev letters read in place, plus made-up snippets per rule.

Every snippet below is invented for these tests (names, numbers and agencies are made
up); no letter text from the corpus is copied into the repository.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from rag.evaluation.fields import evaluate_fields, read_letter
from rag.letters.dates import parse_date
from rag.letters.fieldrules import find_session
from rag.letters.fields import extract_fields
from rag.types import FIELD_NAMES, Letter

SEED = "000_cq_jingxin_zhigu_proposal_0310_2020.txt"


def _parsed(text: str) -> Letter:
    """A made-up letter's text with the fields the parser reads from it."""
    return Letter("x", "x.txt", text, extract_fields(text))


def _subject_of(text: str) -> str | None:
    """The suggestion a made-up letter answers, as the record reads it."""
    from rag.letters.values import field_value

    return field_value(_parsed(text), "subject").value


def _gold(corpus_dir: Path) -> dict[str, dict]:
    rows = [
        json.loads(x) for x in (corpus_dir / "fields.jsonl").read_text("utf-8").splitlines() if x
    ]
    return {row["file"]: row for row in rows}


# --- real dev letters -------------------------------------------------------------------


def test_seed_letter_matches_gold(corpus_dir: Path) -> None:
    gold = _gold(corpus_dir)[SEED]
    got = extract_fields(read_letter(corpus_dir / SEED)).as_dict()
    for name in FIELD_NAMES:
        want = gold[name] if gold[name] != [] else []
        assert got[name] == want, name


def test_dev_corpus_accuracy_and_no_false_fills(corpus_dir: Path) -> None:
    report = evaluate_fields(corpus_dir)
    assert report.letters == len(list(corpus_dir.glob("*.txt")))
    assert report.accuracy >= 0.95, report.to_text()
    assert report.false_fills == 0, report.to_text()


def test_spans_point_at_the_values(corpus_files: list[Path]) -> None:
    for path in corpus_files:
        text = read_letter(path)
        fields = extract_fields(text)
        for name in FIELD_NAMES:
            value = getattr(fields, name)
            if value in (None, ()):
                assert name not in fields.spans, (path.name, name)
                continue
            start, end = fields.spans[name]
            quoted = text[start:end]
            if name == "date":
                assert parse_date(quoted) == value, (path.name, quoted)
            elif name == "cohandlers":
                assert all(body in quoted for body in value), (path.name, quoted)
            elif name == "kind":
                assert quoted, path.name
            elif value in text:
                assert quoted == value, (path.name, name, quoted)


def test_aliases_follow_gold_agency_short(corpus_dir: Path) -> None:
    gold = _gold(corpus_dir)
    agree = 0
    for name, row in gold.items():
        fields = extract_fields(read_letter(corpus_dir / name))
        agree += list(fields.agency_aliases) == row["agency_short"]
        assert all(a in read_letter(corpus_dir / name) for a in fields.agency_aliases)
    assert agree >= 0.9 * len(gold)


def test_canonical_agency_is_filled_for_named_senders(corpus_files: list[Path]) -> None:
    for path in corpus_files:
        fields = extract_fields(read_letter(path))
        assert (fields.agency is None) == (fields.agency_canonical is None), path.name


# --- made-up letters ----------------------------------------------------------------------

# Made-up letter: header block, two-line title, co-handlers, signer, signature.
MADE_UP = """您当前的位置: 首页>政务公开>建议提案办理
[ 索引号 ]
11500000MB0000000X/2024-00001
[ 发文字号 ]
渝样例函〔2024〕7号
[ 发布机构 ]
市样例委
[ 成文日期 ]
2024-05-02
示例市样例事务委员会
关于市九届人大一次会议第0042号
建议办理情况的答复函
王某某代表:
您提出的《关于改进样例工作的建议》(第0042号)收悉。经与市财政局、市某某局共同研究办理,现将办理情况答复如下。
一、工作情况
我委将会同市教委继续完善政策。
此复函已经赵某主任审签。
示例市样例事务委员会
2024年5月6日
"""


def test_made_up_letter_all_fields() -> None:
    f = extract_fields(MADE_UP)
    assert f.title == "关于市九届人大一次会议第0042号\n建议办理情况的答复函"
    assert f.doc_number == "渝样例函〔2024〕7号"
    assert f.index_number == "11500000MB0000000X/2024-00001"
    assert f.agency == "示例市样例事务委员会"
    assert f.date == "2024-05-06"  # the signature beats 成文日期
    assert f.addressee == "王某某代表"
    assert (f.kind, f.number, f.session) == ("建议", "0042", "市九届人大一次会议")
    assert f.cohandlers == ("市财政局", "市某某局")  # 会同市教委 in the work account is not one
    assert f.signer == "赵某"
    assert f.category is None


# Made-up letter: nothing names the sender; 我局 and a document-number prefix must not count.
ANONYMOUS = """某某函〔2023〕5号
对县八届人大二次会议第12号建议的答复
李某代表:
你提出的建议收悉,经研究,现答复如下:
我局高度重视,已安排专项资金。
2023年6月1日
"""


def test_sender_is_never_inferred() -> None:
    f = extract_fields(ANONYMOUS)
    assert f.agency is None and f.agency_canonical is None
    assert f.doc_number == "某某函〔2023〕5号"
    assert f.title == "对县八届人大二次会议第12号建议的答复"
    assert f.date == "2023-06-01"
    assert f.cohandlers == () and f.signer is None


def _letter(body: str, sign: str = "示例县样例局", header: str = "") -> str:
    """A made-up minimal letter around one statement."""
    return (
        f"{header}关于县五届人大三次会议第8号建议的答复\n张某代表:\n"
        f"你提出的建议收悉。{body}\n感谢你的关心。\n{sign}\n"
    )


@pytest.mark.parametrize(
    ("date_line", "iso"),
    [
        ("2020年5月22", "2020-05-22"),
        ("202362", "2023-06-02"),
        ("2023526", "2023-05-26"),
        ("二0一七年五月二十六日", "2017-05-26"),
        ("二〇二四年十二月三十一日", "2024-12-31"),
        ("2024年6月30日", "2024-06-30"),
        ("2023111", None),  # 1-11 or 11-1: ambiguous, never guessed
        ("二ΟΟ七年五月二十四日", "2007-05-24"),  # Greek capital omicrons for 〇
        ("二〇〇七年五月二十四日[1]", "2007-05-24"),  # an encyclopedia page's footnote mark
    ],
)
def test_signature_date_forms(date_line: str, iso: str | None) -> None:
    f = extract_fields(_letter("现答复如下。", sign=f"示例县样例局\n{date_line}"))
    assert f.date == iso


def test_iso_date_on_chengwen_line_and_page_dates() -> None:
    # Made-up headers: 成文日期 counts, 发布日期 / 日期 / 交办日期 never do.
    base = "关于县五届人大三次会议第8号建议的答复\n张某代表:\n你提出的建议收悉。\n"
    assert extract_fields("[ 成文日期 ] 2025-04-16\n" + base).date == "2025-04-16"
    assert extract_fields("成文日期:2025-04-16\n发布日期:2025-05-01\n" + base).date == "2025-04-16"
    for label in ("发布日期", "日期", "交办日期", "提交日期", "发布时间"):
        assert extract_fields(f"{label}:2025-05-01\n" + base).date is None, label


@pytest.mark.parametrize(
    ("header", "body", "want"),
    [
        ("办复类别:B类\n", "", "B"),
        ("(A)类\n", "", "A"),
        ("A类 同意公开\n", "", "A"),
        ("类别标记:A\n", "", "A"),
        ("A\n同意公开\n", "", "A"),
        ("C\n", "", "C"),
        ("", "", None),
        ("", "该路段属于C类(开放式道路)。", None),  # a class word in the body is not a mark
    ],
)
def test_category_forms(header: str, body: str, want: str | None) -> None:
    assert extract_fields(_letter(body, header=header)).category == want


def test_category_in_title() -> None:
    # Made-up title with the class mark inside it.
    text = "关于区五届人大二次会议B类第40号建议的复函\n刘某代表:\n你提出的建议收悉。\n"
    f = extract_fields(text)
    assert (f.category, f.number) == ("B", "40")


@pytest.mark.parametrize(
    ("statement", "signer"),
    [
        ("此复函已经钱某某主任审签。", "钱某某"),
        ("此复函已经县样例局局长孙某审签。", "孙某"),
        ("经县样例局周某某局长审核同意。", "周某某"),
        ("以上答复已经镇政府镇长吴某审阅。", "吴某"),
        ("此复函已经郑镇长审签。", "郑镇长"),  # a surname alone keeps its title
        ("此复函已经县样例局主要领导审签。", None),
        ("此复函已经县政府审定。", None),
    ],
)
def test_signer_forms(statement: str, signer: str | None) -> None:
    assert extract_fields(_letter(statement)).signer == signer


@pytest.mark.parametrize("label", ["签发人:冯某某", "领导签发:陈某"])
def test_signer_labels(label: str) -> None:
    assert (
        extract_fields(_letter("现答复如下。", header=label + "\n")).signer == label.split(":")[1]
    )


def test_signer_from_responsibility_lines_is_none() -> None:
    text = _letter("现答复如下。") + "承办负责人:褚某\n分管领导:卫某\n"
    assert extract_fields(text).signer is None


@pytest.mark.parametrize(
    ("statement", "bodies"),
    [
        ("经与县财政局、县样例中心共同研究办理,现答复如下:", ("县财政局", "县样例中心")),
        ("经与县财政局等协办单位共同研究办理,现答复如下:", ("县财政局",)),
        ("经县某某镇共同研究办理,现答复如下:", ("县某某镇",)),
        ("我局会同县教育局、县卫生健康局办理,现答复如下:", ("县教育局", "县卫生健康局")),
        ("本件由我局主办,县交通局、县公安局协办。现答复如下:", ("县交通局", "县公安局")),
        ("我局与县财政局、县农业农村局联系沟通,现答复如下:", ()),
        ("经认真研究,现答复如下:", ()),
    ],
)
def test_cohandler_forms(statement: str, bodies: tuple[str, ...]) -> None:
    f = extract_fields(_letter(statement))
    assert f.cohandlers == bodies
    if bodies:
        start, end = f.spans["cohandlers"]
        assert all(b in _letter(statement)[start:end] for b in bodies)


def test_cohandler_label() -> None:
    assert extract_fields(_letter("现答复如下。", header="协办单位: 县财政局\n")).cohandlers == (
        "县财政局",
    )


@pytest.mark.parametrize(
    ("salutation", "addressee"),
    [
        ("尊敬的蒋某委员:", "蒋某委员"),
        ("沈某、韩某代表:", "沈某、韩某代表"),
        ("某某党派市委员会", "某某党派市委员会"),  # no colon, next line starts the reply
        ("xxx委员:", "xxx委员"),
        ("区样例局:", "区样例局"),
    ],
)
def test_addressee_forms(salutation: str, addressee: str) -> None:
    text = f"关于市政协二届三次会议第5号提案的复函\n{salutation}\n你们提出的提案收悉。\n"
    f = extract_fields(text)
    assert f.addressee == addressee
    assert f.kind == "提案"


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        (
            "示例市样例局关于市政协二届三次会议第5号提案的复函",
            "关于市政协二届三次会议第5号提案的复函",
        ),
        (
            "样例函〔2024〕3号关于市政协二届三次会议第5号提案的复函",
            "关于市政协二届三次会议第5号提案的复函",
        ),
        (
            "2024年度示例区人民政府关于对市政协二届三次会议第5号提案的答复",
            "关于对市政协二届三次会议第5号提案的答复",
        ),
        ("《关于改进样例工作的提案》的答复", "《关于改进样例工作的提案》的答复"),
        ("对市政协二届三次会议第5号提案的回复", "对市政协二届三次会议第5号提案的回复"),
    ],
)
def test_title_forms(heading: str, title: str) -> None:
    f = extract_fields(f"{heading}\n王某委员:\n你提出的提案收悉。\n")
    assert f.title == title


def test_heading_directly_above_salutation_wins() -> None:
    # Made-up page with a page heading and the letter's own heading.
    text = (
        "关于改进样例工作的建议的答复\n关于区政协三届二次会议第9号提案的回复\n"
        "王某委员:\n你提出的提案收悉。\n"
    )
    assert extract_fields(text).title == "关于区政协三届二次会议第9号提案的回复"


def test_cohandling_opinion_letter_is_other() -> None:
    text = (
        "示例区样例局关于区政协一届一次会议第3号提案协办意见的函\n区某某局:\n"
        "现将某委员提案的协办意见送上,供你们答复委员时参考。\n"
    )
    f = extract_fields(text)
    assert (f.kind, f.addressee, f.agency) == ("其他", "区某某局", "示例区样例局")


def test_empty_and_unrelated_text() -> None:
    assert extract_fields("").as_dict() == {
        n: ([] if n == "cohandlers" else None) for n in FIELD_NAMES
    }
    f = extract_fields("首页 > 新闻\n今天天气很好。\n")
    assert all(v in (None, []) for v in f.as_dict().values())


def test_fieldeval_counts_false_fills(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text(
        "\ufeff" + _letter("现答复如下。").replace("\n", "\r\n"), "utf-8"
    )
    gold = {name: None for name in FIELD_NAMES} | {"file": "x.txt", "cohandlers": []}
    gold |= {
        "title": "关于县五届人大三次会议第8号建议的答复",
        "addressee": "张某代表",
        "kind": "建议",
    }
    (tmp_path / "fields.jsonl").write_text(json.dumps(gold, ensure_ascii=False) + "\n", "utf-8")
    report = evaluate_fields(tmp_path)
    assert (report.letters, report.gold_fields, report.correct) == (1, 3, 3)
    # number, session and the sender (signed without a date) are written in the letter but
    # null in this gold line
    assert report.false_fills == 3
    assert {m.field for m in report.mismatches} == {"number", "session", "agency"}
    assert "false fills: 3" in report.to_text()
    assert report.to_json()["per_field"]["title"]["accuracy"] == 1.0


# --- helpers behind extract_fields ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2020年5月22", "2020-05-22"),
        ("202362", "2023-06-02"),
        ("2023526", "2023-05-26"),
        ("20231201", "2023-12-01"),
        ("二0一七年五月二十六日", "2017-05-26"),
        ("2025-04-16", "2025-04-16"),
        ("2024.6.3", "2024-06-03"),
        ("2023年2月30日", None),
        ("2023111", None),
    ],
)
def test_parse_date(raw: str, iso: str | None) -> None:
    assert parse_date(raw) == iso


def test_parse_date_hint_resolves_ambiguous_digits() -> None:
    assert parse_date("2023111", hint="2023-11-01") == "2023-11-01"
    assert parse_date("2023111", hint="2024-01-01") is None


@pytest.mark.parametrize(
    "header",
    [
        "[ 索引号 ]\n1150000000000000AB/2024-00011\n[ 发文字号 ]\n样函〔2024〕2号\n",
        "[ 索引号 ] | 1150000000000000AB/2024-00011 | [ 发文字号 ] | 样函〔2024〕2号 |\n",
        "[ 索引号 ] 1150000000000000AB/2024-00011 [ 发文字号 ] 样函〔2024〕2号\n",
        "- [ 索引号 ]\n- 1150000000000000AB/2024-00011\n- [ 发文字号 ]\n- 样函〔2024〕2号\n",
        "索 引 号: 1150000000000000AB/2024-00011  文  号: 样函〔2024〕2号\n",
        "• 1150000000000000AB/2024-00011\n• 样函〔2024〕2号\n• 样例县样例局\n",
    ],
)
def test_header_layouts(header: str) -> None:
    # Made-up header blocks in the layouts government sites use.
    f = extract_fields(
        header + "关于县二届人大一次会议第3号建议的答复\n周某代表:\n你提出的建议收悉。\n"
    )
    assert f.index_number == "1150000000000000AB/2024-00011"
    assert f.doc_number == "样函〔2024〕2号"


def test_empty_doc_number_label_gives_none() -> None:
    for header in (
        "[ 发文字号 ]\n[ 主题分类 ] 其他\n",
        "文号:\n成文日期: 2024-01-02\n",
        "文号:无\n",
    ):
        text = header + "关于县二届人大一次会议第3号建议的答复\n周某代表:\n你提出的建议收悉。\n"
        assert extract_fields(text).doc_number is None, header


def test_session_search_stays_fast_on_long_place_runs() -> None:
    started = time.perf_counter()
    assert find_session("重庆市渝中区市区县" * 500) is None
    assert find_session("市" * 40 + "五届三次会议") is not None
    assert time.perf_counter() - started < 1.0


def test_menu_items_are_not_senders_but_a_department_site_name_is() -> None:
    # Made-up page tops.
    letter = "关于区二届人大一次会议第3号建议的答复\n周某代表:\n你提出的建议收悉。\n"
    assert extract_fields("首页\n新闻中心\n政务公开\n" + letter).agency is None
    assert extract_fields("示例市样例区人民政府\n首页>政务公开\n" + letter).agency is None
    f = extract_fields("示例市样例区民政局\n当前位置: 首页>政务公开\n" + letter)
    assert f.agency == "示例市样例区民政局"
    assert f.agency_canonical == "示例市样例区民政局"


def test_poster_lines_are_not_senders() -> None:
    # Made-up header: the congress office that posted the reply did not write it.
    letter = "对区二届人大一次会议第3号建议的答复\n周某代表:\n你提出的建议收悉。\n"
    assert extract_fields("发布单位:示例市人大办\n" + letter).agency is None
    assert extract_fields("来源:示例市样例局\n" + letter).agency == "示例市样例局"


@pytest.mark.parametrize(
    "signature",
    [
        "某某市水  利  局\n2022年8月1日\n",  # spaced out to fill the line
        "某某市水利局（盖章）\n2022年8月1日\n",  # a seal note
        "2022年8月1日\n某某市水利局\n",  # the date above the name
        "落款单位：某某市水利局\n2022年8月1日\n",
    ],
)
def test_the_signing_agency_is_read_however_the_signature_is_laid_out(signature: str) -> None:
    # Made up.
    text = "张三委员：\n您提出的关于加强河道治理的提案收悉，现答复如下：\n我局将于年内完成治理。\n\n" + signature
    fields = extract_fields(text)
    assert fields.agency == "某某市水利局" and fields.date == "2022-08-01"
    a, b = fields.spans["agency"]
    assert re.sub(r"\s", "", text[a:b]) == "某某市水利局"  # cited where it is written


def test_labels_spaced_out_or_in_the_footer_are_read() -> None:
    # Made up: a footer with spaced labels, an approver's label, and a 抄送 line.
    from rag.letters.values import field_value

    text = (
        "张三代表：\n您提出的关于修建人行天桥的建议收悉，现答复如下：\n我局已完成选址，明年开工。\n\n"
        "某某县交通运输局\n2023年5月6日\n审 签 人：李六\n联 系 人：王五\n联系电话：0871-1234567\n"
        "抄送：县人大常委会代表工委，县政府督查室。\n"
    )
    letter = _parsed(text)
    assert field_value(letter, "signer").value == "李六"
    contact = field_value(letter, "contact")
    assert contact.value is not None and "王五" in contact.value and "0871-1234567" in contact.value
    cc = field_value(letter, "cc")
    assert cc.value == "县人大常委会代表工委，县政府督查室"
    assert "抄送" in text[cc.start : cc.end]  # cited at its line
    assert field_value(Letter("y", "y.txt", text[:60], extract_fields(text[:60])), "cc").value is None


_BODY = "你提出的建议收悉，现答复如下：\n我局已完成选址，明年开工。\n感谢你的关心。\n"


@pytest.mark.parametrize(
    ("page", "sender"),
    [
        # table cells with no colon: rules between them, or runs of spaces
        ("索引号 | 1234/2023-001 | 发布机构 | 示例县样例局 |\n张三代表:\n" + _BODY, "示例县样例局"),
        ("索 引 号  x1/2018-0000035  公开方式  主动公开\n 公开日期  2018-12-14  发布机构  示例区样例局\n"
         "张三代表:\n" + _BODY, "示例区样例局"),
        # a label whose line goes on with other page furniture
        ("发布机构:示例市样例局 编辑:示例市样例局 审核: 管理员\n张三代表:\n" + _BODY, "示例市样例局"),
        # a department's section in the breadcrumb
        ("您当前的位置:首页 > 信息公开 > 示例县样例局 > 建议提案办理\n张三代表:\n" + _BODY, "示例县样例局"),
        # signed with no date, page footer after it
        ("张三代表:\n" + _BODY + "示例市公安局样例分局交通安全管理大队\n主办单位:示例区人民政府 版权所有\n",
         "示例市公安局样例分局交通安全管理大队"),
        # one body under two names
        ("张三代表:\n" + _BODY + "示例市住房和城乡建设局(市人民防空办公室)\n2021年8月25日\n",
         "示例市住房和城乡建设局(市人民防空办公室)"),
        # the lead handler named below the letter, and a contact unit as the last resort
        ("张三代表:\n" + _BODY + "主办单位:县样例局\n会办单位:县交通运输局\n", "县样例局"),
        ("张三代表:\n" + _BODY + "联系单位:示例县样例局\n联系电话:0557-1234567\n", "示例县样例局"),
    ],
)
def test_the_sender_is_read_from_wherever_the_page_names_it(page: str, sender: str) -> None:
    # Made-up pages.
    fields = extract_fields(page)
    assert fields.agency == sender
    a, b = fields.spans["agency"]
    assert page[a:b] == sender  # cited where it is written


def test_a_site_footer_is_not_the_sender() -> None:
    page = "张三代表:\n" + _BODY + "主办单位:示例县样例局 版权所有 网站地图\n"
    assert extract_fields(page).agency is None


def test_other_layouts_of_the_opening_and_title() -> None:
    # Made up: a co-handler's opinion greets the lead handler; a doubled colon; a reply
    # after a question-and-answer page's label; a title behind its document number.
    opinion = extract_fields(
        "自治区样例厅:\n关于第2024001号建议,现提出协办意见如下:\n我厅将予以支持。\n"
        "示例自治区样例局\n2024年3月28日\n"
    )
    assert (opinion.addressee, opinion.agency, opinion.date) == (
        "自治区样例厅", "示例自治区样例局", "2024-03-28"
    )
    assert extract_fields("张某等代表::\n" + _BODY).addressee == "张某等代表"
    assert extract_fields("办理情况: 张某代表:\n" + _BODY).addressee == "张某代表"
    titled = extract_fields(
        "名 称: | 示教复字〔2022〕25号——示例县教育局关于县一届人大一次会议第46号建议的答复\n"
        "张某代表:\n" + _BODY
    )
    assert titled.doc_number == "示教复字〔2022〕25号"
    assert titled.agency == "示例县教育局"
    assert titled.number == "46"


@pytest.mark.parametrize(
    ("title", "number"),
    [
        ("关于对区一届人大二次会议\n第五十二号建议的答复", "52"),
        ("对县八届政协一次会议第88提案答复", "88"),
        ("区政协八届二次会议第77号提案的答复函《关于示例景区配套设施的建议》", "77"),
    ],
)
def test_title_numbers_in_other_forms(title: str, number: str) -> None:
    assert extract_fields(title + "\n张某委员:\n" + _BODY).number == number


def test_an_undated_letter_offers_the_dates_its_page_labels() -> None:
    # Made up: no signature date; the page says when it was posted and updated.
    from rag.letters.values import labelled_dates

    text = "发布时间:2019-06-03 10:24  更新时间:2019/06/05\n张三代表:\n" + _BODY + "截止时间:2019年7月1日\n"
    letter = _parsed(text)
    assert letter.fields.date is None
    got = [(label, v.value) for label, v in labelled_dates(letter)]
    assert got == [("发布时间", "2019-06-03"), ("更新时间", "2019-06-05")]  # not 截止时间
    dated = text + "示例县样例局\n2019年5月30日\n"
    assert labelled_dates(Letter("y", "y.txt", dated, extract_fields(dated))) == []


def test_a_value_the_page_labels_is_found_when_asked_for_by_its_label() -> None:
    # Made up: a page's handling table above the letter.
    from rag.letters.values import named_labels

    text = "责任领导:张某某\n政府督办领导:李某某\n交办日期:2015年2月9日\n浏览次数:12\n张三代表:\n" + _BODY
    letter = _parsed(text)

    def asked(question: str) -> list[tuple[str, str]]:
        return [(n, v.value) for n, v in named_labels(letter, question)]

    assert asked("责任领导和政府督办领导分别是谁?") == [("责任领导", "张某某"), ("政府督办领导", "李某某")]
    assert asked("这条建议是哪天交办的?") == [("交办日期", "2015年2月9日")]
    assert asked("责任领导提出了什么要求?") == []  # named, not asked for
    assert asked("浏览次数是多少?") == []  # page furniture
    a, b = named_labels(letter, "责任领导是谁")[0][1].start, named_labels(letter, "责任领导是谁")[0][1].end
    assert text[a:b] == "责任领导:张某某"  # cited at its line


def test_values_a_page_labels_in_a_table_or_a_list_are_read_too() -> None:
    # Made up: a disclosure table (label: | value |) and a bracketed list (- [ label ]\n- value).
    from rag.letters.values import labelled_dates, named_labels

    text = (
        "编号: | 12050001 | 建议类型: | 大会期间建议 | 提交日期: | 2017-01-16 |\n"
        "- [ 发布日期 ]\n- 2017-05-02\n张三代表：\n" + _BODY + "示例县样例局\n2017年4月28日\n"
    )
    letter = _parsed(text)
    got = [(n, v.value) for n, v in named_labels(letter, "属于什么建议类型？哪天提交的？")]
    assert got == [("建议类型", "大会期间建议"), ("提交日期", "2017-01-16")]
    assert [(label, v.value) for label, v in labelled_dates(letter)] == [("发布日期", "2017-05-02")]


def test_fields_written_the_ways_unseen_pages_write_them(tmp_path) -> None:
    """Made-up letter: a 经…会办 statement, 协办单位 after 会商, a document number with a
    blank category after it, an 经办人 contact line."""
    from rag.config import Settings
    from rag.letters.ingest import parse_letter
    from rag.letters.values import field_value

    text = (
        "虚构县教字〔2021〕19号 类 同意公开\n\n示例代表：\n"
        "您提出的《关于示例的建议》收悉，经虚构县财政局、虚构县自然资源局会办，现答复如下：\n"
        "一、我局已完成示例工作。\n经办人及电话:张示例 1234567\n虚构县教育局\n2021年5月10日\n"
    )
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    letter = parse_letter(path, str(path), Settings())
    assert letter.fields.doc_number == "虚构县教字〔2021〕19号"
    assert letter.fields.cohandlers == ("虚构县财政局", "虚构县自然资源局")
    assert "张示例 1234567" in (field_value(letter, "contact").value or "")
    other = text.replace("经虚构县财政局、虚构县自然资源局会办", "经会商协办单位虚构县综合行政执法局，认真研究办理")
    path.write_text(other, encoding="utf-8")
    assert parse_letter(path, str(path), Settings()).fields.cohandlers == ("虚构县综合行政执法局",)


def test_paragraphs_a_page_ran_into_one_line_are_read_as_lines() -> None:
    # Made up: a page that put the whole letter into one table cell, paragraphs joined by spaces.
    body = (
        "示财复字〔2022〕4号 签发人:王某某 尊敬的张三、李四等代表: 您提出的加大对示例镇园区建设扶持"
        "力度的建议已收悉,现答复如下: 财政局对示例镇园区基础设施建设高度重视,近年来先后投入资金建设了"
        "园区道路工程和污水管网工程,改善了园区交通运输条件。 下一步,我们将继续加大资金投入。 感谢您对"
        "财政工作的关心和支持! 2022年7月1日 |"
    )
    f = extract_fields("【示例】虚构。\n对《加大对示例镇园区建设扶持力度的建议》的答复 |\n|\n" + body + "\n")
    assert f.doc_number == "示财复字〔2022〕4号"
    assert f.signer == "王某某"
    assert f.addressee == "张三、李四等代表"


def test_a_long_line_is_cut_at_lost_breaks_only() -> None:
    from rag.letters.landmarks import line_spans

    prose = "示例县财政局对园区基础设施建设高度重视，先后投入资金建设了园区道路。" * 5
    line = f"{prose} 下一步我们将继续加大投入。 联 系 人:王某某"
    parts = [line[a:b] for a, b in line_spans(line)]
    assert parts == [prose, "下一步我们将继续加大投入。", "联 系 人:王某某"]  # not 联 / 系 / 人
    short = "示财复字〔2022〕4号 签发人:王某某"
    assert [short[a:b] for a, b in line_spans(short)] == [short]  # a short line stays whole


def test_a_page_with_no_salutation_or_title_is_still_dated_by_its_signature() -> None:
    # Made up (【示例】虚构): a progress report on suggestions, under a page's label table,
    # with no salutation and no 复函 title; a page date in the table is not the letter's.
    text = (
        "索引号: | xx-2024-00001 | 发布机构: | 示例局 |\n生效日期: | 2024-08-08 | 废止日期: | |\n"
        "关于县人民代表大会二次会议建议办理进展情况的报告（【示例】虚构）\n"
        "会议期间代表提出的建设文化广场的建议，我局已列入明年计划，待资金落实后逐步解决。\n"
        "2024年7月27日\n扫一扫分享到朋友圈\n"
    )
    assert extract_fields(text).date == "2024-07-27"


def test_a_phone_the_body_mentions_is_not_the_contact_line() -> None:
    # Made up: the reply tells citizens a company has a phone line; the contact is below.
    from rag.letters.values import field_value

    text = (
        "张三代表：\n您的建议收悉，现答复如下：\n大件垃圾收运公司已在小区设置公告，内含收运APP及联系电话，可上门服务。\n"
        "某某区城市管理局\n2022年4月15日\n联 系 人:郑某\n联系电话:13800000000\n"
    )
    letter = _parsed(text)
    assert field_value(letter, "contact").value == "联 系 人:郑某 联系电话:13800000000"


def test_a_document_number_with_a_sub_number_is_read() -> None:
    text = "【示例】虚构\n样政字〔2012〕30-17号\n签发人:张某\n关于第17号代表建议的答复\n李四代表：\n您的建议收悉。\n"
    assert extract_fields(text).doc_number == "样政字〔2012〕30-17号"


def test_a_letter_without_salutation_answers_the_deputies_its_body_opens_with() -> None:
    # Made up (【示例】虚构): no 某某代表: line; the body names the proposers.
    text = (
        "样政字〔2012〕30-9号\n关于示例镇第一次会议9号代表建议的答复\n"
        "张一、王二、李三等代表提出的9号代表建议:要求加强河道保洁。\n现答复如下:镇政府已落实保洁人员。\n"
        "示例镇人民政府\n二〇一二年六月十四日\n"
    )
    f = extract_fields(text)
    assert f.addressee == "张一、王二、李三等代表"
    assert text[slice(*f.spans["addressee"])] == f.addressee
    # …but a body sentence thanking deputies in general names no one.
    assert extract_fields(text.replace("张一、王二、李三等代表提出的", "")).addressee is None


def test_the_suggestion_a_letter_quotes_after_tifu_de_is_its_subject() -> None:
    # Made up (【示例】虚构): the quoted suggestion ends in 建设, not 建议; a 《document》
    # the reply cites later is not what was suggested.
    text = (
        "王某代表:\n你提出的“关于解决示例村至样例村公路硬化的建设”,已交我局研究办理,现答复如下:\n"
        "按照《示例县农村公路建设规划》,该路暂不能纳入今年计划。\n示例县交通运输局\n2023年8月8日\n"
    )
    assert _subject_of(text) == "“关于解决示例村至样例村公路硬化的建设”"


def test_a_label_in_a_table_row_takes_its_own_cell_only() -> None:
    # Made up (【示例】虚构): a page's label table with a label this reader does not know.
    text = (
        "索引号: | sl-2018-00015 | 发布机构: | 示例局 |\n文 号: | 示文发[2018]141号 | 所属主题: | 政务信息 |\n"
        "关于县人大建议办理进展情况报告\n示例局已将建议列入计划。\n示例局\n2018年7月27日\n"
    )
    assert extract_fields(text).doc_number == "示文发[2018]141号"


def test_an_unquoted_suggestion_after_tifu_de_is_the_subject_not_a_document_cited_later() -> None:
    # Made up (【示例】虚构): the suggestion named without quotes; the reply cites a 《办法》.
    text = (
        "张某代表:\n您提出的关于加强校园周边流动食品摊点管理的建议收悉,现答复如下:\n"
        "按照《示例省食品摊贩备案管理办法》的规定为摊贩办理公示卡。\n示例县市场监督管理局\n2024年4月20日\n"
    )
    assert _subject_of(text) == "关于加强校园周边流动食品摊点管理的建议"
