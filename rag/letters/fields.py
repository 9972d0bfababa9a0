"""Deterministic reading of a reply letter's structured fields from its text.

`extract_fields` reads the page's header labels (`rag.letters.labels`) and finds the letter's
landmarks (`rag.letters.landmarks`: salutation, title, header end, signature); each field is then
read from the place the corpus README's field rules name, with no LLM and no guessing. A
field the text does not state is None: nothing is inferred from 我局 / 我委, from a
document-number prefix or from a file name. Values are kept exactly as written
(extraction defects included) and each comes with the `(start, end)` span it was read
from; the only rewritten value is the ISO date.
"""

from __future__ import annotations

import re

from rag.letters.agencies import canonical_agency, place_of
from rag.letters.dates import CJK_DATE, ISO_DATE, parse_date
from rag.letters.fieldrules import (
    find_aliases,
    find_cohandlers,
    find_number,
    find_session,
    find_signer,
    split_bodies,
)
from rag.letters.labels import Label, bullets, find_labels
from rag.letters.landmarks import (
    DOCNO,
    NAV,
    Landmarks,
    Signature,
    Span,
    Title,
    content,
    find_landmarks,
    is_agency,
    opening_end,
    title_agencies,
)
from rag.types import LetterFields

Found = tuple[str, Span]

_DOCNO_REST = re.compile(
    r"\s*(?:[(（]?[ABC]?\s*类[)）]?)?\s*(?:同意公开|不同意公开|不予公开)?\s*$|关于|对|"
    # Another header label on the same line: 宁交函〔2021〕141号 签发人:姜涛.
    r"\s*(?:签发人|签发|审签人|审签|审核人|核稿人)\s*[:：]"
)
INDEX = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]{4,30}/\d{4,6}-\d{3,8}")
# Bodies that post a reply on their site without having written it (荣成市人大办, 政府办公室).
_POSTER = re.compile(r"人大|政协|办公室|办公厅|政府办|人民政府$")
_PORTAL = re.compile(r"人大|政协|办公室|办公厅|政府")
# `B类`, `(A类)`, `A`, `A(解决或采纳)`: a label value that is a class mark.
_CAT_VALUE = re.compile(r"[(（]?\s*(?P<c>[ABC])\s*[)）]?\s*类?\s*(?:[(（][^()（）]{1,20}[)）])?")
_CAT_INLINE = re.compile(
    r"(?<![A-Za-z0-9])[(（]?(?P<c>[ABC])[)）]?\s*类"
    r"(?=\s*(?:同意公开|不同意公开|不予公开|公开|答复|办复|第|[)）]|$)|[ \t\u3000\u2002])",
    re.M,
)
# After the signature only unmistakable marks count: (A类), (A), A类 同意公开.
_CAT_TAIL = re.compile(
    r"[(（]\s*(?P<c>[ABC])\s*类?\s*[)）]|(?<![A-Za-z0-9])(?P<d>[ABC])类\s*(?:同意公开|不同意公开|不予公开)"
)
_CAT_LONE = re.compile(r"^[^\S\n]*(?P<c>[ABC])[^\S\n]*$", re.M)
_CAT_NEXT = re.compile(r"\s*(?:同意公开|不同意公开|不予公开|依申请公开)")
_FONT = re.compile(r"字[体号]")
_KIND_WORD = re.compile(r"提案|建议|议案")
# The letter itself is a co-handler's opinion sent to the lead handler (not a reply that
# merely mentions one): 现将…的协办意见送上.
_COHANDLE_LETTER = re.compile(r"现将[^。\n]{0,80}协办意见|协办意见(?:送上|如下|报送|函告)")
_PROPOSAL = re.compile("提案")

_DIGIT = re.compile(r"\d")
_YEAR_DIGITS = re.compile(r"\d{4}")
_CLOSING = re.compile(r"[〕】\])）]")
_LABEL_NUMBER = re.compile(r"[A-Za-z]{0,4}\d+")

_DOC_LABELS = ("发文字号", "文号", "发文号", "文件编号")
_DATE_LABELS = ("成文日期", "生成日期", "发文日期", "成文时间")
_SENDER_LABELS = (
    "发布机构", "发布单位", "发文机关", "发文机构", "来源", "文章来源", "信息来源",
    "主办单位(分办单位)", "主办单位", "承办单位",
)  # fmt: skip
_CAT_LABELS = (
    "办复类别", "类别标记", "办理结果", "答复类别", "办理类别", "办复类型", "答复类型", "办理类型",
    "类别",
)  # fmt: skip
_CONTACT_LABELS = ("联系单位", "联系单位及电话")
# Site footers print the portal's 主办单位 beside these.
_FOOTER = re.compile(r"版权|网站|ICP|备案|技术支持|承办[:：]")
_CRUMB_LINE = re.compile(r"^[^\n]*(?:首页|位置)[^\n]*(?:>|»|/|＞)[^\n]*$", re.M)
_CRUMB_SPLIT = re.compile(r"[^\s>»/＞:：]+")
_KIND_LABELS = ("体裁分类", "组配分类", "主题分类", "内容分类")


