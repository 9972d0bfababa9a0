"""Sentence-level rules for letter fields: session, number, signer, co-handlers, aliases.

These read one statement each, wherever the letter makes it: the meeting a suggestion
was raised at (`市政协五届三次会议`), its number (`第0310号`, `DH370号`), who approved the
reply (`此复函已经王示例主任审签`), which bodies handled it jointly (`经与…共同研究办理`)
and which other names the letter uses for its own sender. Each returns the value and the
`(start, end)` span it was read from, or None; `rag.letters.fields` decides where to look.
"""

from __future__ import annotations

import re

from rag.letters.agencies import aliases_of, split_place
from rag.letters.dates import cn_number

Span = tuple[int, int]

_NUM = r"[0-9零〇一二三四五六七八九十百]+"
# A place word before a session: 重庆市 / 渝中区 / 圣灯山镇 / a bare 区. Function words such
# as 关于, 对, 在, 您 may not be part of it, so a match never starts inside the sentence.
_PLACE = (
    r"(?:(?:(?!关于)[^\W\d_对在您你们的是和与及了将把向为从由经届次第会议]){0,7}?[省市区县镇乡旗])"
)
# The meeting itself, from its term (届) to 会议; the place words before it are added by
# walking back from the match, which keeps the search linear on long texts.
_SESSION_CORE = re.compile(rf"第?{_NUM}届[\u4e00-\u9fa5 ]{{0,10}}?第?{_NUM}次(?:全体)?会议")
_SESSION_PREFIX = re.compile(rf"(?:政协)?{_PLACE}*(?:政协)?")
_PREFIX_REACH = 16
# After the session in a body sentence: where it was raised (在…上提出, …期间提出, …第N号).
_SESSION_CONTEXT = re.compile(r"\s*(?:上|期间|时)?\s*(?:所?提出|提交|第|[A-Za-z]{1,4}\d)")
NUMBER_TITLE = re.compile(
    r"(?:第\s*)?(?P<n>[A-Za-z]{0,4}\d+)\s*号|第\s*(?P<m>\d+)\s*(?:提案|建议|议案)"
    r"|第(?P<c>[零〇一二三四五六七八九十百千]{1,8})号"
)
NUMBER_BODY = re.compile(r"(?:第|[(（])\s*(?P<n>[A-Za-z]{0,4}\d{1,10})\s*号")

_TITLES = (
    "党组书记", "党委书记", "常务副区长", "常务副县长", "主任委员", "秘书长", "大队长", "支队长",
    "副主任", "副局长", "副镇长", "副区长", "副县长", "副市长", "副主席", "副书记", "副厅长",
    "副乡长", "副处长", "副部长", "副队长", "副所长", "副站长", "副院长", "副校长", "总经理",
    "理事长", "主任", "局长", "镇长", "区长", "县长", "市长", "主席", "书记", "厅长", "处长",
    "部长", "队长", "所长", "站长", "院长", "校长", "乡长", "政委", "经理", "会长", "社长", "领导",
)  # fmt: skip
_TITLE_RE = re.compile("|".join(_TITLES))
_GENERIC_APPROVER = re.compile(
    r"(?:主要|分管|相关)?(?:领导|负责人|负责同志)(?:同志)?$|班子|党组|党委|会议|办公会|常务会"
)
SIGN_OFF = re.compile(
    r"(?:已经|已由|经)(?P<seg>[^。；;\n]{1,40}?)(?P<comrade>同志)?(?:审签|审阅|审定|审核同意|签发)"
)
# A person's name never holds these (区长办公会审定 is a meeting, not a person).
_NOT_NAME = re.compile(r"[局委府办院厅部处室组]|会$")
SIGN_LABEL = re.compile(
    r"(?:签\s*发\s*人|领导签发|签发领导|签\s*发|审\s*签\s*人?|审\s*定\s*人?)\s*[:：]\s*"
    r"(?P<name>[\u4e00-\u9fa5·]{1,4})(?![\u4e00-\u9fa5])"
)
_ORG_CHAR = re.compile(r"[局委府办院队所站厅部心会镇乡区县市处室]")
_NAME = re.compile(r"[\u4e00-\u9fa5·]{1,4}")

