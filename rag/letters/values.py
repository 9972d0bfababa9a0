"""A field's value as a letter states it, with the span of the line that states it.

The parser (`rag.letters.fields`) keeps, per field, where its value was read; a record
question or a field answer cites that line. A few values are read here from the text
itself (the contact line, the 抄送 line, the 《suggestion》 a letter answers, the dates a
site's header labels). A value the letter does not state is None, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.types import Letter

_ANONYMISED = re.compile(r"^(?:[xX×*＊某]+|某某)")
# Labels may be spaced out to fill a column (联 系 人：).
# The person a caller can ring: 联系人, or the official who handled it (经办人, 承办人).
# The office to ring (联系单位, 联系部门) belongs with them.
# A label is followed by its value: a colon (联系人及电话：), or straight a number or a name on
# a label line — not prose that only mentions a phone (…内含收运APP及联系电话，可上门服务).
_CONTACT = re.compile(
    r"[^\n]*?(?P<label>联\s*系\s*人|联\s*系\s*电\s*话|联\s*系\s*方\s*式|经\s*办\s*人|承\s*办\s*人"
    r"|联\s*系\s*单\s*位|联\s*系\s*部\s*门)(?=[^\n，,。；;]{0,8}[:：]|[ \t\u3000]*[\d（(]|[ \t\u3000]+\S)[^\n]*"
)
# The end of a line and any blank lines after it.
_NEXT_LINE = re.compile(r"[ \t\u3000]*\n\s*")
# Labels of other fields a flattened page may run into the contact line.
_OTHER_LABEL = re.compile(r"(?:签\s*发\s*人|抄\s*送|抄\s*报|审\s*签|审\s*定)\s*[:：]")
_CC = re.compile(r"(?:抄\s*送|抄\s*报)\s*[:：]\s*(?P<value>[^\n]+)")
# The suggestion a letter answers, as it names it: 《关于…的建议》, in quotes with its kind
# (“关于创建…博物馆的提案”收悉), or in quotes before it (你提出的“关于加固杭埠河河堤”的建议收悉).
_SUBJECT = re.compile(
    r"“[^”\n]{4,80}的(?:建议|提案|议案)”|《[^》\n]{4,80}》|“[^”\n]{4,80}”(?=的?(?:建议|提案|议案|议事原案))|"
    # 你提出的“关于解决…公路硬化的建设”: what follows 提出的 in quotes is the suggestion.
    r"(?<=提出的)“[^”\n]{4,80}”|"
    # …or unquoted: 您提出的关于加强校园周边流动食品摊点管理的建议收悉.
    r"(?<=提出的)关于[^，,。；;“”《》\n]{4,60}的(?:建议|提案|议案)(?=已?收悉|[，,。])"
)


@dataclass(frozen=True)
class FieldValue:
    """One field's value as the letter states it, with the span to cite (None if unstated)."""

    name: str
    value: str | None
    start: int = 0
    end: int = 0


