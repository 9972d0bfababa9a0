"""List answers: the count first, then one row per letter.

- Record questions (哪几封复函是镇政府发出的, 由市财政局协办的, 某次会议的建议 …) are decided
  by fields, over the whole collection: one row per letter the fields select, cited where each
  field is written (`rag.search.records`).
- Topic lists (哪些答复涉及公共厕所, 哪些部门支持人才政策) take every retrieved letter that meets
  the question's constraints and covers its topic (`AnswerSettings.min_row`): one row per
  letter — its sender and number, the clause that meets the criterion, and what the question
  asks of each letter (各自由谁审签 → the signer). Ten rows at most; the rest are counted.

A row is named by the letter's record (its sender, number or title), never by an agency
mentioned inside a quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from rag.answer.compose import Draft, clean, excerpt, sender_of, title_of
from rag.answer.english import agency_en
from rag.answer.fieldanswers import LABELS
from rag.answer.frame import Frame, Part
from rag.answer.reading import Reading, direct, score
from rag.answer.topic import Term, TopicModel
from rag.config import AnswerSettings
from rag.letters.agencies import split_place
from rag.letters.values import field_value
from rag.search.query import Filters
from rag.search.records import self_reference
from rag.search.retrieval import Retriever
from rag.types import Answer, Hit, Letter


class Reader(Protocol):
    """What a list answer needs of the answerer: its settings, topic model and letter reading."""

    settings: AnswerSettings
    topics: TopicModel

    def terms(self, frame: Frame, part: Part | None = None) -> list[Term]: ...

    def topic(self, frame: Frame, part: Part | None = None) -> str: ...

    def read(
        self, frame: Frame, hits: Sequence[Hit], limit: int = 8, terms: Sequence[Term] | None = None
    ) -> list[Reading]: ...

    def rate(self, readings: Sequence[Reading], terms: Sequence[Term]) -> list[Reading]: ...

    def floor(self, frame: Frame) -> float: ...


#: A row's quote says the list's main topic term this much, where a sentence of it does.
MAIN_TERM = 0.75
#: How much of each other word of the thing a letter must say to be about it (进小区: 小区).
PART_SAID = 0.5
#: A letter joins a list when its evidence is at least this share of the best letter's …
ROW_SHARE = 0.6
#: … and at least this much in itself.
ROW_FLOOR = 0.15


def row_name(letter: Letter, english: bool) -> str:
    """A letter's short name in a list row: its sender and its number (or its title)."""
    f = letter.fields
    sender = sender_of(letter)
    # No sender: the place whose congress it answers still says where it is from (荣成市).
    session = re.sub(r"^(?:中国人民政治协商会议|政协|人大常委会|人大)", "", f.session or "")
    place = [p for p in split_place(session)[0] if len(p) >= 2] if not sender else []
    if english:
        where = f"{place[-1]} " if place else ""
        who = agency_en(sender) if sender else f"{where}(sender not stated)"
        what = f"No. {f.number}" if f.number else (f"“{title_of(letter)}”" if title_of(letter) else "")
        return f"{who}, {what}" if what else who
    who = sender or (f"{place[-1]}（未写明发文单位）" if place else "（未写明发文单位）")
    if f.number:
        what = f"第{f.number}号{f.kind if f.kind and f.kind != '其他' else ''}"
    elif f.doc_number:
        what = clean(f.doc_number)
    else:
        what = f"《{title_of(letter)}》" if title_of(letter) else ""
    return f"{who}（{what}）" if what else who


_FORMULA = re.compile(r"收悉|答复如下|复如下")


def _within(letter: Letter, value: str, start: int, end: int) -> tuple[int, int]:
    """The span of `value` itself inside the line that states it (the 《title》, not the
    acknowledgement around it), or the line when the value is not written there verbatim."""
    at = letter.text.find(value, start, end)
    return (at, at + len(value)) if at >= 0 else (start, end)


def _lead(n: int, english: bool, noun: str = "") -> str:
    if english:
        return f"{n} letter{'s' if n != 1 else ''}:"
    return f"共{n}封{noun}复函："


