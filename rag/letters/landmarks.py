"""The landmarks of a reply letter page: salutation, title, header and signature.

Every field rule depends on where it looks. `find_landmarks` locates the salutation
(`张示例委员:` — it divides the page header from the letter body), the letter's own title
above it (`关于…的复函`, possibly over two lines, possibly printed twice), the sender
names written before or above the title, and the signature (an agency line over a date
line, the first date-only line of the body). `rag.letters.fields` reads the fields from these
places. Lines are handled as `(start, end)` offsets so that every value keeps its span.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rag.letters.agencies import AGENCY_SUFFIX, split_place
from rag.letters.dates import ANY_DATE, DATE_LINE, ISO_DATE
from rag.letters.labels import LABEL_MARK, LABEL_NAMES, Label

Span = tuple[int, int]

WS = " \t\u3000\u2002\xa0"
# Question-and-answer pages put the reply after a label (办理情况: 张三代表:); extraction
# sometimes doubles the colon (张三等代表::).
_SAL_LINE = re.compile(
    r"[\s•·]*(?:(?:办理情况|答复内容|答复意见|回复内容|办理结果|答复)[ \t]*[:：][ \t]*)?"
    r"(?:尊敬的|尊敬)?\s*(?P<name>[^\s:：。，,；;！!？?][^:：。，,；;！!？?\n]{0,79}?)"
    r"\s*(?P<colon>[:：]{1,2})?\s*$",
    re.M,
)
# A salutation merged with the first sentence by extraction: `张三代表:您好!你提出的…`.
_SAL_MERGED = re.compile(
    r"[\s•·]*(?:尊敬的|尊敬)?\s*(?P<name>[^\s:：。，,；;！!？?《》][^:：。，,；;！!？?\n《》]{0,39}?)\s*[:：]"
    r"(?=\s*(?:您好|你好|你们好|您们好|你|您|现将|《))",
    re.M,
)
_SAL_SUFFIX = re.compile(r"(?:代表|委员|代表团|同志|先生|女士|委员会|市委|学社)$")
_NOT_ADDRESSEE = re.compile(r"答复|办理|内容|正文|全文|情况|如下|附件|意见")
_OPENER = re.compile(
    r"\s*(?:你|您|《|“|\"|提出|现将|首先|感谢|关于您|关于你|针对|根据|现就|对您|对你|贵)"
)
_TERMINAL = re.compile(
    r"(?:答\s*复\s*函|答\s*复|复\s*函|回\s*复|函\s*复|的\s*函|答复意见|办理意见|答复书|复文)"
    r"(?:\s*[(（][^()（）\n]{1,60}[)）])?(?:\s*《[^》\n]{1,80}》)?$"
)
#: Site navigation and links to other letters ("您当前的位置", "上一条:").
NAV = re.compile(r"位置|首页|»|>|上一[条篇]|下一[条篇]")
_OPEN_WORD = re.compile(r"关于|对")
_BAD_PUNCT = re.compile(r"[。，,；;！!？?:：]|提出|收悉|如下")
BRACKETED = re.compile(r"《[^》]*》|[(（][^()（）]*[)）]")
#: A document number (渝经信复函〔2020〕300号), or its run-together form (渝经信复函〔2020300).
DOCNO = re.compile(
    r"[\u4e00-\u9fa5A-Za-z]{1,12}\s*[〔【\[(（]\s*(?:19|20)\d{2}\s*"
    r"(?:[〕】\])）]\s*第?\s*\d{1,5}(?:\s*[-－]\s*\d{1,5})?\s*号|\d{1,5}(?:\s*号)?)"
)
_DASHES = "—-－―:："
_ALIAS = re.compile(r"[(（][\u4e00-\u9fa5]{2,20}[)）]$")
_AGENCY_NAME = re.compile(r"[\u4e00-\u9fa5()（）]{2,40}")
# A signature written on one line: `重庆市XX局    2024年6月30日`.
_SIGN_LINE = re.compile(
    rf"^[^\S\n]*(?P<agency>[\u4e00-\u9fa5()（）]{{2,40}}?)[^\S\n]+(?P<raw>{ANY_DATE})[^\S\n]*$",
    re.M,
)
_SIGN_LABEL = re.compile(r"(?:承办单位|落款单位|单位)\s*[:：]\s*")
# A seal note after the signing agency: 某某局（盖章）, (印).
_SEAL = re.compile(r"\s*[（(](?:盖章|公章|印章|章|印|签章)[)）]")
_REPLY_FOLLOWS = re.compile(r"如下|现答复|现将[^。\n]{0,20}(?:答复|函复|回复)")
_SPACE = re.compile(r"\s")
_NONSPACE = re.compile(r"\S")
_YEAR_PREFIX = re.compile(r"^\d{4}\s*年度?")
# A heading that does not open with 关于/对 still names the item it answers.
_HEADING_HINT = re.compile(r"《|会议|第.{1,12}号")
_LABEL_SET = frozenset(LABEL_NAMES)


@dataclass(frozen=True)
class Title:
    """A heading that may be the letter's title.

    Attributes:
        value: The title text from its opening 关于/对 (line breaks kept).
        span: Offsets of `value`.
        single: Written on one line.
        labelled: Read from a `名称:` / `标题:` header label.
        first_line: Index of the line it starts on.
        prefix: Span of the agency / year / document number written before it, if any.
    """

    value: str
    span: Span
    single: bool
    labelled: bool
    first_line: int
    prefix: Span | None


@dataclass(frozen=True)
class Signature:
    """The signature date (as written) and the agency line above it, if any."""

    raw: str
    span: Span
    agency: tuple[str, Span] | None


@dataclass(frozen=True)
class Landmarks:
    """Where things are in one letter.

    Attributes:
        lines: (start, end) of every line.
        addressee: Span of the addressee in the salutation, if found.
        titles: All title candidates above the salutation.
        title: The letter's own title, if found.
        head: Offset where the page header ends (the salutation line, else the title end).
        head_line: Index of the first line after the header.
        body: Offset where the letter body starts.
        signature: The signature, if found.
    """

    lines: list[Span]
    addressee: Span | None
    titles: list[Title]
    title: Title | None
    head: int
    head_line: int
    body: int
    signature: Signature | None

    @property
    def found(self) -> bool:
        """Whether the page shows a letter at all (a salutation or a title)."""
        return self.addressee is not None or self.title is not None


# Where a page flattened its paragraphs into one line, a space between two runs of text is
# the lost break (某财复字〔2022〕4号 签发人:某某 尊敬的…代表: 您提出的…): Chinese prose puts
# no spaces between words. Not inside a spaced label (联 系 人), whose runs are one character.
_LOST_BREAK = re.compile(
    r"(?<=[^\s]{2})[ \u3000\t]+(?=[^\s|]{2}|(?:[\u4e00-\u9fff][ \u3000]){2})"
)
_LONG_LINE = 120


def line_spans(text: str) -> list[Span]:
    """(start, end) of every line, newline excluded; a long line whose paragraphs a page ran
    together is cut at the spaces between them."""
    out, pos = [], 0
    for line in text.split("\n"):
        start = pos
        if len(line) > _LONG_LINE and _CJK_RUN.search(line):
            for m in _LOST_BREAK.finditer(line):
                left, right = line[m.start() - 1], line[m.end()]
                if _CJK_OR_MARK.match(left) and _CJK_OR_DIGIT.match(right):
                    out.append((start, pos + m.start()))
                    start = pos + m.end()
        out.append((start, pos + len(line)))
        pos += len(line) + 1
    return out


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{12}")
_CJK_OR_MARK = re.compile(r"[\u4e00-\u9fff。！？!：:；;，,、）)」》\]\d]")
_CJK_OR_DIGIT = re.compile(r"[\u4e00-\u9fff（(《「\d]")


def is_agency(name: str, placed: bool = False) -> bool:
    """Does the string read as one agency name (CJK only, ending in 局/委/厅/政府…)?

    Args:
        name: The candidate name.
        placed: Also require a place or level prefix (重庆市… / 区…), for names read from
            free-standing lines where a menu item such as 新闻中心 could stand.
    """
    # 某某市住房和城乡建设局(市人民防空办公室): one body under two names, the second in brackets.
    core = _ALIAS.sub("", name)
    if not (_AGENCY_NAME.fullmatch(name) and AGENCY_SUFFIX.search(core)):
        return False
    return not placed or bool(split_place(name)[0])


def content(text: str, span: Span) -> Span:
    """The span of a line without its surrounding blanks, bullets and table bars."""
    a, b = span
    while a < b and text[a] in WS + "•·-|":
        a += 1
    while b > a and text[b - 1] in WS + "|":
        b -= 1
    return a, b


def _salutation(text: str, lines: list[Span]) -> tuple[int, Span, int] | None:
    """(line index, addressee span, body start) of the salutation (`张示例委员:`)."""
    for i, (a, b) in enumerate(lines):
        merged = _SAL_MERGED.match(text, a, b)
        if merged and _SAL_SUFFIX.search(merged["name"].rstrip(WS)):
            start = merged.start("name")
            return i, (start, start + len(merged["name"].rstrip(WS))), merged.end()
        m = _SAL_LINE.match(text, a, b)
        if not m or m.end() != b:
            continue
        name = m["name"].rstrip(WS)
        if _SPACE.sub("", name) in _LABEL_SET or name.startswith(("关于", "对")):
            continue
        if _TERMINAL.search(name) or "《" in name or NAV.search(name) or "|" in name:
            continue
        if _NOT_ADDRESSEE.search(name):
            continue  # 建议答复: / 办理情况: head a section, they do not greet anyone
        nxt = next((text[c:d] for c, d in lines[i + 1 :] if text[c:d].strip()), "")
        # A co-handler's opinion greets the lead handler by its name (自治区教育厅:).
        suffix = _SAL_SUFFIX.search(name) or (m["colon"] and is_agency(_SPACE.sub("", name)))
        opener = _OPENER.match(nxt)
        if (m["colon"] and (suffix or opener)) or (suffix and opener):
            start = m.start("name")
            return i, (start, start + len(name)), b
    return None


def _is_title_prefix(prefix: str) -> bool:
    """Is the text before 关于/对 an agency name, a year or a document number?"""
    p = _YEAR_PREFIX.sub("", prefix.strip(WS)).strip(WS)
    m = DOCNO.match(p)
    if m:
        p = p[m.end() :].strip(WS + _DASHES)
    return not p or is_agency(p)


def _opening(s: str) -> int | None:
    """Offset of the title's opening 关于/对 in a line, after an allowed prefix."""
    for m in _OPEN_WORD.finditer(s):
        before = s[: m.start()]
        if before.count("《") <= before.count("》") and _is_title_prefix(before):
            return m.start()
    return None