def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole line(s) around `[start, end)`, trimmed, at most ~150 characters."""
    s = text.rfind("\n", 0, start) + 1
    e = text.find("\n", end)
    e = len(text) if e < 0 else e
    if e - s > 150:  # a long line: keep a window around the value
        s, e = max(s, start - 40), min(e, end + 60)
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def field_value(letter: Letter, name: str) -> FieldValue:
    """The value of field `name` in `letter` and the span that states it."""
    text, f = letter.text, letter.fields
    if name == "contact":
        m = _CONTACT.search(text)
        if m is None:
            return FieldValue(name, None)
        # 联系单位, 联系人 and 联系电话 on lines of their own (blank lines between): one value.
        runs = []
        while m is not None and m.end() > m.start():
            start = m.start()
            if _OTHER_LABEL.search(text, start, m.start("label")):
                start = m.start("label")  # another field's label before it on the line (抄报:…)
            runs.append((start, m.end()))
            gap = _NEXT_LINE.match(text, m.end())
            m = _CONTACT.match(text, gap.end()) if gap else None
        value = " ".join(" ".join(text[a:b].split("\n")).strip() for a, b in runs)
        return FieldValue(name, value, *_line_span(text, runs[0][0], runs[-1][1]))
    if name == "cc":
        m = _CC.search(text)
        return (
            FieldValue(name, m["value"].strip().rstrip("。"), *_line_span(text, m.start(), m.end()))
            if m
            else FieldValue(name, None)
        )
    if name == "subject":
        head = f.spans.get("addressee", (0, 0))[1]
        m = _SUBJECT.search(text, head, head + 400) if head else None
        m = m or _SUBJECT.search(text)
        return (
            FieldValue(name, m.group(), *_line_span(text, m.start(), m.end()))
            if m
            else FieldValue(name, None)
        )
    value = getattr(f, name, None)
    if name == "cohandlers":
        value = "、".join(value) if value else None
    if name == "category" and value:
        value = f"{value}类"
    if name == "number" and value:
        value = f"第{value}号"
    if name == "addressee" and value and _ANONYMISED.match(value):
        value = None  # "xxx委员": the letter withholds the name
    span = f.spans.get(name)
    if not value or span is None:
        return FieldValue(name, None)
    start, end = _line_span(text, span[0], span[1])
    if name == "addressee":
        # The salutation line (王琴代表:) is cited at the name it gives, not its colon.
        at = text.find(value, start, end)
        if at >= 0:
            start, end = at, at + len(value)
    return FieldValue(name, value, start, end)


# A page's own dates: when it was written, published, posted or updated; a bare 日期/时间
# label only where it starts a header cell (not 截止时间 or 会议时间 in the text).
_LABELLED_DATE = re.compile(
    r"(?P<label>(?:成文|发布|发文|印发|公开|发表|更新|编稿|生成)(?:日期|时间)"
    r"|(?:(?<=^)|(?<=[\s|'’:：\]】]))(?:日期|时间))"
    # label: date, label: | date | (a table cell), - [ label ]\n- date (a list)
    r"[ \t\u3000]*[\]】]?[\s:：|\-]{0,8}"
    r"(?P<date>(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}|(?:19|20)\d\d年\d{1,2}月\d{1,2}日)",
    re.M,
)


_OFFICIAL = ("成文日期", "发布日期", "发文日期", "印发日期", "公开日期")


def labelled_dates(letter: Letter) -> list[tuple[str, FieldValue]]:
    """Dates a page labels besides the letter's own, as (label, value) — a reader asking
    "which date" should see each, and which is which. Beside a dated letter only a disclosure
    table's dates (成文日期 / 发布日期 …); for an undated one every date the page labels."""
    own = letter.fields.date
    out = []
    for m in _LABELLED_DATE.finditer(letter.text):
        if own and m["label"] not in _OFFICIAL:
            continue
        iso = "-".join(f"{int(x):02d}" for x in re.findall(r"\d+", m["date"]))
        if iso == own or any(v.value == iso for _, v in out):
            continue
        out.append(
            (m["label"], FieldValue("date", iso, *_line_span(letter.text, m.start(), m.end())))
        )
    return out