def _rows(
    answerer: Reader,
    frame: Frame,
    readings: Sequence[Reading],
    main: Term | None,
    terms: Sequence[Term] = (),
) -> list[Reading]:
    """The letters one reading of a list's topic admits (`readings` rated with its terms), in
    retrieval order: a letter about the topic — its evidence (the topic covered, the main word
    said) close to the best letter's. Relative, because a list's letters say the topic in
    their own words; absolute floors only keep out letters that say nothing of it."""
    topics = answerer.topics

    def said(term: Term, reading: Reading) -> float:
        # How much of `term` the letter says, in its best sentence or its title.
        texts = [x.heading + x.text for x in reading.pool] + [title_of(reading.letter) or ""]
        return max((topics.term_coverage(term, t) for t in texts), default=0.0)

    def main_share(reading: Reading) -> float:
        # How much of the list's main topic (公共厕所 in 哪些答复涉及公共厕所) the letter says.
        return 1.0 if main is None else said(main, reading)

    def subject_share(reading: Reading) -> float:
        # …in the suggestion it answers (关于加固杭埠河河堤…): its reply need not repeat it.
        subject = field_value(reading.letter, "subject").value
        return topics.term_coverage(main, subject) if main is not None and subject else 0.0

    # The bar is set by what the letters themselves say; a letter may reach it by the
    # suggestion it answers.
    own = [(0.5 * r.relevance, main_share(r), r) for r in readings]
    best = max((a + 0.5 * share for a, share, _ in own), default=0.0)
    rated = [(a + 0.5 * max(share, subject_share(r)), r) for a, share, r in own]
    # Letters a body the question names has already narrowed (哪些答复提到了市水利局…) need half
    # the share of the best letter's evidence that letters chosen by the topic alone do.
    chosen = any(b.core and not b.sector for b in frame.bodies) and not frame.english
    cut = max(ROW_FLOOR, ROW_SHARE * best / (2 if chosen else 1))

    def says_all(reading: Reading) -> bool:
        # Whether any letter is about something asks for the thing as named, all of it: a
        # letter that says its words apart (长期…保险 for 长期护理保险) or only some of them
        # (电动车 without 充电桩) is not about it.
        return not frame.info.exists or all(
            said(t, reading) >= (MAIN_TERM if t is main else PART_SAID) for t in terms
        )

    if not terms and (frame.bodies or frame.info.years or frame.places):
        # The letters a body wrote, of a year or from a place, whatever about: their fields
        # chose them.
        return list(readings)
    return [r for v, r in rated if v >= cut and r.relevance >= answerer.floor(frame) and says_all(r)]


def list_answer(answerer: Reader, frame: Frame, hits: Sequence[Hit]) -> Answer | None:
    """One row per letter that meets the constraints and covers the topic; None if none does."""
    s = answerer.settings
    n_letters = len({h.letter.id for h in hits})
    topics = answerer.topics
    # A list's topic read two ways: as asked (支持人才政策), and word by word with a generic
    # head's stem (人才): rows come from many letters, each in its own words. A letter the
    # phrase admits keeps the phrase's reading; one only the words admit follows those rows.
    if frame.english:
        readings_of = [answerer.terms(frame)]
    else:
        # A letter joins a list for saying the topic, not one of its parts' paraphrases
        # (农村 does not say 农村饮水): paraphrases are read strictly.
        topic = answerer.topic(frame)
        whole = topics.terms(topic, split=True, strict=True)  # long phrases cut, short whole
        split = topics.terms(topic, split=True, split_short=True, strict=True)
        readings_of = [whole] if split == whole else [whole, split]
    rows: list[Reading] = []
    row_terms: dict[str, tuple[list[Term], Term | None]] = {}
    read = answerer.read(frame, hits, limit=n_letters, terms=readings_of[0])
    for terms in readings_of:
        main = max(terms, key=lambda t: t.weight) if terms else None
        rated = read if terms is readings_of[0] else answerer.rate(read, terms)
        for reading in _rows(answerer, frame, rated, main, terms):
            if reading.letter.id not in row_terms:
                rows.append(reading)
                row_terms[reading.letter.id] = (terms, main)

    if not rows:
        return None
    english = frame.english
    draft = Draft(english)
    draft.add(_lead(len(rows), english, "相关"))
    content = [p for p in frame.parts if not p.fields] or [Part(frame.question, "what", (), frame.topic)]
    asked = [f for f in frame.fields if f in LABELS and f not in ("agency",)]
    if frame.info.years and not any(readings_of) and "date" not in asked:
        asked.append("date")  # the letters of a year or range: each row says its date
    for i, reading in enumerate(rows[: s.max_rows], 1):
        letter = reading.letter
        terms, main = row_terms[letter.id]
        part = content[-1] if len(content) > 1 and content[-1].ask != "what" else content[0]
        ranked = score(answerer.topics, terms, part, reading.pool)
        says_main = [
            x for x in ranked
            if main is None or topics.term_coverage(main, x.sentence.heading + x.sentence.text) >= MAIN_TERM
        ]
        ranked = says_main or ranked
        bits = []
        if part.ask == "what" and "subject" not in asked:
            # The letters themselves are asked for (关于夜间经济的答复有哪些): each row says which
            # suggestion the letter answers, where the letter names it.
            subject = field_value(letter, "subject")
            if subject.value is not None:
                said = clean(subject.value)
                start, end = _within(letter, subject.value, subject.start, subject.end)
                said = f"answers {said}" if english else f"答复{said}"
                bits.append(said + draft.cite(letter, start, end))
        if not terms and reading.pool:
            # A list of what a body wrote: the suggestion each letter answers says it; without
            # one, the letter's first sentence, whole.
            if not bits:
                first = reading.pool[0]
                bits.append(excerpt(letter.text, first.start, first.end) + draft.cite(letter, first.start, first.end))
        elif ranked:
            pick = ranked[0]
            ds, de = direct(letter, answerer.topics, terms, part, pick)
            sent = pick.sentence
            start, end = (sent.start, sent.end) if sent.end - sent.start <= 200 else (ds, de)
            bits.append(excerpt(letter.text, ds, de) + draft.cite(letter, start, end))
        sep = ": " if english else "："
        for name in asked:
            value = field_value(letter, name)
            if value.value is not None:
                label = LABELS[name][1 if english else 0]
                bits.append(f"{label}{sep}{clean(value.value)}{draft.cite(letter, value.start, value.end)}")
        if sender_of(letter) is None:
            line = self_reference(letter)
            if line is not None:
                bits.append(draft.quote(letter, *line))
        draft.add(f"{i}. {row_name(letter, english)}{sep}" + ("; " if english else "；").join(bits))
    rest = rows[s.max_rows :]
    if rest:
        names = "、".join(row_name(r.letter, english) for r in rest[:5])
        draft.add(
            f"… and {len(rest)} more: {names}" if english else f"另有{len(rest)}封：{names}等。"
        )
    return Answer(frame.question, draft.text(), tuple(draft.citations), True, (), "enumeration")