_LIST = r"[^。；;，,：:\n《》“”]{2,200}?"
_TAIL = r"(?:等(?:协办|相关|有关)?(?:单位|部门))?(?:等)?(?:协办单位|相关单位)?"
_STUDY = r"(?:共同|一起|联合)?(?:进行了?)?(?:认真)?(?:研究办理|研究|办理|商议|会办)"
# 经 as in 经与…, not as the first character of 经济 / 经信委 / 经营.
_JING = r"经(?![济信营费过历验典常贸开])"
COHANDLE = [
    re.compile(
        rf"{_JING}(?:我[局委厅办站]|本[局委厅])?(?:与|会同)?(?P<list>{_LIST}){_TAIL}{_STUDY}"
    ),
    re.compile(
        rf"(?:我[局委厅办站]|本[局委厅]|^|(?<=[。；;，,：:\n]))与(?P<list>{_LIST}){_TAIL}共同(?:研究)?办理"
    ),
    re.compile(rf"会同(?P<list>{_LIST}){_TAIL}{_STUDY}"),
    # 经会商协办单位区综合行政执法局，认真研究办理: the bodies named after 协办单位 / 会办单位.
    re.compile(rf"(?:会商|征求|商请)?(?:协办|会办)单位(?:为|是|有)?(?P<list>{_LIST})(?:的?意见)?(?=[，,。；;])"),
    re.compile(
        rf"(?:^|(?<=[。；;，,：:\n]))\s*(?:由|请|并由)?(?P<list>{_LIST}){_TAIL}协办(?!意见|单位|函)"
    ),
]
# "…及相关镇街" closes a list without naming a body.
_LIST_END = re.compile(r"(?:及|以及|和|等)(?:相关|有关|各)[\u4e00-\u9fa5]*$")
_LIST_SEP = re.compile(r"[、,，]|以及|及")
_ITEM_TAIL = re.compile(r"(?:等)?(?:协办单位|相关单位|单位|部门)$")
_CJK_NAME = re.compile(r"[\u4e00-\u9fa5()（）]+")
_BODY_END = re.compile(
    r"(?:局|委|办|厅|会|社|中心|镇|乡|街道|政府|院|所|队|处|站|公司|集团|部|署|行|团|室|馆|办事处)$"
)
# Characters that may stand right before a short alias (区水利局): a word boundary, not
# the end of another place name such as 万盛区.
_ALIAS_BEFORE = set(
    ' \t\n\u3000\u2002|•-:：,，。、;；(（“"《>»与和及同由经将请了是在对向为的局委会府'
)


def find_session(
    text: str,
    start: int = 0,
    end: int | None = None,
    body: bool = False,
    skip_line: re.Pattern[str] | None = None,
) -> tuple[str, Span] | None:
    """The first session (meeting) named in text[start:end].

    Args:
        text: The letter text.
        start: Where to start looking.
        end: Where to stop; the end of the text by default.
        body: Require the body-sentence context (在…上提出 / …第N号) after the match.
        skip_line: Ignore matches on lines this pattern finds (site links to other letters).

    Returns:
        (session, (start, end)) or None.
    """
    stop = len(text) if end is None else end
    for m in _SESSION_CORE.finditer(text, start, stop):
        if body and not _SESSION_CONTEXT.match(text, m.end()):
            continue
        if skip_line is not None:
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            if skip_line.search(text, line_start, len(text) if line_end < 0 else line_end):
                continue
        begin = _session_start(text, max(start, m.start() - _PREFIX_REACH), m.start())
        return text[begin : m.end()], (begin, m.end())
    return None


def _session_start(text: str, lo: int, core: int) -> int:
    """Where the place words before a session's term begin (重庆市渝中区 / 区 / 政协魏县)."""
    for i in range(lo, core):
        if text[i] == "于" and i > 0 and text[i - 1] == "关":
            continue  # the 于 of 关于
        if _SESSION_PREFIX.fullmatch(text, i, core):
            return i
    return core


def find_number(text: str, start: int, end: int, in_title: bool) -> tuple[str, Span] | None:
    """The suggestion/proposal number in text[start:end] (`0310`, `DH370`).

    Args:
        text: The letter text.
        start: Start of the region (the title, or the opening paragraph).
        end: End of the region.
        in_title: Titles allow a bare `16号`; body text needs `第` or an opening bracket.

    Returns:
        (number, span of the number) or None.
    """
    pattern = NUMBER_TITLE if in_title else NUMBER_BODY
    m = pattern.search(text, start, end)
    if not m:
        return None
    if in_title and m["c"]:  # 第五十二号: the number in Chinese numerals, read as digits
        value = cn_number(m["c"])
        return (str(value), m.span("c")) if value else None
    group = "m" if in_title and m["m"] else "n"
    return m[group], m.span(group)