def _clean(s: str) -> bool:
    return not _BAD_PUNCT.search(BRACKETED.sub("", s))


def _title_candidates(text: str, lines: list[Span], stop: int, labels: list[Label]) -> list[Title]:
    label_at = {lab.at for lab in labels}
    out: list[Title] = []
    i = -1
    while i + 1 < stop:
        i += 1
        a, b = content(text, lines[i])
        labelled = False
        mark = LABEL_MARK.match(text, a, b)
        if mark:
            if mark.start() not in label_at:
                continue
            labelled = True
            a, b = content(text, (mark.end(), b))
        s = text[a:b]
        if not s or len(s) > 150 or NAV.search(s) or not _clean(s):
            continue
        op = _opening(s)
        prefix = (a, a + op) if op else None
        if _TERMINAL.search(s):
            if op is None:
                # A heading that does not open with 关于/对 is kept whole: 《关于…的建议》的答复.
                if s.startswith(("你", "您")) or not _HEADING_HINT.search(s):
                    continue
                op = 0
            out.append(Title(s[op:], (a + op, b), True, labelled, i, prefix))
        elif op is not None and len(s) <= 60:
            tail = _title_tail(text, lines, i + 1, stop)
            if tail is not None:
                end, last_line = tail
                out.append(Title(text[a + op : end], (a + op, end), False, labelled, i, prefix))
                i = last_line  # the continuation lines are not headings of their own
    return out


