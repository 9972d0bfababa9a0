"""Record questions: lists of letters chosen by their fields, not by their passages.

Some enumeration questions are about the letters as records — "which replies were
co-handled by 市财政局", "which replies came from a town government or street office",
"which suggestions came from a party, group or delegation rather than one person". Passage
retrieval reaches such letters only by luck; the parsed fields answer them exactly. Each
row cites the span where the field is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .query import QueryInfo, agency_core
from .types import Letter

_COHANDLED = re.compile(r"协办|会同|会办|共同(?:研究)?办理|一起办|co-?handl|jointly", re.I)
_SENDER_LOCAL = re.compile(r"乡镇|镇政府|镇人民政府|街道|乡政府|town|township|street office", re.I)
_SENDER_VERB = re.compile(r"作出|答复|发出|回复|办理|replied|answered|issued|sent", re.I)
_LOCAL_BODY = re.compile(r"(?:镇|乡)(?:人民)?政府$|街道(?:办事处)?$|街道党工委")
_COLLECTIVE = re.compile(
    r"党派|团体|代表团|民主党派|不是个人|集体|parties|party|delegation|group", re.I
)
_COLLECTIVE_NAME = re.compile(
    r"民革|民盟|民建|民进|农工党|致公党|九三学社|台盟|代表团|工商联|委员会$|市委$|学社|团体"
)


def _level(text: str, core: str) -> str | None:
    """The level word (市/区/县/省) written right before `core` in `text`, if any."""
    at = text.find(core)
    return text[at - 1] if at > 0 and text[at - 1] in "省市区县" else None


def _same_body(wanted: tuple[str, str | None], cohandler: str) -> bool:
    """Same agency, and the same level when both name one (市财政局 is not 区财政局)."""
    core, level = wanted
    if agency_core(cohandler) != core:
        return False
    theirs = cohandler[0] if cohandler[:1] in ("省", "市", "区", "县") else None
    return level is None or theirs is None or level == theirs


@dataclass(frozen=True)
class RecordMatch:
    """A letter chosen by a field, and the field that chose it."""

    letter: Letter
    field: str


def record_matches(question: str, info: QueryInfo, letters: Iterable[Letter]) -> list[RecordMatch]:
    """Letters whose fields answer a record question (empty when the question is not one)."""
    letters = list(letters)
    if info.agencies and _COHANDLED.search(question):
        wanted = {(core, _level(question, core)) for core in info.agencies}
        return [
            RecordMatch(lt, "cohandlers")
            for lt in letters
            if any(_same_body(w, c) for w in wanted for c in lt.fields.cohandlers)
        ]
    if _SENDER_LOCAL.search(question) and _SENDER_VERB.search(question):
        return [
            RecordMatch(lt, "agency")
            for lt in letters
            if lt.fields.agency and _LOCAL_BODY.search(lt.fields.agency)
        ]
    if _COLLECTIVE.search(question):
        return [
            RecordMatch(lt, "addressee")
            for lt in letters
            if lt.fields.addressee and _COLLECTIVE_NAME.search(lt.fields.addressee)
        ]
    return []