def _first_label(labels: list[Label], names: tuple[str, ...]) -> Label | None:
    return next((lab for lab in labels if lab.name in names and lab.value), None)


def _date(text: str, labels: list[Label], sig: Signature | None, head: int) -> Found | None:
    """Signature date first, then a 成文日期-type label, then an unlabelled date pair."""
    labelled: Found | None = None
    lab = _first_label(labels, _DATE_LABELS)
    if lab:
        m = CJK_DATE.search(lab.value) or ISO_DATE.search(lab.value)
        iso = parse_date(m.group()) if m else None
        if m and iso:
            labelled = (iso, (lab.start + m.start(), lab.start + m.end()))
    if sig:
        iso = parse_date(sig.raw, labelled[0] if labelled else None)
        if iso:
            return iso, sig.span
    if labelled:
        return labelled
    items = bullets(text, head)
    for (v1, s1, e1), (v2, _s2, _e2) in zip(items, items[1:], strict=False):
        # An unlabelled header lists 成文日期 then 发布日期 as two date bullets in a row.
        d1 = parse_date(v1) if ISO_DATE.fullmatch(v1) else None
        if d1 and ISO_DATE.fullmatch(v2) and parse_date(v2):
            return d1, (s1, e1)
    return None


def _doc_number(text: str, marks: Landmarks, labels: list[Label]) -> Found | None:
    """A 发文字号 label, else a header line that is a document number (well-formed first)."""
    lab = _first_label(labels, _DOC_LABELS)
    if lab and len(lab.value) <= 40 and _DIGIT.search(lab.value):  # not 无 / —
        return lab.value, (lab.start, lab.end)
    found: list[tuple[bool, str, Span]] = []
    for i in range(marks.head_line):
        a, b = content(text, marks.lines[i])
        m = DOCNO.match(text, a, b)
        if m and _DOCNO_REST.match(text, m.end(), b):
            found.append((bool(_CLOSING.search(m.group())), m.group(), m.span()))
    for t in marks.titles:  # 德教议复字〔2022〕25号——某某县教育局关于…的答复
        if t.prefix:
            m = DOCNO.match(text, *t.prefix)
            if m:
                found.append((bool(_CLOSING.search(m.group())), m.group(), m.span()))
    found.sort(key=lambda f: not f[0])  # well-formed numbers before run-together ones
    return (found[0][1], found[0][2]) if found else None


def _index_number(text: str, marks: Landmarks, labels: list[Label]) -> Found | None:
    """A 索引号 label, else a header line or bullet shaped like an index number."""
    lab = _first_label(labels, ("索引号", "信息索引号"))
    if lab and _YEAR_DIGITS.search(lab.value):  # not 无 / —
        tok = lab.value.split()[0]
        return tok, (lab.start, lab.start + len(tok))
    for i in range(marks.head_line):
        a, b = content(text, marks.lines[i])
        if INDEX.fullmatch(text, a, b):
            return text[a:b], (a, b)
    return None


def _category(text: str, labels: list[Label], marks: Landmarks) -> Found | None:
    """A class mark: 办复类别:B类, (A)类, A类 同意公开, B类第40号, or a lone `A` line."""
    for lab in labels:
        m = _CAT_VALUE.fullmatch(lab.value) if lab.name in _CAT_LABELS else None
        if m:
            return m["c"], (lab.start + m.start("c"), lab.start + m.end("c"))
    m = _CAT_INLINE.search(text, 0, marks.head)
    if m:
        return m["c"], m.span("c")
    for m in _CAT_LONE.finditer(text, 0, marks.head):
        before = text[: m.start()].rstrip().rsplit("\n", 1)[-1]
        after = text[m.end() :].lstrip()
        # A lone letter right under 字体/字号 is a font-size button, unless 同意公开 follows.
        if _CAT_NEXT.match(after) or DOCNO.match(after) or not _FONT.search(before):
            return m["c"], m.span("c")
    if marks.signature:
        end = marks.signature.span[1]
        m = _CAT_TAIL.search(text, end, min(len(text), end + 200))
        if m:
            group = "c" if m["c"] else "d"
            return m[group], m.span(group)
    return None


def _outside_brackets(s: str, at: int) -> bool:
    before = s[:at]
    opened = before.count("《") - before.count("》")
    opened += before.count("(") + before.count("（") - before.count(")") - before.count("）")
    return opened <= 0


