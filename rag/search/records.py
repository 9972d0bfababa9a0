"""Record questions: lists of letters chosen by their fields, not by their passages.

Some enumeration questions are about the letters as records — "which replies were
co-handled by 市财政局", "which replies came from a town government or street office",
"which suggestions came from a party, group or delegation rather than one person". Passage
retrieval reaches such letters only by luck; the parsed fields answer them exactly. Each
row cites the span where the field is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rag.letters.agencies import answers_for, short_place, split_place
from rag.search.query import QueryInfo, agency_core
from rag.types import Letter

_COHANDLED = re.compile(r"协办|会同|会办|共同(?:研究)?办理|一起办|co-?handl|jointly", re.I)
_SENDER_LOCAL = re.compile(r"乡镇|镇政府|镇人民政府|街道|乡政府|town|township|street office", re.I)
_SENDER_VERB = re.compile(r"作出|答复|发出|回复|办理|replied|answered|issued|sent", re.I)
_LOCAL_BODY = re.compile(r"(?:镇|乡)(?:人民)?政府$|街道(?:办事处)?$|街道党工委")
# Asks which proposals came from a collective (a party, group or delegation), not one person.
# A delegation merely named ("潼南代表团的柠檬建议") is not such a question.
_COLLECTIVE = re.compile(
    r"(?:党派|团体|代表团|集体|民主党派|组织)[^，,。？?]{0,4}(?:提出|提交|提的)|不是个人|非个人|"
    r"(?:submitted|proposed|put forward|raised|made) by (?:a |an |the )?(?:whole )?"
    r"(?:delegations?|part(?:y|ies)|groups?|organi[sz]ations?)|"
    r"rather than (?:by )?(?:an |one )?individual|not (?:by )?(?:an |one )?individual",
    re.I,
)
# Several people proposing together (联名), as a question asks for them and a letter writes them.
_JOINT = re.compile(
    r"联名|附议|(?:多|几|两|数)(?:位|名|个)(?:人大)?(?:代表|委员)|(?:代表|委员)们?(?:共同|联合|一起)(?:提出|提交|提的)|"
    r"jointly|co-?signed|(?:several|multiple|two or more|more than one) (?:deputies|deputy|members?|proposers?)",
    re.I,
)
_JOINT_NAMES = re.compile(r"[\u4e00-\u9fff·]{2,8}、[\u4e00-\u9fff]|等(?:\d+|[一二三四五六七八九十]+)?[位名]?[)）]?(?:代表|委员)")
_COSIGNER = re.compile(r"联名人|附议人")
_COLLECTIVE_NAME = re.compile(
    r"民革|民盟|民建|民进|农工党|致公党|九三学社|台盟|代表团|工商联|委员会$|市委$|学社|团体"
)
# The question asks for letters ("哪些答复…", "哪封复函…", "which replies…", "列明…为协办"),
# not for agencies or measures ("这封复函还会同了哪些单位" is a field question).
WHICH_LETTER = re.compile(
    r"哪些[^？?，,。；;]{0,12}?(?:答复|复函|回复|函|建议|提案)|哪[一几]?[封份件]|列明[^？?，,。]{0,12}为|"
    r"which (?:repl(?:y|ies)|letters?|answers?|proposals?|suggestions?)",
    re.I,
)
# A handling category asked for by its letter (C类, B类办理).
_CATEGORY = re.compile(r"(?<![A-Za-z])(?P<c>[ABCabc])\s*类")
# Which bodies of a place replied (宁陕县都有哪些部门的答复函, 马关县有哪些单位答复过).
_PLACE_SENDERS = re.compile(
    r"(?:哪些|哪几个|哪几家|什么)(?:部门|单位|机构)(?:的)?(?:答复|复函|回复|函)|"
    r"(?:哪些|哪几个|哪几家)(?:部门|单位|机构)(?:答复|回复|办理)过?"
)
_PLACE_NAME = re.compile(r"([\u4e00-\u9fff]{2,6}?(?:自治县|自治州|县|区|市|州|旗))")


# A co-handling agency's opinion sent to the lead agency, not a reply to the proposer.
_OPINION = re.compile(r"协办意见|会办意见|co-?handling opinion", re.I)


_NUMERAL = "一二三四五六七八九十"
# A session: 区十九届人大四次会议, 政协…第十五届委员会第一次会议, 第二十届人民代表大会第一次会议.
_SESSION = re.compile(
    rf"(?:第)?(?P<term>[{_NUMERAL}]+)届(?P<body>[^，,。？?]{{0,10}}?)(?:第)?(?P<sitting>[{_NUMERAL}]+)次会议"
)


@lru_cache(maxsize=4096)  # called with question texts: bounded, or a server's memory grows
def _session_key(text: str) -> tuple[str, str, str] | None:
    """(人大|政协, term, sitting) of the first session named in `text`."""
    m = _SESSION.search(text)
    if m is None:
        return None
    body = "政协" if "政协" in text[: m.end()] or "委员会" in m["body"] else "人大"
    return body, m["term"], m["sitting"]


def _places(letter: Letter) -> list[str]:
    """The place names a letter's agency carries, short forms (重庆市巴南区圣灯山镇 → 重庆, 巴南, 圣灯山镇)."""
    return _agency_places(letter.fields.agency or "")