# A labelled line of a page or a letter's closing block: `责任领导:张某`, `承办负责人：李某`.
_LINE_LABEL = re.compile(
    r"^[ \t\u3000•·]*(?P<name>[\u4e00-\u9fa5]{2,8})[ \t\u3000]*[:：][ \t\u3000]*"
    r"(?P<value>[^\n:：]{1,60}?)[ \t\u3000]*$",
    re.M,
)
# Labels nobody asks about (page furniture), and names too general to be asked by name.
_UNASKED = frozenset(
    "浏览次数 浏览量 访问量 点击数 字体 字号 文字大小 分享 打印 来源 作者 内容 正文 名称 标题 日期 时间 "
    "类别 编号 地址 附件 链接 关键词 主题词 上一条 下一条 上一篇 下一篇".split()
    # Labels of the record's own fields: the field answers them (文号 → 发文字号), once.
    + "发文字号 文号 发文号 文件编号 索引号 信息索引号 成文日期 生成日期 发文日期 成文时间 发布机构 "
    "发布单位 发文机关 发文机构 主办单位 承办单位 办复类别 类别标记 办理结果 答复类别 办理类别 办复类型 "
    "答复类型 办理类型 建议号 提案号 联系人 联系电话 抄送 审签人 签发人".split()
)
_WHEN = re.compile(r"哪天|哪一天|什么时候|何时|日期|时间|when|date", re.I)
_ASKED_AFTER = re.compile(
    r"(?:[和、及与][\u4e00-\u9fa5]{1,8}?)?(?:分别|各自|各)?(?:是|为|叫|有)|[？?，,。；;\s]|$"
)


# The same in a page's table (建议类型: | 大会期间建议 |, 提案人:张某 |) or list (- [ 主题分类 ]\n- 农业…).
_CELL_LABEL = re.compile(
    r"(?:^|\|)[ \t\u3000]*(?P<name>[\u4e00-\u9fa5]{2,8})[ \t\u3000]*[:：][ \t\u3000]*\|[ \t\u3000]*"
    r"(?P<value>[^|\n]{1,60}?)[ \t\u3000]*(?=\|)"
    # …or with the value in the label's own cell (提案人:张某 | 联名人:李某 |).
    r"|(?:^|\|)[ \t\u3000]*(?P<iname>[\u4e00-\u9fa5]{2,8})[ \t\u3000]*[:：][ \t\u3000]*"
    r"(?P<ivalue>[^|\n:：]{1,60}?)[ \t\u3000]*(?=\|)"
    r"|^[-*•\s]*\[[ \t\u3000]*(?P<lname>[\u4e00-\u9fa5]{2,8})[ \t\u3000]*\][ \t\u3000]*\n[-*•\s]*"
    r"(?P<lvalue>[^\n\[]{1,60}?)[ \t\u3000]*$",
    re.M,
)


def page_labels(text: str) -> Iterator[tuple[str, str, int, int]]:
    """Every value a page or a letter's closing block labels: (label, value, start, end)."""
    for m in _LINE_LABEL.finditer(text):
        if "|" not in m["value"]:  # a table row is read cell by cell
            yield m["name"], m["value"], m.start(), m.end()
    for m in _CELL_LABEL.finditer(text):
        if m["name"]:
            yield m["name"], m["value"], m.start("name"), m.end("value")
        elif m["iname"]:
            yield m["iname"], m["ivalue"], m.start("iname"), m.end("ivalue")
        else:
            yield m["lname"], m["lvalue"], m.start("lname"), m.end("lvalue")


def named_labels(letter: Letter, question: str) -> list[tuple[str, FieldValue]]:
    """The page's labelled values the question asks for by the label's own name
    (责任领导是谁 → `责任领导:张某`; 哪天交办的 → `交办日期:…`), as (label, value)."""
    out: list[tuple[str, FieldValue]] = []
    for name, raw, start, end in page_labels(letter.text):
        if name in _UNASKED or any(name == n for n, _ in out):
            continue
        stem = re.sub(r"(?:日期|时间)$", "", name)
        at = question.find(name)
        # Asked for, not merely named: 责任领导是谁 / 责任领导和督办领导分别是谁, not 提案人提出了什么.
        asked = at >= 0 and bool(_ASKED_AFTER.match(question, at + len(name))) or (
            stem != name and len(stem) >= 2 and stem in question and _WHEN.search(question)
        )
        value = raw.strip()
        if asked and value:
            out.append((name, FieldValue(name, value, *_line_span(letter.text, start, end))))
    return out