def _kind(
    text: str, title: Title | None, spans: dict[str, Span], labels: list[Label], body: int
) -> Found | None:
    """提案 / 建议 / 其他, with the span of the words that decide it."""
    if title and "协办意见" in title.value:
        at = title.span[0] + title.value.index("协办意见")
        return "其他", (at, at + 4)
    m = _COHANDLE_LETTER.search(text, body, body + 300)
    if m:
        at = text.index("协办意见", m.start())
        return "其他", (at, at + 4)
    if "session" in spans:
        a, b = spans["session"]
        for word, kind in (("政协", "提案"), ("人民代表大会", "建议"), ("人大", "建议")):
            if word in text[a:b]:
                at = text.index(word, a, b)
                return kind, (at, at + len(word))
    if title:
        words = [
            w for w in _KIND_WORD.finditer(title.value) if _outside_brackets(title.value, w.start())
        ]
        for want in ("提案", "建议", "议案"):
            hit = next((w for w in words if w.group() == want), None)
            if hit:
                at = title.span[0] + hit.start()
                return ("提案" if want == "提案" else "建议"), (at, at + 2)
    for lab in labels:
        if lab.name in _KIND_LABELS and ("提案" in lab.value) != ("建议" in lab.value):
            word = "提案" if "提案" in lab.value else "建议"
            at = lab.start + lab.value.index(word)
            return word, (at, at + 2)
    if "addressee" in spans:
        a, b = spans["addressee"]
        for suffix, kind in (("委员", "提案"), ("代表团", "建议"), ("代表", "建议")):
            if text[a:b].endswith(suffix):
                return kind, (b - len(suffix), b)
    m = _PROPOSAL.search(text, body, body + 300)
    return ("提案", m.span()) if m else None


def _label_agency(lab: Label) -> Found | None:
    """The agency a sender label names: its whole value, else the value's first cell
    (`随州市商务局 编辑:…`, `市住建局(市人防办)  0915-…`)."""
    value = lab.value
    if not is_agency(value):
        value = value.split(maxsplit=1)[0] if value.strip() else ""
    if not value or not is_agency(value) or _POSTER.search(value):
        return None
    return value, (lab.start, lab.start + len(value))


def _agency(text: str, marks: Landmarks, labels: list[Label]) -> Found | None:
    """Where a letter names its sender, most reliable first: the signature; the title
    (`某某局关于…的答复`); a 发布机构-type label; a bullet; the page's own name at its top; a
    breadcrumb section; a bare agency line closing the letter; a 联系单位 label."""
    if marks.signature and marks.signature.agency:
        return marks.signature.agency
    named = title_agencies(text, marks)
    if named:
        return named[0]
    for lab in labels:
        if lab.name not in _SENDER_LABELS:
            continue
        found = _label_agency(lab)
        if found is None:
            continue
        line_end = text.find("\n", lab.end)
        line_end = len(text) if line_end < 0 else line_end
        if lab.name.startswith("主办单位") and _FOOTER.search(text, lab.start, line_end):
            continue  # a site footer (主办单位:… 版权所有 …), not the sender
        return found
    for value, s, e in bullets(text, marks.head):
        if is_agency(value, placed=True) and not _POSTER.search(value):
            return value, (s, e)
    seen = 0
    for i in range(marks.head_line):
        a, b = content(text, marks.lines[i])
        if a == b:
            continue
        seen += 1
        if seen > 6:
            break
        # A department site prints its own full name at the top of the page; a portal's
        # 人民政府 is the site, not the sender.
        name = text[a:b]
        if is_agency(name, placed=True) and place_of(name) and not _PORTAL.search(name):
            return name, (a, b)
    return _crumb_agency(text, marks.head) or _closing_agency(text, marks) or next(
        (f for lab in labels if lab.name in _CONTACT_LABELS and (f := _label_agency(lab))), None
    )


def _crumb_agency(text: str, head: int) -> Found | None:
    """A department's section in the page's breadcrumb (`首页 > 信息公开 > 某某县科技局 > …`)."""
    for m in _CRUMB_LINE.finditer(text, 0, head):
        line = m.group()
        for part in _CRUMB_SPLIT.finditer(line):
            name = part.group()
            if is_agency(name, placed=True) and not _PORTAL.search(name):
                return name, (m.start() + part.start(), m.start() + part.end())
    return None


def _closing_agency(text: str, marks: Landmarks) -> Found | None:
    """A letter signed with no date: the last bare agency line of the letter's closing."""
    if not (marks.body or marks.title):
        return None
    lines = [ln for ln in marks.lines if ln[0] >= marks.body]
    for a, b in reversed(lines[-40:]):
        a, b = content(text, (a, b))
        name = text[a:b]
        if a < b and is_agency(name, placed=True) and not _PORTAL.search(name):
            return name, (a, b)
    return None