def _title_tail(text: str, lines: list[Span], j: int, stop: int) -> tuple[int, int] | None:
    """(end offset, last line) of a title continued over the next one or two short lines."""
    parts = blanks = 0
    while j < stop and parts < 2 and blanks <= 3:
        a, b = content(text, lines[j])
        s = text[a:b]
        j += 1
        if not s:
            blanks += 1
            continue
        if len(s) > 40 or not _clean(s) or NAV.search(s) or LABEL_MARK.match(s):
            return None
        parts += 1
        if _TERMINAL.search(s):
            return b, j - 1
    return None


def _pick_title(cands: list[Title]) -> Title | None:
    """The heading directly above the salutation, or an earlier one-line copy of it."""
    plain = [c for c in cands if not c.labelled] or cands
    if not plain:
        return None
    last = plain[-1]
    key = _SPACE.sub("", last.value)
    for c in plain:
        ratio = difflib.SequenceMatcher(None, _SPACE.sub("", c.value), key).ratio()
        if c.single and ratio >= 0.75:
            return c
    return last


_TITLE_SENDER = re.compile(r"(?:答复|复函|回复|意见)\s*[(（](?P<name>[^()（）\n]{2,30})[)）]\s*$")


def title_agencies(text: str, marks: Landmarks) -> list[tuple[str, Span]]:
    """Sender names written before a title (`重庆市…委员会关于…`) or on the line above it."""
    out: list[tuple[str, Span]] = []
    for c in marks.titles:
        if c.prefix:
            a, b = c.prefix
            p = text[a:b]
            name = _YEAR_PREFIX.sub("", p.strip(WS)).strip(WS)
            m = DOCNO.match(name)
            if m:  # 德教议复字〔2022〕25号——某某县教育局关于…
                name = name[m.end() :].strip(WS + _DASHES)
            if name and is_agency(name):
                start = a + p.index(name)
                out.append((name, (start, start + len(name))))
        # A portal files each reply under its title and the sender after it in brackets:
        # 对县十六届人大一次会议第3号建议的答复(水利局).
        tail = _TITLE_SENDER.search(c.value)
        if tail and is_agency(tail["name"]):
            start = c.span[0] + tail.start("name")
            out.append((tail["name"], (start, start + len(tail["name"]))))
        for j in range(c.first_line - 1, max(c.first_line - 4, -1), -1):
            a, b = content(text, marks.lines[j])
            if a == b:
                continue
            if is_agency(text[a:b], placed=True) and not _OPEN_WORD.match(text, a):
                out.append((text[a:b], (a, b)))
            break
    return out


