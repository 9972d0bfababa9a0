"""Structure-aware chunking: cut a letter along its own headings, then sentences.

A reply letter is organised by 一、 / （一） / 1. / 第X条 headings. Each chunk stays
inside one section, starts at a heading or sentence boundary, packs whole sentences up
to a target size, and repeats a sentence or two from the chunk before it (overlap).
Chunks carry exact `[start, end)` offsets into the letter text and the section path.
Site chrome lines (`rag.letters.boilerplate`) stay in the letter text but never enter a
chunk; the header block before the salutation becomes its own "文头"
section so metadata lookups (文号, 索引号) have a passage to hit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.config import ChunkingSettings
from rag.letters.boilerplate import line_spans
from rag.types import Chunk, Letter

#: Bump when chunk boundaries change for the same text and settings: builds then re-chunk.
CHUNKER_VERSION = 4

_CN_NUM = "一二三四五六七八九十百零〇"

# (level, pattern) — the heading at the start of a line.
_HEADINGS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"第[{_CN_NUM}\d]+[部分章条节]")),
    (1, re.compile(rf"[{_CN_NUM}]+[、.．]")),
    (2, re.compile(rf"[（(][{_CN_NUM}]+[）)]")),
    (3, re.compile(r"\d{1,2}[、．](?!\d)|\d{1,2}\.(?!\d)")),
    (4, re.compile(r"[（(]\d{1,2}[）)]")),
)

_SALUTATION = re.compile(r"^\s*(?:尊敬的)?[^\n，,。；;：:]{1,40}[：:]\s*$")

# A sentence ends after one of these, plus any closing quotes/brackets that follow.
_SENT_END = re.compile(r"(?:……|[。！？；!?;])[”’」』）)\]】]*")
_SOFT_BREAK = re.compile(r"[，,、：:]")

_MAX_HEADING_LABEL = 40


def heading_of(line: str) -> tuple[int, str] | None:
    """The heading level and label if `line` opens with a section heading."""
    stripped = line.lstrip()
    for level, pattern in _HEADINGS:
        m = pattern.match(stripped)
        if m and len(stripped) > m.end():
            label = stripped
            # A long line is a heading followed by its paragraph: keep the heading part.
            stop = re.search(r"[。：:；;]", stripped[m.end() :])
            if stop and stop.start() + m.end() <= _MAX_HEADING_LABEL:
                label = stripped[: m.end() + stop.start()]
            elif len(stripped) > _MAX_HEADING_LABEL:
                label = stripped[:_MAX_HEADING_LABEL] + "…"
            return level, label.strip()
    return None


@dataclass
class _Unit:
    start: int
    end: int
    section: str
    hard_break: bool  # a new chunk must start here


def _sentences(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split `text[start:end]` into sentence spans (trimmed), long ones cut softly."""
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        while e - s > max_chars:
            # Cut an over-long sentence at the last soft break before the limit.
            cut = None
            for m in _SOFT_BREAK.finditer(text, s + max_chars // 2, s + max_chars):
                cut = m.end()
            cut = cut or s + max_chars
            out.append((s, cut))
            s = cut
        if e > s:
            out.append((s, e))
    return out


def _units(
    text: str, boilerplate: Sequence[tuple[int, int]], settings: ChunkingSettings
) -> list[_Unit]:
    """Sentence units with their section paths and forced breaks."""
    chrome = {s for s, _ in boilerplate}
    lines = list(line_spans(text))
    # The header block (metadata table, title) ends at the salutation line, if there is one early on.
    salutation = next(
        (
            i
            for i, (s, e) in enumerate(lines)
            if s < len(text) * 0.6 and _SALUTATION.match(text[s:e]) and not heading_of(text[s:e])
        ),
        None,
    )
    stack: list[tuple[int, str]] = []
    units: list[_Unit] = []
    pending_break = True
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if s in chrome:
            pending_break = True
            continue
        if not line.strip():
            continue
        if salutation is not None and i == salutation:
            pending_break = True
        if salutation is not None and i < salutation:
            section = "文头"
        else:
            head = heading_of(line)
            if head:
                level, label = head
                stack = [(lv, lb) for lv, lb in stack if lv < level] + [(level, label)]
                pending_break = pending_break or level <= 3
            section = " > ".join(lb for _, lb in stack)
        for ss, se in _sentences(text, s, e, settings.max_chars):
            units.append(_Unit(ss, se, section, pending_break))
            pending_break = False
    return units


def chunk_text(
    letter_id: str,
    text: str,
    boilerplate: Sequence[tuple[int, int]] = (),
    settings: ChunkingSettings | None = None,
) -> list[Chunk]:
    """Cut one letter's text into chunks with exact offsets.

    Args:
        letter_id: Id of the letter; chunk ids are `"{letter_id}:{n}"`.
        text: The letter text all offsets index into.
        boilerplate: Spans of site-chrome lines to leave out.
        settings: Chunk sizes (defaults if None).

    Returns:
        Chunks in reading order; `text[c.start:c.end] == c.text` for each.
    """
    settings = settings or ChunkingSettings()
    units = _units(text, boilerplate, settings)
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []

    def size(us: list[_Unit]) -> int:
        return us[-1].end - us[0].start if us else 0

    for unit in units:
        new_size = unit.end - current[0].start if current else unit.end - unit.start
        # A chunk holding only a heading (or a few words) runs on into its first subsection.
        runs_on = (
            bool(current)
            and size(current) < settings.min_chars
            and unit.section.startswith(current[-1].section)
        )
        if (
            current
            and not (runs_on and new_size <= settings.max_chars)
            and (
                unit.hard_break
                or unit.section != current[-1].section
                or new_size > settings.max_chars
                or size(current) >= settings.target_chars
            )
        ):
            groups.append(current)
            carry: list[_Unit] = []
            if not unit.hard_break and unit.section == current[-1].section:
                # Overlap: repeat trailing whole sentences of the previous chunk.
                for prev in reversed(current[1:]):
                    if current[-1].end - prev.start > settings.overlap_chars:
                        break
                    carry.insert(0, prev)
            current = carry + [unit]
            if size(current) > settings.max_chars:
                current = [unit]
        else:
            current.append(unit)
    if current:
        groups.append(current)

    # Fold a short tail into the chunk before it when they share a section and fit.
    merged: list[list[_Unit]] = []
    for group in groups:
        if (
            merged
            and size(group) < settings.min_chars
            and group[0].section == merged[-1][-1].section
            and not group[0].hard_break
            and group[-1].end - merged[-1][0].start <= settings.max_chars + settings.min_chars
        ):
            merged[-1] = merged[-1] + [u for u in group if u.start >= merged[-1][-1].end]
        else:
            merged.append(group)

    chunks = []
    for n, group in enumerate(merged):
        start, end = group[0].start, group[-1].end
        chunks.append(
            Chunk(
                id=f"{letter_id}:{n}",
                letter_id=letter_id,
                text=text[start:end],
                start=start,
                end=end,
                section=group[-1].section,
                ordinal=n,
            )
        )
    return chunks


def embed_input(letter: Letter, chunk: Chunk) -> str:
    """What is embedded for a chunk: the letter's title and section path give it context."""
    parts = []
    title = letter.fields.title
    if title and title not in chunk.text:
        parts.append(" ".join(title.split()))
    if (
        chunk.section
        and chunk.section != "文头"
        and not chunk.text.startswith(chunk.section.split(" > ")[-1])
    ):
        parts.append(chunk.section)
    parts.append(chunk.text)
    return "\n".join(parts)


def chunker(settings: ChunkingSettings) -> Callable[[Letter], list[Chunk]]:
    """How an index build cuts a letter: `chunk_text` with these settings."""

    def cut(letter: Letter) -> list[Chunk]:
        return chunk_text(letter.id, letter.text, letter.boilerplate, settings)

    return cut


def chunking_params(settings: ChunkingSettings) -> dict[str, Any]:
    """What chunk boundaries depend on, recorded in an index's manifest (a change re-chunks)."""
    return {**settings.model_dump(), "chunker_version": CHUNKER_VERSION}