def records_answer(
    retriever: Retriever,
    settings: AnswerSettings,
    frame: Frame,
    filters: Filters | None = None,
    exclude: Sequence[str] = (),
    keep: Callable[[Letter], bool] | None = None,
) -> Answer | None:
    """A list of letters chosen by their fields (协办单位, 乡镇/街道 senders, collective
    proposers, sessions), each cited where the field is written; None if not such a question.
    `keep`: a further test each chosen letter must pass (the places the question names)."""
    info = frame.info
    allowed: set[str] | None = None
    if filters is not None and filters.active():
        allowed = set(retriever._allowed(filters))
    if exclude:
        allowed = (set(retriever.keys) if allowed is None else allowed) - set(exclude)
    matches = retriever.record_matches(frame.question, info, allowed)
    if not matches:
        return None
    english = frame.english
    draft = Draft(english)
    sep = ": " if english else "："
    rows = []
    asked = tuple(n for n in frame.fields if n in LABELS)
    for m in sorted(matches, key=lambda m: m.letter.source):
        if field_value(m.letter, m.field).value is None and m.evidence is None:
            continue
        if keep is not None and not keep(m.letter):
            continue
        rows.append(m)
    if not rows:
        return None

    def stated(letter: Letter, name: str, narrow: bool = False) -> str | None:
        # A field's value, labelled and cited where it is written — the value itself when the
        # line holds a formula around it (您提出的《…》收悉) or when `narrow`.
        value = field_value(letter, name)
        if value.value is None:
            return None
        start, end = value.start, value.end
        if narrow or _FORMULA.search(letter.text, start, end):
            start, end = _within(letter, value.value, start, end)
        return f"{LABELS[name][1 if english else 0]}{sep}{clean(value.value)}{draft.cite(letter, start, end)}"

    draft.add(_lead(len(rows), english))
    for i, m in enumerate(rows[: settings.max_rows], 1):
        head = row_name(m.letter, english)
        agency = field_value(m.letter, "agency")
        if agency.value is not None:
            head += draft.cite(m.letter, agency.start, agency.end)  # the sender where it is written
        bits = []
        for name in dict.fromkeys((m.field, *m.cite, *asked)):
            if name == "agency" or name == "title" and name != m.field:
                continue  # the row's name says these (the title only when it decided the row)
            bit = stated(m.letter, name)
            if bit is not None:
                bits.append(bit)
        if m.evidence is not None:
            bits.append(draft.quote(m.letter, *m.evidence))
        if not bits:
            # A row its sender alone decided (a town's letter): what the letter answers, so
            # the row says which matter it is (the suggestion, else the letter's title).
            for name in ("subject", "title"):
                bit = stated(m.letter, name, narrow=True)
                if bit is not None:
                    bits.append(bit)
                    break
        draft.add(f"{i}. {head}{sep}" + ("; " if english else "；").join(bits))
    rest = rows[settings.max_rows :]
    if rest:
        names = "、".join(row_name(m.letter, english) for m in rest[:5])
        draft.add(f"… and {len(rest)} more: {names}" if english else f"另有{len(rest)}封：{names}等。")
    return Answer(frame.question, draft.text(), tuple(draft.citations), True, (), "enumeration")