def _signing_agency(text: str, a: int, b: int) -> tuple[str, Span] | None:
    """The agency a signature line names: a label (落款单位:) and a seal note ((盖章)) aside,
    spaces between its characters closed up (某某市水  利  局 → 某某市水利局)."""
    lab = _SIGN_LABEL.match(text, a, b)
    if lab:
        a = lab.end()
    seal = _SEAL.search(text, a, b)
    if seal:
        b = seal.start()
    while b > a and text[b - 1] in WS:
        b -= 1
    name = re.sub(r"[ \t\u3000]+", "", text[a:b])
    return (name, (a, b)) if a < b and is_agency(name) else None


def _agency_above(text: str, line_start: int, body: int) -> tuple[str, Span] | None:
    """The agency on the nearest non-blank line above `line_start`, if it is one."""
    prev_end = line_start - 1
    while prev_end > body:
        prev_start = text.rfind("\n", 0, prev_end) + 1
        a, b = content(text, (prev_start, prev_end))
        if a < b:
            return _signing_agency(text, a, b)
        prev_end = prev_start - 1
    return None


def _agency_below(text: str, line_end: int) -> tuple[str, Span] | None:
    """The agency on the next non-blank line after `line_end` (a date written above it)."""
    start = line_end + 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        a, b = content(text, (start, end))
        if a < b:
            return _signing_agency(text, a, b)
        start = end + 1
    return None


def _signature(text: str, body: int) -> Signature | None:
    """The first date-only line after the salutation, and the agency line above it."""
    inline = _SIGN_LINE.search(text, body)
    for m in DATE_LINE.finditer(text, body):
        if inline and inline.start() < m.start() and is_agency(inline["agency"]):
            break
        raw = m["raw"]
        agency = _agency_above(text, m.start(), body)
        if agency is None:
            line_end = text.find("\n", m.end())
            agency = _agency_below(text, len(text) if line_end < 0 else line_end)
        # A bare ISO date in the body is a page date unless a sender's name stands above it.
        if ISO_DATE.fullmatch(raw) and agency is None:
            continue
        return Signature(raw, m.span("raw"), agency)
    if inline and is_agency(inline["agency"]):
        return Signature(
            inline["raw"], inline.span("raw"), (inline["agency"], inline.span("agency"))
        )
    return None


def opening_end(text: str, body: int) -> int:
    """End of the letter's opening: through the paragraph saying 答复如下, else one paragraph."""
    m = _REPLY_FOLLOWS.search(text, body, min(len(text), body + 800))
    if m:
        end = text.find("\n", m.end())
        return len(text) if end < 0 else end
    first = _NONSPACE.search(text[body:])
    if not first:
        return len(text)
    end = text.find("\n", body + first.start())
    return len(text) if end < 0 else end


def find_landmarks(text: str, labels: list[Label]) -> Landmarks:
    """Locate the salutation, title, header end, body start and signature.

    Args:
        text: The letter text.
        labels: The page's header labels (`rag.letters.labels.find_labels`).

    Returns:
        The landmarks; when neither a salutation nor a title is found the header and
        body offsets are 0 (the signature is still read).
    """
    lines = line_spans(text)
    sal = _salutation(text, lines)
    stop = sal[0] if sal else min(len(lines), 40)
    titles = _title_candidates(text, lines, stop, labels)
    # Without a salutation there is no "directly above" to go by: the first heading wins.
    title = _pick_title(titles) if sal else next((t for t in titles if not t.labelled), None)
    title = title or (titles[0] if titles else None)
    if sal is not None:
        head, head_line, body = lines[sal[0]][0], sal[0], sal[2]
    elif title is not None:
        head = body = title.span[1]
        head_line = next(i for i, (_a, b) in enumerate(lines) if b >= head) + 1
    else:
        head = head_line = body = 0
    # A page showing no salutation or title (a report on the suggestions handled) is still
    # signed: its date line, with the sender above it where there is one.
    signature = _signature(text, body)
    return Landmarks(
        lines, sal[1] if sal else None, titles, title, head, head_line, body, signature
    )
