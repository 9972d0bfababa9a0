"""Answers that list letters: chosen by their fields, or grouped by agency.

- record questions (哪几封复函是镇政府发出的, 由市经信委协办的, 某次会议的建议 …): one line
  per letter the fields select, cited where each field is written;
- enumeration questions (哪些部门支持人才政策): one row per agency, what it does or commits
  to (a quoted sentence) and in which letter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from rag.answer.evidence import Evidence
from rag.answer.fieldanswers import LABELS, letter_name
from rag.answer.selection import choose_sentences
from rag.config import AnswerSettings
from rag.letters.agencies import default_table
from rag.letters.values import field_value
from rag.search.lexicon import normalize
from rag.search.query import Filters, QueryInfo, agency_core
from rag.search.records import asks_for_records, self_reference
from rag.search.retrieval import Retriever
from rag.types import Answer, Citation, Hit, Letter

# The label of a line cited from the letter's text where no parsed field states the answer.
_IN_THE_LETTER = ("正文", "In the letter")
# The question lists replies ("关于X的答复有哪些"), not agencies or measures.
_REPLIES_ASKED = re.compile(r"(?:答复|复函|回复|建议|提案)有哪些|which (?:replies|letters)", re.I)


def records_answer(
    retriever: Retriever,
    settings: AnswerSettings,
    question: str,
    info: QueryInfo,
    filters: Filters | None = None,
    exclude: Sequence[str] = (),
) -> Answer | None:
    """A list of letters chosen by their fields (协办单位, 乡镇/街道 senders, collective
    proposers), each cited where the field is written; None if not such a question."""
    allowed: set[str] | None = None
    if filters is not None and filters.active():
        allowed = set(retriever._allowed(filters))
    if exclude:
        allowed = (set(retriever.keys) if allowed is None else allowed) - set(exclude)
    matches = retriever.record_matches(question, info, allowed)
    if not matches:
        return None
    citations: list[Citation] = []
    lines = []
    sep = ": " if info.english else "："
    for m in sorted(matches, key=lambda m: m.letter.source)[: settings.max_rows]:
        if field_value(m.letter, m.field).value is None and m.evidence is None:
            continue
        parts, marks = [], ""
        # The title line first (it names the letter), then the chosen field, then the rest.
        names = ("title",) if "title" in m.cite else ()
        # …and whatever the question asks of each letter (各自由谁审签 → 审签人).
        asked = tuple(n for n in info.intents if n in LABELS)
        for name in dict.fromkeys((*names, m.field, *m.cite, *asked)):
            value = field_value(m.letter, name)
            if value.value is None:
                continue
            citations.append(Citation.of(len(citations) + 1, m.letter, value.start, value.end))
            if name == "title":
                marks = f"[{citations[-1].key}]"
                continue
            label = LABELS[name][1 if info.english else 0]
            parts.append(f"{label}{sep}{value.value}[{citations[-1].key}]")
        if m.evidence is not None:
            citations.append(Citation.of(len(citations) + 1, m.letter, *m.evidence))
            label = _IN_THE_LETTER[1 if info.english else 0]
            parts.append(f"{label}{sep}{citations[-1].quote}[{citations[-1].key}]")
        head = letter_name(m.letter, info.english) + marks
        lines.append(f"- {head}{sep}" + ("; " if info.english else "；").join(parts))
    letters_listed = len(lines)
    if not citations:
        return None
    lead = (
        f"{letters_listed} letter{'s' if letters_listed > 1 else ''}:"
        if info.english
        else f"共找到{letters_listed}封复函："
    )
    return _listed(question, lead, lines, citations)


def enumeration_answer(
    evidence: Evidence,
    settings: AnswerSettings,
    question: str,
    info: QueryInfo,
    hits: Sequence[Hit],
) -> Answer | None:
    """One row per agency: what it does or commits to (a quoted sentence) and in which
    letter, over every on-topic letter retrieval found; None when the evidence is weak."""
    if evidence.weak(question, info, hits):
        return None
    s = settings
    retriever = evidence.retriever
    # Quotes are chosen for the topic words (and their paraphrases), not the question frame.
    groups = sorted(
        evidence.topic_groups(question, info.english), key=lambda g: (-g[0], sorted(g[1]))
    )
    topic = " ".join(t.split(":")[-1] for _, ts in groups for t in sorted(ts)) or question
    paraphrases = retriever.tokenizer.expansions(sorted(groups[0][1]) if groups else [])
    topic = " ".join([topic, *paraphrases])
    unnamed = "(agency not named)" if info.english else "（未署名单位）"
    # The main topic's words: a row's quote should contain one of them.
    keys = [t.split(":")[-1] for t in sorted(groups[0][1] if groups else ())] + paraphrases
    # A row must be about the question: its passage holds a good share of the question's
    # topic words, each weighted by its rarity (IDF), synonyms and abbreviations included.
    relevant: dict[str, list[Hit]] = {}
    for h in hits:
        if evidence.relevance(groups, h, require_main=True) >= s.min_row_relevance:
            relevant.setdefault(h.letter.id, []).append(h)
    # (actor, letter, start, end, label): a quote, or a field the question asks of each letter.
    rows: dict[str, list[tuple[str, Letter, int, int, str]]] = {}
    letters_asked = asks_for_records(question, info) or bool(_REPLIES_ASKED.search(question))
    asked = [name for name in info.intents if name in LABELS]
    sep = ": " if info.english else "："
    for letter_hits in list(relevant.values())[: s.max_rows]:
        letter = letter_hits[0].letter
        # The passage is already known to be on topic: take its best sentences whatever their score.
        quotes = choose_sentences(
            question,
            topic,
            letter_hits[:3],
            max_quotes=s.max_quotes,
            min_overlap=0.0,
            key_terms=keys,
            by_parts=False,
        )
        picks = [
            (p.start, p.end) for p in sorted(quotes[: s.quotes_per_row], key=lambda p: p.start)
        ]
        if letters_asked:
            # "关于X的答复有哪些": the suggestion each reply answers, when it is about X.
            subject = field_value(letter, "subject")
            on_topic = subject.value and any(k in normalize(subject.value) for k in keys)
            if on_topic and not any(a < subject.end and subject.start < b for a, b in picks):
                picks.insert(0, (subject.start, subject.end))
        actors = []
        for start, end in picks:
            actor = _actor(letter.text[start:end]) or letter.fields.agency or unnamed
            rows.setdefault(agency_core(actor), []).append((actor, letter, start, end, ""))
            actors.append(actor)
        # "…分别由哪个单位答复 / 各自由谁审签": each letter's answer, where it is written.
        for name, start, end in _asked_fields(letter, asked, picks):
            label = (LABELS.get(name) or _IN_THE_LETTER)[1 if info.english else 0]
            actor = letter.fields.agency or (actors[0] if actors else unnamed)  # the sender's row
            rows.setdefault(agency_core(actor), []).append((actor, letter, start, end, label))
    used_letters = {item[1].id for items in rows.values() for item in items}
    if not rows:
        return None
    citations: list[Citation] = []
    lines = []
    for items in rows.values():
        parts = []
        last = None
        for _, letter, start, end, label in items:
            citations.append(Citation.of(len(citations) + 1, letter, start, end))
            c = citations[-1]
            # Name the letter once, after its last quote in this row.
            if last is not None and last != letter.id:
                parts[-1] += f"（{letter_name(retriever.index.letters[last], info.english)}）"
            parts.append(f"{label}{sep if label else ''}{c.quote}[{c.key}]")
            last = letter.id
        if last is not None:
            parts[-1] += f"（{letter_name(retriever.index.letters[last], info.english)}）"
        lines.append(f"- {items[0][0]}：" + "；".join(parts))
    lead = (
        f"{len(rows)} agencies in {len(used_letters)} letters:"
        if info.english
        else f"共找到{len(used_letters)}封复函、{len(rows)}个单位："
    )
    return _listed(question, lead, lines, citations)


def _asked_fields(
    letter: Letter, asked: Sequence[str], picks: Sequence[tuple[int, int]]
) -> list[tuple[str, int, int]]:
    """(label key, start, end) of each field the question asks of every letter, unless a
    quote already covers it; an unsigned letter's sender is the line where it speaks of its
    own office (the label key "evidence": 正文 / In the letter)."""
    out = []
    for name in asked:
        value = field_value(letter, name)
        span = (value.start, value.end) if value.value is not None else None
        if span is None and name == "agency":
            line = self_reference(letter)
            span, name = (line, "evidence") if line else (None, name)
        if span and not any(a < span[1] and span[0] < b for a, b in picks):
            out.append((name, *span))
    return out


def _listed(question: str, lead: str, lines: list[str], citations: list[Citation]) -> Answer:
    """A list answer: the lead line, then a line per letter or agency."""
    return Answer(question, "\n".join([lead, *lines]), tuple(citations), True, (), "enumeration")


def _actor(sentence: str) -> str | None:
    """The agency a sentence opens with or acts through (市人力社保局将继续…), if it names one."""
    m = _actor_pattern().search(sentence[:60])
    return m.group(0) if m else None


@cache
def _actor_pattern() -> re.Pattern[str]:
    # Known agency cores (longest first), optionally preceded by a place or level word, and
    # followed by a verb-like word, so "与市教委对接" is not read as the actor "与市教委".
    cores = sorted(default_table().canonical, key=len, reverse=True)
    alternation = "|".join(re.escape(c) for c in cores if len(c) >= 2)
    return re.compile(
        rf"(?:[\u4e00-\u9fff]{{2,6}}?[省市区县]|[省市区县])?(?:{alternation})"
        r"(?=将|已|正|会同|牵头|积极|持续|继续|按照|通过|联合|负责|高度|认真|大力|加快|进一步)"
    )
