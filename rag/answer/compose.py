"""How an answer reads: a letter named by its record, direct lines, supporting quotes.

Every answer has one shape, whatever route made it:

    <direct answer, in the letter's words>[1]
    ——<sender>《<title>》（<文号>，<date: 2022年7月19日; ISO in English>）
    · <supporting quote>[2]

A letter is named from its record — its sender (the parsed 发文机关, or the line where an
unsigned letter speaks of its own office), its own title (the 关于…的答复 heading, never a
document it cites, never a file name), its 文号 and date when stated — never by text inside a
quote. Citations are numbered in the order they appear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rag.answer.english import agency_en
from rag.types import Citation, Letter

# A heading is the letter's own title when it says it is a reply (答复, 复函 …), not a 《document》
# it cites or a line of the page.
_OWN_TITLE = re.compile(r"答复|复函|回复|函复|办理|意见|的函|建议|提案|议案")
_FILE_NAME = re.compile(r"\.(?:txt|html?|pdf|docx?)$|^[A-Za-z0-9_-]+$", re.I)
_SPACES = re.compile(r"\s+")
_KIND_EN = {"提案": "proposal", "建议": "suggestion", "其他": "letter"}


def clean(text: str) -> str:
    """A field value for display: runs of whitespace become one space (or none between CJK)."""
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)


_BOUNDARY = "，,。；;：:！!？?、\n"


def excerpt(text: str, start: int, end: int) -> str:
    """`text[start:end]` for display, with "…" where it cuts into a clause (a very long
    sentence shown in part), so a cut never reads as the letter's own words ending."""
    shown = clean(text[start:end])
    if start > 0 and text[start - 1] not in _BOUNDARY and not text[start - 1].isspace():
        shown = "…" + shown
    if end < len(text) and text[end - 1] not in _BOUNDARY and text[end] not in _BOUNDARY and not text[end].isspace():
        shown += "…"
    return shown


def date_zh(iso: str) -> str:
    """A record's ISO date the way a Chinese letter writes it (2022-07-19 → 2022年7月19日; a
    year and month alone, 2022年7月); anything else as it is."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", iso)
    if not m:
        return iso
    return f"{m[1]}年" + "".join(f"{int(x)}{unit}" for x, unit in ((m[2], "月"), (m[3], "日")) if x)


def title_of(letter: Letter) -> str | None:
    """The letter's own title, if its record has one (not a cited document, not a file name)."""
    title = letter.fields.title
    if not title:
        return None
    title = clean(title).strip("《》")
    if _FILE_NAME.search(title) or not _OWN_TITLE.search(title):
        return None
    return title


def sender_of(letter: Letter) -> str | None:
    """Who sent the letter, as its record states it (None when the letter names no sender)."""
    f = letter.fields
    name = f.agency or f.agency_canonical
    return clean(name) if name else None


def citation_name(citation: Citation) -> str:
    """How a plain-text source list names a cited letter: its title and 文号, else its
    sender; the file name is a last resort."""
    return " ".join(x for x in (citation.title, citation.doc_number) if x) or citation.agency or citation.source


def suggestion_name(suggestion: Mapping[str, Any]) -> str:
    """How a plain-text answer lists a suggested letter: its title · its sender, whichever
    it has, else its file name."""
    name = " · ".join(str(x) for x in (suggestion.get("title"), suggestion.get("agency")) if x)
    return name or str(suggestion.get("source"))


def letter_label(letter: Letter, english: bool, sender: str | None = None) -> str:
    """How an answer names a letter: sender, what it answers (the suggestion's number, a
    short name read out as easily as written; else the letter's own title), document number
    and date. The full title is the citation's."""
    f = letter.fields
    sender = sender or sender_of(letter)
    if f.number:
        kind = f.kind or "建议"
        title = (
            f"reply to {_KIND_EN.get(kind, kind)} No. {f.number}"
            if english
            # 其他 (a co-handler's opinion, a letter of no stated kind) names no kind.
            else f"对第{f.number}号{'' if kind == '其他' else kind}的答复"
        )
    else:
        title = title_of(letter)
    date = f.date if english or not f.date else date_zh(f.date)
    bits = [b for b in (clean(f.doc_number) if f.doc_number else None, date) if b]
    # A letter that names no sender is named by its title alone; only a letter with neither
    # says that its sender is not written.
    if english:
        who = agency_en(sender) if sender else ""
        name = f"{who}, “{title}”" if who and title else who or (f"“{title}”" if title else "(sender not stated)")
        return name + (f" ({', '.join(bits)})" if bits else "")
    who = sender or ""
    if title:
        title = title.replace("《", "〈").replace("》", "〉")  # a title inside a title: 〈〉, as printed
    name = f"{who}《{title}》" if title else who or "（未写明发文单位）"
    return name + (f"（{'，'.join(bits)}）" if bits else "")


@dataclass
class Draft:
    """An answer being written: its lines and the citations their [n] markers point to."""

    english: bool
    lines: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    def cite(self, letter: Letter, start: int, end: int) -> str:
        """The [n] marker for a span (one number per distinct span)."""
        for c in self.citations:
            if c.letter_id == letter.id and (c.start, c.end) == (start, end):
                return f"[{c.key}]"
        self.citations.append(Citation.of(len(self.citations) + 1, letter, start, end))
        return f"[{self.citations[-1].key}]"

    def quote(self, letter: Letter, start: int, end: int) -> str:
        """The letter's text at a span, with its marker."""
        return clean(letter.text[start:end]) + self.cite(letter, start, end)

    def source(self, letter: Letter, sender: str | None = None) -> None:
        self.lines.append(("— " if self.english else "——") + letter_label(letter, self.english, sender))

    def add(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)