@cache
def _agency_places(agency: str) -> list[str]:
    # The alias table's own split (衢州市衢江区 → 衢州市, 衢江区), level words dropped.
    return [short_place(p) for p in split_place(agency)[0] if len(p) > 1]


# A town or street office speaking of itself in the body of its letter.
_LOCAL_SELF = re.compile(
    r"(?:我|本)(?:街道|镇|乡)(?:党工委|办事处|政府|人民政府)?|街道党工委|镇党委|乡党委"
)


# (letter id, content hash) -> the line where an unsigned letter speaks of itself, or None.
# Reading a letter's text costs a disk read in a large index: each letter is read once.
_SELF_REFERENCE: dict[tuple[str, str], tuple[int, int] | None] = {}


def self_reference(letter: Letter) -> tuple[int, int] | None:
    """The line where a letter speaks of its own town or street office (我街道, 街道党工委 …):
    who sent an unsigned letter, as far as it says."""
    key = (letter.id, letter.sha256)
    if key not in _SELF_REFERENCE:
        m = _LOCAL_SELF.search(letter.text)
        _SELF_REFERENCE[key] = _line(letter.text, m.start(), m.end()) if m else None
    return _SELF_REFERENCE[key]


def _line(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around `[start, end)` (at most ~150 characters)."""
    s = max(text.rfind("\n", 0, start), *(text.rfind(p, 0, start) for p in "。；")) + 1
    e = min((i for i in (text.find(p, end) for p in "\n。；") if i >= 0), default=len(text))
    s, e = max(s, start - 60), min(e, end + 80)
    while s < e and text[s].isspace():
        s += 1
    return s, e


def _level(text: str, core: str) -> str | None:
    """The level word (市/区/县/省) written right before `core` in `text`, if any."""
    at = text.find(core)
    return text[at - 1] if at > 0 and text[at - 1] in "省市区县" else None


@cache
def _same_body(wanted: tuple[str, str | None], cohandler: str) -> bool:
    """Same agency, and the same level when both name one (市财政局 is not 区财政局)."""
    core, level = wanted
    if not answers_for(agency_core(cohandler), core):
        return False
    theirs = cohandler[0] if cohandler[:1] in ("省", "市", "区", "县") else None
    return level is None or theirs is None or level == theirs


@dataclass(frozen=True)
class RecordMatch:
    """A letter chosen by a field, the field that chose it, and the fields to cite for it
    (the chosen one first: e.g. the addressee line, then the suggestion it answers)."""

    letter: Letter
    field: str
    cite: tuple[str, ...] = ()
    # Where the text shows the match when no parsed field does (an unsigned letter that
    # speaks of "街道党工委…" as its own body): a line span to cite.
    evidence: tuple[int, int] | None = None


def asks_for_records(question: str, info: QueryInfo) -> bool:
    """Whether `question` asks for letters (which replies/letters …), so may be a record question."""
    return bool(WHICH_LETTER.search(question))


class RecordIndex:
    """The letters each record rule can choose, gathered over all letters once per rule (on
    its first question): later record questions look at those few letters, not at every
    letter — at 10^6 chunks, 323,860 of them and ~300 ms a question."""

    def __init__(self, letters: Iterable[Letter]) -> None:
        self._letters = list(letters)
        self._facets: dict[str, Any] = {}

    def matches(
        self, question: str, info: QueryInfo, allowed: Collection[str] | None = None
    ) -> list[RecordMatch]:
        """The letters whose fields answer a record question (none when the question is not
        one), among the allowed letters (all when None), in the letters' order."""
        if allowed is not None and not isinstance(allowed, (set, frozenset)):
            allowed = set(allowed)
        letters = self._letters

        def among(where: Iterable[int]) -> list[int]:
            return sorted(i for i in where if allowed is None or letters[i].id in allowed)

        if _OPINION.search(question):
            return [
                RecordMatch(letters[i], "title", ("title", "addressee", "date"))
                for i in among(self._facet("opinion", self._opinions))
            ]
        if info.agencies and _COHANDLED.search(question):
            wanted = {(core, _level(question, core)) for core in info.agencies}
            chosen = {
                i
                for cohandler, where in self._facet("cohandler", self._cohandlers).items()
                if any(_same_body(w, cohandler) for w in wanted)
                for i in where
            }
            return [RecordMatch(letters[i], "cohandlers", ("cohandlers",)) for i in among(chosen)]
        wanted_session = _session_key(question)
        if wanted_session is not None and not info.identifies_letter:
            same = among(self._facet("session", self._sessions).get(wanted_session, []))
            # A place the question names narrows them (巴南区…十九届人大四次会议).
            named = [i for i in same if any(p in question for p in _places(letters[i]))]
            return [RecordMatch(letters[i], "title", ("title",)) for i in (named or same)]
        if _SENDER_LOCAL.search(question) and _SENDER_VERB.search(question):
            local = self._facet("local", self._local_senders)
            return [local[i] for i in among(local)]
        category = _CATEGORY.search(question) if "category" in info.intents else None
        if category is not None:
            # 哪几件是C类办理的: the letters of that handling category.
            return [
                RecordMatch(letters[i], "category", ("category",))
                for i in among(range(len(letters)))
                if letters[i].fields.category == category["c"].upper()
            ]
        senders = _PLACE_SENDERS.search(question)
        if senders is not None:
            # 宁陕县都有哪些部门的答复函: the letters whose sender is of that place.
            named = {short_place(p) for p in _PLACE_NAME.findall(question[: senders.start()])}
            chosen = [i for i in among(range(len(letters))) if named & set(_places(letters[i]))]
            if named and chosen:
                return [RecordMatch(letters[i], "agency", ("agency", "subject")) for i in chosen]
        if _COLLECTIVE.search(question):
            return [
                RecordMatch(letters[i], "addressee", ("addressee", "subject"))
                for i in among(self._facet("collective", self._collective))
            ]
        if _JOINT.search(question):
            # 哪些是多位代表联名提的: the letters written to several proposers (王某、李某代表,
            # 姜某(等10位)代表) or naming a 联名人.
            return [
                RecordMatch(letters[i], "addressee", ("addressee", "subject"))
                for i in among(self._facet("joint", self._joint))
            ]
        return []

    def _facet(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._facets:
            self._facets[name] = build()
        return self._facets[name]

    def _opinions(self) -> list[int]:
        return [i for i, lt in enumerate(self._letters) if _OPINION.search(lt.fields.title or "")]

    def _cohandlers(self) -> dict[str, list[int]]:
        where: dict[str, list[int]] = defaultdict(list)
        for i, lt in enumerate(self._letters):
            for cohandler in dict.fromkeys(lt.fields.cohandlers):
                where[cohandler].append(i)
        return where

    def _sessions(self) -> dict[tuple[str, str, str], list[int]]:
        where: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, lt in enumerate(self._letters):
            key = _session_key(lt.fields.session or "")
            if key is not None:
                where[key].append(i)
        return where

    def _local_senders(self) -> dict[int, RecordMatch]:
        out = {}
        for i, lt in enumerate(self._letters):
            if lt.fields.agency:
                if _LOCAL_BODY.search(lt.fields.agency):
                    out[i] = RecordMatch(lt, "agency", ("title", "agency"))
                continue
            # No sender parsed (an unsigned page): a town or street office writing of itself.
            span = self_reference(lt)
            if span:
                out[i] = RecordMatch(lt, "agency", ("title",), span)
        return out

    def _joint(self) -> list[int]:
        return [
            i
            for i, lt in enumerate(self._letters)
            if lt.fields.addressee
            and _JOINT_NAMES.search(lt.fields.addressee)
            and not _COLLECTIVE_NAME.search(lt.fields.addressee)
            or _COSIGNER.search(lt.text[:600])
        ]

    def _collective(self) -> list[int]:
        return [
            i
            for i, lt in enumerate(self._letters)
            if lt.fields.addressee and _COLLECTIVE_NAME.search(lt.fields.addressee)
        ]