def find_signer(text: str, start: int = 0) -> tuple[str, Span] | None:
    """The name of the person who approved the reply, from text[start:].

    Reads 此复函已经X主任审签 / 已经区交通局局长X审签 / 经…X局长审核同意 and 签发人: X.
    Generic approvers (主要领导审签) give None.

    Args:
        text: The letter text.
        start: Where the letter body starts (after the salutation).

    Returns:
        (name, span of the name) or None.
    """
    m = SIGN_LABEL.search(text)
    if m:  # a 签发人 line may stand in the header, above the salutation
        return m["name"], m.span("name")
    for m in SIGN_OFF.finditer(text, start):
        seg, seg_start = m["seg"], m.start("seg")
        if _GENERIC_APPROVER.search(seg):
            continue
        titles = list(_TITLE_RE.finditer(seg))
        if not titles and not m["comrade"]:
            continue  # 已经区政府审定: a body, not a person
        last = titles[-1] if titles else None
        after = seg[last.end() :].strip() if last else ""
        if last and after:
            name_at = seg_start + seg.index(after, last.end())
            name = after
        else:
            before = (seg[: last.start()] if last else seg).strip(" ,，、")
            name = _name_after_org(before)
            name_at = seg_start + seg.index(name) if name else -1
            if last and len(name) == 1 and seg.startswith(name + last.group(), seg.index(name)):
                name += last.group()  # 敖镇长: a surname alone names no one; with the title it does
        if name and _NAME.fullmatch(name) and not _NOT_NAME.search(name):
            return name, (name_at, name_at + len(name))
    return None


def _name_after_org(before: str) -> str:
    """The person's name at the end of `区公安局李示例` / `王示例` (before a title word)."""
    for size in (3, 2, 4):
        org = before[:-size]
        if len(before) > size and len(org) >= 2 and _ORG_CHAR.match(org[-1]):
            return before[-size:]
    if len(before) <= 4:
        return before
    org = before[:-1]
    return before[-1] if _ORG_CHAR.match(org[-1]) else ""  # a surname alone: 敖镇长


def find_cohandlers(text: str, start: int, end: int) -> tuple[tuple[str, ...], Span] | None:
    """The bodies named in the first co-handling statement in text[start:end].

    Statements: 经与…共同研究办理, 会同…办理, …协办. Bodies only consulted (与…联系沟通)
    do not count, and the list must read as agency names. Call it on the letter's opening
    paragraph, where the handling is stated; later 会同 sentences describe the work.

    Args:
        text: The letter text.
        start: Start of the region (the opening of the letter body).
        end: End of the region.

    Returns:
        (bodies in letter order, span of the whole statement) or None.
    """
    best: tuple[tuple[str, ...], Span] | None = None
    for pattern in COHANDLE:
        for m in pattern.finditer(text, start, end):
            items = split_bodies(m["list"])
            if items:
                if best is None or m.start() < best[1][0]:
                    best = (items, m.span())
                break
    return best


def split_bodies(listing: str) -> tuple[str, ...]:
    """Split `市人力社保局、市大数据发展局` into names; empty if any part is not a body."""
    parts = [p.strip() for p in _LIST_SEP.split(_LIST_END.sub("", listing.strip()))]
    out = []
    for part in parts:
        part = _ITEM_TAIL.sub("", part).rstrip("等").strip()
        if not part or part.startswith(("我", "本", "贵", "相关", "有关")):
            return ()
        if not 2 <= len(part) <= 20 or not _BODY_END.search(part):
            return ()
        if not _CJK_NAME.fullmatch(part):
            return ()
        out.append(part)
    return tuple(out)


def find_aliases(text: str, agency: str) -> tuple[str, ...]:
    """Other names the letter writes for its own sender, in order of first appearance.

    A name counts when it stands on its own: not inside the full name, not inside a longer
    alias, and (for a bare level word such as 区水利局) not glued to another place name.

    Args:
        text: The letter text.
        agency: The sender's full name as read from the letter.

    Returns:
        The aliases, without the agency name itself.
    """
    names = [a for a in aliases_of(agency) if a != agency]
    taken: list[Span] = [m.span() for m in re.finditer(re.escape(agency), text)]
    found: list[tuple[int, str]] = []
    for name in sorted(names, key=len, reverse=True):
        tokens, _core = split_place(name)
        bare = bool(tokens) and len(tokens[0]) == 1
        for m in re.finditer(re.escape(name), text):
            s, e = m.span()
            if any(a <= s and e <= b for a, b in taken):
                continue
            if bare and s > 0 and text[s - 1] not in _ALIAS_BEFORE:
                continue
            taken.append((s, e))
            found.append((s, name))
    found.sort()
    return tuple(dict.fromkeys(name for _s, name in found))