def _number(text: str, marks: Landmarks, labels: list[Label]) -> Found | None:
    """The title's number, else the opening paragraph's (`(第0310号)`), else a 建议号 label."""
    if marks.title:
        found = find_number(text, *marks.title.span, in_title=True)
        if found:
            return found
    if marks.found:
        end = min(opening_end(text, marks.body), marks.body + 600)
        found = find_number(text, marks.body, end, in_title=False)
        if found:
            return found
    lab = _first_label(labels, ("建议号", "提案号"))
    m = _LABEL_NUMBER.match(lab.value) if lab else None
    return (m.group(), (lab.start, lab.start + m.end())) if lab and m else None


def _cohandlers(
    text: str, marks: Landmarks, labels: list[Label]
) -> tuple[tuple[str, ...], Span] | None:
    """The co-handling statement of the opening paragraph, else a 协办单位 label."""
    if marks.found:
        found = find_cohandlers(text, marks.body, opening_end(text, marks.body))
        if found:
            return found
    lab = _first_label(labels, ("协办单位",))
    bodies = split_bodies(lab.value) if lab else ()
    return (bodies, (lab.start, lab.end)) if lab and bodies else None


# A letter with no salutation names whom it answers where its body opens: 张三、李四等代表
# 提出的17号代表建议:… (the names, up to 代表 / 委员).
_PROPOSERS = re.compile(
    r"[ \t\u3000]*(?P<who>[\u4e00-\u9fff]{2,4}(?:、[\u4e00-\u9fff]{2,4})*(?:等(?:\d+|[一二三四五六七八九十]+)?[位名]?)?"
    r"(?:代表|委员))(?:们)?(?:联名|领衔)?(?:提出|所提)的"
)


def _proposers(text: str, body: int) -> Found | None:
    """The deputies or members a salutation-less letter names as proposers in its first
    lines (the addressee)."""
    pos = body
    for _ in range(3):
        m = _PROPOSERS.match(text, pos)
        if m:
            return m["who"], m.span("who")
        nl = text.find("\n", pos)
        if nl < 0:
            break
        pos = nl + 1
    return None


def extract_fields(text: str) -> LetterFields:
    """Read a reply letter's structured fields from its text.

    Args:
        text: The letter text exactly as stored (BOM dropped, `\\n` line ends); the
            returned spans index into it.

    Returns:
        The fields; any field the letter does not state is None (or empty). `spans`
        holds the source span of every filled field (for `date`, the date as written;
        for `kind`, the words that decide it; for `cohandlers`, the whole statement).
    """
    labels = find_labels(text)
    marks = find_landmarks(text, labels)
    spans: dict[str, Span] = {}
    values: dict[str, str] = {}

    def put(name: str, found: Found | None) -> None:
        if found:
            values[name], spans[name] = found

    if marks.title:
        put("title", (marks.title.value, marks.title.span))
    if marks.addressee:
        put("addressee", (text[marks.addressee[0] : marks.addressee[1]], marks.addressee))
    elif marks.found:
        put("addressee", _proposers(text, marks.body))
    put("doc_number", _doc_number(text, marks, labels))
    put("index_number", _index_number(text, marks, labels))
    put("date", _date(text, labels, marks.signature, marks.head))
    agency = _agency(text, marks, labels)
    put("agency", agency)
    put("category", _category(text, labels, marks))
    if marks.title:
        put("session", find_session(text, *marks.title.span))
    if "session" not in values and marks.found:
        put("session", find_session(text, marks.body, None, body=True, skip_line=NAV))
    put("number", _number(text, marks, labels))
    put("kind", _kind(text, marks.title, spans, labels, marks.body))
    if marks.found:
        put("signer", find_signer(text, marks.body))
    cohandlers: tuple[str, ...] = ()
    found = _cohandlers(text, marks, labels)
    if found:
        cohandlers, spans["cohandlers"] = found
    aliases: tuple[str, ...] = ()
    canonical = None
    if agency:
        aliases = find_aliases(text, agency[0])
        canonical = canonical_agency(agency[0], place_of(agency[0]))
    return LetterFields(
        title=values.get("title"),
        doc_number=values.get("doc_number"),
        index_number=values.get("index_number"),
        agency=values.get("agency"),
        date=values.get("date"),
        addressee=values.get("addressee"),
        kind=values.get("kind"),
        number=values.get("number"),
        session=values.get("session"),
        cohandlers=cohandlers,
        signer=values.get("signer"),
        category=values.get("category"),
        agency_aliases=aliases,
        agency_canonical=canonical,
        spans=spans,
    )
