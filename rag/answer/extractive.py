"""The extractive answerer: a direct answer in the letter's words, cited — or a plain "not found".

One mechanism for every question (see `rag.answer.frame`, `gate`, `reading`):

1. The question is read into a frame: its parts (each with the kind of answer it wants and
   its topic), whether it asks for a list of letters or a comparison, and what it names.
2. Retrieval ranks passages; the gate keeps the letters whose records meet everything the
   question names (sender and level, place, person, number, year, quoted term). A constraint
   no letter meets is named in the abstention ("收录的复函中没有北京市朝阳区商务局的答复").
3. A letter answers only if one of its sentences covers enough of the question's topic
   (`rag.answer.topic`); otherwise the answer says nothing was found about it.
4. One letter answers a question about one thing; a comparison takes one letter per thing
   compared; a list question takes every letter that meets the constraints and the topic
   (`rag.answer.listing`). Another letter joins a one-letter answer only if it meets every
   constraint and covers the topic within a margin of the best.
5. Each part of the question is answered from the letter's best sentence for it: the direct
   answer is the run of clauses holding the asked span (a number, a date, a reason, a status
   …), then at most `max_support` whole supporting sentences. A part the letter does not
   answer is said to be unstated ("该复函没有写明…"); when no part is stated, the answer is
   not counted as answered.

Field questions (文号, 审签人, 日期 …) are answered from the record, each value cited where the
letter writes it. A question whose later clause refers back to the first (…在哪个街道？该街道
还答复过什么？) is answered clause by clause (`rag.search.hops`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import rjieba

from rag.answer.compare import Comparison, read_comparison, stated_value, verdict
from rag.answer.compose import Draft, clean, excerpt, letter_label, sender_of, title_of
from rag.answer.english import agency_en, date_en, number_en, status_en
from rag.answer.fieldanswers import LABELS, unstated
from rag.answer.frame import Frame, Part, read_frame, read_places
from rag.answer.gate import TOWN_LEVELS, Constraint, Gate, Verdict
from rag.answer.listing import list_answer, records_answer
from rag.answer.quotes import verify
from rag.answer.reading import Reading, Scored, Sentence, direct, score, sentences
from rag.answer.spans import (
    SPAN,
    asked_body,
    asked_property,
    asked_time,
    asked_unit,
    clauses,
    has_span,
)
from rag.answer.swaps import en_agencies
from rag.answer.topic import Term, TopicModel
from rag.config import AnswerSettings
from rag.letters.agencies import short_place
from rag.letters.gazetteer import provinces, within
from rag.letters.values import FieldValue, field_value, labelled_dates, named_labels
from rag.search.hops import Bridge, resolve
from rag.search.query import Filters, clean_question
from rag.search.records import asks_for_records
from rag.search.retrieval import Retriever
from rag.search.typed import retype
from rag.types import Answer, Hit, Letter

_MARKER = re.compile(r"\[(\d+)\]")  # a citation marker in an answer's text
NOT_FOUND_ZH = "已收录的答复函中没有找到相关内容。"
NOT_FOUND_EN = "The reply letters on file do not answer this question."
# What an unstated part lacks, by the kind of answer it wanted.
_ASK_ZH = {
    "number": "具体数字",
    "time": "具体时间",
    "reason": "原因",
    "status": "办理结果",
    "body": "具体单位",
    "place": "具体地点",
    "plan": "下一步打算",
    "how": "具体措施",
    "what": "相关内容",
}
_ASK_EN = {
    "number": "the figure",
    "time": "the date or time",
    "reason": "the reason",
    "status": "the outcome",
    "body": "which body acted",
    "place": "the place",
    "plan": "the plan",
    "how": "the measures",
    "what": "this",
}
# Asks about what a letter says, even in a part that also names a field (为什么…审签 is rare;
# a part that names a field is a field question).
_CONTENT_ASKS: frozenset[str] = frozenset()
# Asks whose answer is a span that a sentence either holds or does not.
_TYPED = frozenset({"number", "time", "place"})
# A sentence that draws its conclusion from the ones before it (鉴于以上情况, 综上, 因此).
_POINTS_BACK = re.compile(r"\s*(?:鉴于|基于|根据)(?:以上|上述|此)|\s*综上|\s*(?:因此|所以|故而|为此)[，,]")
#: Topic coverage of a sentence whose paragraph goes on to give the time asked (`_continued`).
CARRY_OVER = 0.5
# A part's own next-best sentence replaces one an earlier part quoted when it covers the part's
# topic at least this share as well.
OWN_SENTENCE = 0.6
#: Soft constraints rank the letters whose topic relevance is at least this share of the best.
SOFT_MARGIN = 0.5
#: A question naming the suggestion (关于X的建议) is answered by a letter saying this share of X.
SUGGESTION_SAID = 0.3
_SUGGESTION_NAMED = re.compile(r"(?:关于|有关(?!于)|提过|提出的?|提了)(?:关于|有关)?([^，,。？?]{2,30}?)的(?:建议|提案|议案)")
MAX_QUOTE = 150  # characters of a supporting quote (cut at a clause end beyond it)
DIRECT_SENTENCE = 200  # characters of a sentence a direct answer cites whole
MAX_SUPPORT_QUOTES = 3  # supporting quotes under a letter's direct answer
PARAGRAPH_BUDGET = 220  # characters quoted from a letter up to which its paragraph is read on
# Enumeration items that continue a measure (一是… 二是…, （一）…（二）…).
_ITEM = re.compile(r"^\s*(?:[二三四五六七八九十]是|[（(][二三四五六七八九十][）)]|\d{1,2}[.、．])")
# An enumeration item that is only its heading (一是完善人才政策。): it names, it says nothing.
_BARE_ITEM = re.compile(
    r"^\s*(?:[一二三四五六七八九十]是|[（(][一二三四五六七八九十][）)]|\d{1,2}[.、．])[^，,；;。]{0,14}[。；;]?$"
)


@dataclass(frozen=True)
class StreamEvent:
    """A piece of a streamed answer: text deltas, then the final `Answer`."""

    kind: str  # "delta" | "answer"
    text: str = ""
    answer: Answer | None = None


class _ChunkTexts(Sequence[str]):
    """The index's passage texts, read on demand (for bigram rarity)."""

    def __init__(self, retriever: Retriever) -> None:
        self._chunks = retriever.index.chunks

    def __len__(self) -> int:
        return len(self._chunks)

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        return self._chunks[i].text


def _value_line(draft: Draft, letter: Letter, label: str, value: FieldValue, sep: str) -> str:
    """`label：value[n]`, cited where the letter writes the value; a Chinese answer gives a
    date as the letter writes it (2023年10月16日), the ISO form beside one in other numerals."""
    shown = clean(value.value or "")
    if value.name == "date" and not draft.english and _ISO.fullmatch(shown):
        shown = _as_written(letter.text[value.start : value.end], shown)
    return f"{label}{sep}{shown}{draft.cite(letter, value.start, value.end)}"


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WRITTEN_DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUMERAL_DATE = re.compile(r"[〇○零0Oo一二三四五六七八九]{4}\s*年[一二三四五六七八九十]{1,3}\s*月[一二三四五六七八九十]{1,3}\s*日")


def _as_written(text: str, iso: str) -> str:
    """The date `iso` as `text` writes it, if it does: 2023年10月16日; 二〇一七年五月二十六日
    (2017-05-26); a date run together (2023518) with the ISO form beside it."""
    y, mo, d = (int(x) for x in iso.split("-"))
    for m in _WRITTEN_DATE.finditer(text):
        if (int(m[1]), int(m[2]), int(m[3])) == (y, mo, d):
            return re.sub(r"\s+", "", m.group())
    m = _NUMERAL_DATE.search(text)
    if m:
        return "".join(m.group().split()) + f"（{iso}）"
    written = "".join(text.split())
    if len(written) <= 12 and written.startswith(str(y)) and written != iso:
        return f"{written}（{iso}）"  # a date the page ran together (2023518)
    return iso


#: Constraints that name which letter a clause is about.
_NAMING = frozenset({"sender", "place", "person", "number", "doc_number", "name"})


# What joins two things a question asks of (A和B…分别…).
_JOIN = re.compile(r"和|与|以及|及|跟|还有")
# Asking the same of each thing named (分别, 各自, 这两封, 各是多少).
_EACH_OF = re.compile(r"分别|各自|各是|各有|各为|各答复|各回复|各提|各装|各[^\s，,。？?]{0,4}多少|两封|两件|两份|这两|二者|两者|两地|两家")


def _spans_of(question: str, c: Constraint) -> list[tuple[int, int]]:
    """Where the question writes what a constraint names."""
    if c.kind == "number":
        number = c.value.split("|")[0]
        pattern = rf"第?\s*0*{re.escape(number)}\s*号" if number.isdigit() else rf"第?\s*{re.escape(number)}\s*号"
        return [m.span() for m in re.finditer(pattern, question, re.I)]
    label = c.body.name if c.body is not None else c.value
    return [m.span() for m in re.finditer(re.escape(label), question)] if label else []


def _tier(place: str) -> int:
    """A place's tier by its last level word: province, city, county or district, town."""
    for tier, ends in enumerate((("省", "自治区"), ("市", "州", "盟"), ("区", "县", "旗"))):
        if place.endswith(ends):
            return tier
    return 3


# A conjunction between two things the question names, and the end of the clause they are in.
_CONJUNCTION = re.compile(r"(?:以及|还有|和|与|及|跟|、)$")
_CLAUSE_END = re.compile(r"[，,。？?！!；;]")
_SHARED = re.compile(r"分别|各自|各|都|哪个|哪一")


def _conjuncts(question: str, items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans to cut for each named item: the item with what the question says of it alone,
    when it joins things each with their own words (丹东接梨树小学门口和新郑褚庄路口，…分别:
    丹东接梨树小学门口和 | 和新郑褚庄路口); the item's name alone otherwise (巴南区圣灯山镇和
    綦江区郭扶镇的路灯分别…: what follows the last is said of both)."""
    spans = list(items)
    if len(items) < 2:
        return spans
    joins = []
    for (_, end), (start, _) in itertools.pairwise(items):
        between = question[end:start]
        m = _CONJUNCTION.search(between)
        if m is None or _CLAUSE_END.search(between) or not between[: m.start()]:
            return spans  # not "A its words 和 B its words" throughout
        joins.append(end + m.start())
    tail_end = _CLAUSE_END.search(question, items[-1][1])
    if tail_end is None or _SHARED.search(question, items[-1][1], tail_end.start()):
        return spans  # where the last thing's own words end is not told
    for k in range(len(items) - 1):
        spans[k] = (items[k][0], items[k + 1][0])  # its words and the conjunction after them
    spans[-1] = (joins[-1], tail_end.start())  # the conjunction before it, then its words
    return spans


def _cut(question: str, items: Sequence[tuple[int, int]], keep: int) -> str:
    """The question with every named item but one cut out — wherever it is written again by
    its bare name, too (东昌区和华容县…东昌那边…: the 华容县 question keeps no 东昌)."""
    others = [question[a:b] for i, (a, b) in enumerate(items) if i != keep]
    cut = [span for i, span in enumerate(_conjuncts(question, items)) if i != keep]
    for name in others:
        bare = short_place(name)
        if len(bare) >= 2:
            cut += [m.span() for m in re.finditer(re.escape(bare), question)]
    kept_start, kept_end = items[keep]
    out, pos = [], 0
    for start, end in sorted(cut):
        if start < kept_end and kept_start < end:
            continue  # inside the item kept (东昌 of 东昌区)
        if start < pos:
            pos = max(pos, end)  # overlapping what was cut already (金川 of 金川县)
            continue
        out.append(question[pos:start])
        pos = end
    return "".join(out) + question[pos:]


def _merged(question: str, answers: Sequence[Answer]) -> Answer | None:
    """Several answers as one, in order, citations numbered through; None if none answered."""
    parts = [a for a in answers if a.answered]
    if not parts:
        return None
    texts, citations = [], []
    for part in parts:
        offset = len(citations)
        texts.append(_MARKER.sub(lambda m, o=offset: f"[{int(m.group(1)) + o}]", part.text))
        citations += [replace(c, key=c.key + offset) for c in part.citations]
    return Answer(question, "\n".join(texts), tuple(citations), True, (), parts[-1].route)


class ExtractiveAnswerer:
    """Answers from the letters' own sentences; no model beyond retrieval."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings()
        self.topics = TopicModel(_ChunkTexts(retriever), retriever.tokenizer)
        self.gate = Gate(retriever)
        # Tables every question may need, read once here rather than by the first question:
        # the glossary's agency phrases (English questions) and the divisions of China.
        en_agencies()
        provinces()

    # -- public -----------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
        *,
        split: bool = True,
    ) -> Answer:
        """Answer `question` with verified citations, or abstain (`split`: clauses that each
        name their own letter may be answered one by one; a clause itself is not split again,
        and is about one thing)."""
        # Read as written formally (请问 dropped, 23年 → 2023年, 咋 → 怎么), as retrieval reads it.
        # A place misspelt by sound (邱北县) is read as the letters write it (丘北县).
        question = self.retriever.respell(retype(clean_question(question))[0])
        info = self.retriever.analyze(question)
        frame = read_frame(question, info)
        if not split:
            # One thing of a question split up: its own letter, whatever the words around it
            # say of the others (两地…有何不同).
            frame = replace(frame, compare=False, whole=False)
        s = self.settings
        k = s.k_enumeration if frame.wants_list else s.k
        scope = {"only_letters": focus_letters or None, "exclude_letters": exclude_letters}
        bridge = resolve(
            question,
            lambda first: self.retriever.search(first, k, filters, **scope),
            self.retriever.index,
            self.retriever.tokenizer,
        )
        if bridge is not None:
            return self._two_hops(question, frame, bridge, filters, focus_letters, exclude_letters)
        comparison = read_comparison(question) if split and not frame.english and not focus_letters else None
        if comparison is not None:
            compared = self._compare(question, comparison, filters, exclude_letters)
            if compared is not None:
                return compared
        clauses = self._own_letters(frame) if split and not focus_letters else None
        if clauses:
            answers = [
                self.answer(c, filters, focus_letters, exclude_letters, split=False) for c in clauses
            ]
            return _merged(question, answers) or self._abstain(frame, [])
        each = self._each_named(frame) if split and not focus_letters else None
        if each:
            answers = [
                self.answer(sub, filters, self._meeting(sub, named, k, filters), exclude_letters, split=False)
                for sub, named in each
            ]
            cited = [{c.letter_id for c in a.citations} for a in answers]
            if all(len(c) == 1 for c in cited) and len(set.union(*cited)) == 1:
                return answers[0]  # one letter answered them all: once is enough
            merged = _merged(question, answers)
            if merged is None:
                return self._abstain(frame, [])
            # What one of them could not be answered from says so, after what was found.
            missing = [a.text.split("\n")[0] for a in answers if not a.answered]
            return replace(merged, text="\n".join([merged.text, *missing]))
        hits = self.retriever.search(question, k, filters, **scope)
        answer = self._route(frame, hits, filters, exclude_letters)
        verify(answer.citations, self.retriever.index.letters)
        return answer

    def _meeting(
        self, question: str, named: Sequence[Constraint], k: int, filters: Filters | None
    ) -> list[str]:
        """The letters a search for one thing of a question split up finds that meet what it
        names (新郑 for …新郑褚庄路口…): its answer comes from one of them, not from a letter on
        the words around it at another place; none found leaves the search open."""
        hits = self.retriever.search(question, k, filters)
        return list(dict.fromkeys(h.letter.id for h in hits if all(self.gate.meets(c, h.letter) for c in named)))

    def _compare(
        self,
        question: str,
        comparison: Comparison,
        filters: Filters | None,
        exclude: Sequence[str],
    ) -> Answer | None:
        """Two things compared: each answered on its own, then which is earlier or more, said
        first and citing both (rag.answer.compare). None when neither is answered."""
        answers: list[Answer] = []
        for item in comparison.items:
            # Two things, two letters: the second is not the letter the first was answered from.
            seen = [c.letter_id for a in answers for c in a.citations]
            answers.append(
                self.answer(f"{item}，{comparison.ask}", filters, (), [*exclude, *seen], split=False)
            )
        merged = _merged(question, answers)
        if merged is None:
            return None
        if not all(a.answered for a in answers):
            # One side unanswered: what was found, and the other's not-found line.
            missing = [a.text for a in answers if not a.answered]
            return replace(merged, text="\n".join([merged.text, *missing]))
        letters = self.retriever.index.letters
        values, names, marks = [], [], []
        offset = 0
        for item, a in zip(comparison.items, answers, strict=True):
            first = a.text.split("\n")[0]
            value = stated_value(comparison, first)
            if value is None or not a.citations:
                return merged
            values.append(value)
            fields = letters[a.citations[0].letter_id].fields
            names.append(
                (fields.agency_canonical or fields.agency or item) if comparison.dates else item
            )
            marks.append(f"[{a.citations[0].key + offset}]")
            offset += len(a.citations)
        line = verdict(comparison, values, names)
        if line is None:
            return merged
        line = line[:-1] + "".join(marks) + line[-1]
        return replace(merged, text=line + "\n" + merged.text)

    def _own_letters(self, frame: Frame) -> list[str] | None:
        """The clauses of a question whose clauses each name their own letter (广德…是哪座水库？
        武定…的水源是哪座水库？; 回复张华代表时…？回复第1113号建议时…？): each is answered from
        its own letters. None when the clauses share what names the letter."""
        if len(frame.parts) < 2 or frame.wants_list or frame.compare:
            return None
        named = []
        for part in frame.parts:
            sub = read_frame(part.text, self.retriever.analyze(part.text))
            # A body a clause only mentions names its letter when written with its place
            # (开州区生态环境局的协办意见里), not as a document's issuer (哪份市政府办公厅文件).
            named.append({
                c.label
                for c in self.gate.constraints(sub)
                if c.kind in _NAMING or c.kind == "mention" and c.body is not None and c.body.places
            })
        # Clauses share a letter when one names what another does, in full or shortened
        # (开州区生态环境局 … 生态环境局承诺做什么).
        def shared(a: set[str], b: set[str]) -> bool:
            return any(x in y or y in x for x in a for y in b)

        if sum(1 for n in named if n) < 2 or any(
            shared(a, b) for i, a in enumerate(named) for b in named[i + 1 :]
        ):
            return None
        # A clause naming nothing belongs with the clause before it (…为什么？又属于哪类？).
        out: list[str] = []
        for part, n in zip(frame.parts, named, strict=True):
            if n or not out:
                out.append(part.text)
            else:
                out[-1] += "，" + part.text
        return out if len(out) > 1 else None

    def _each_named(self, frame: Frame) -> list[tuple[str, list[Constraint]]] | None:
        """A question asking the same of several letters it names apart (A和B这两封…分别…,
        第0201号和第0073号…各是谁提的, 巴南区圣灯山镇和綦江区郭扶镇…分别): one question per
        named thing, the others' names left out, each answered from its own letter — with the
        constraints its thing names, which that letter meets. None when it names fewer than two
        things of one kind, or does not ask of each."""
        if frame.wants_list or frame.english or not _EACH_OF.search(frame.question):
            return None
        question = frame.question
        constraints = self.gate.constraints(frame)
        for kind in ("number", "sender", "person", "place"):
            spans = sorted(
                span for c in constraints if c.kind == kind for span in _spans_of(question, c)
            )
            items: list[tuple[int, int]] = []
            for start, end in spans:  # 巴南区圣灯山镇: a place run together is one thing
                if items and start <= items[-1][1]:
                    items[-1] = (items[-1][0], max(end, items[-1][1]))
                else:
                    items.append((start, end))
            if kind == "place":
                # Things of one tier (two towns, two districts), not a city around them.
                tiers = [_tier(question[a:b]) for a, b in items]
                common = max(set(tiers), key=tiers.count) if tiers else None
                items = [it for it, t in zip(items, tiers, strict=True) if t == common]
            names = {question[a:b] for a, b in items}
            if len(items) >= 2 and len(names) == len(items):
                # Not when one letter names them all (湖洋镇对寨背市镇大桥…的答复: the sender's
                # town and the bridge's): then 分别 asks of its fields, one letter answers.
                group = [c for c in constraints if c.kind == kind]
                hits = self.retriever.search(question, self.settings.k)
                if any(all(self.gate.meets(c, h.letter) for c in group) for h in hits[:5]):
                    return None
                return [
                    (
                        _cut(question, items, i),
                        [c for c in group if any(a < end and start < b for a, b in _spans_of(question, c))],
                    )
                    for i, (start, end) in enumerate(items)
                ]
        return None

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> Iterator[StreamEvent]:
        """The answer as line-sized deltas, then the final answer."""
        answer = self.answer(question, filters, focus_letters, exclude_letters)
        for piece in re.findall(r"[^\n]*(?:\n|$)", answer.text):
            if piece:
                yield StreamEvent("delta", piece)
        yield StreamEvent("answer", answer=answer)

    # -- routes ------------------------------------------------------------------------------
    def _route(
        self,
        frame: Frame,
        hits: Sequence[Hit],
        filters: Filters | None,
        exclude: Sequence[str],
    ) -> Answer:
        if not hits:
            return self._abstain(frame, hits)
        if asks_for_records(frame.question, frame.info):
            # Fields decide the rows; a place the question names still bounds them (checked on
            # the rows alone: at 10^5 chunks, every letter's text is too much to read).
            places = [c for c in self.gate.constraints(frame) if c.kind == "place"]
            records = records_answer(
                self.retriever,
                self.settings,
                frame,
                filters,
                exclude,
                keep=(lambda lt: all(self.gate.meets(c, lt) for c in places)) if places else None,
            )
            if records is not None:
                return records
        if frame.wants_list and not self.terms(frame):
            # Which letters a body wrote (有哪些是教育局或者教委回复的), or in which years
            # (2017年及以前的答复): their fields decide, over the whole collection.
            own = self.gate.fielded(frame)
            if own:
                hits = self.retriever.search(frame.question, 3 * len(own), filters, only_letters=own)
        candidates = [h.letter.id for h in hits]
        apart = self._places_apart(frame)  # two places (郑州的…和泌阳县的…): each names a letter
        verdict = self.gate.check(frame, candidates, any_entity=frame.compare or frame.either or apart, soft_places=apart)
        if verdict.absent is not None:
            return self._abstain(frame, hits, missing=verdict.absent)
        if not verdict.passing:
            unmet = [verdict.failing[lid] for lid in candidates if lid in verdict.failing]
            return self._abstain(frame, hits, missing=unmet[0] if unmet else None)
        passing = set(verdict.passing)
        hits = [h for h in hits if h.letter.id in passing]
        # Soft constraints (a person, a small place, a quoted phrase) rank the letters.
        prefer = {lid: self.gate.soft_score(verdict, self.retriever.index.letters[lid]) for lid in passing}
        hits = sorted(hits, key=lambda h: -prefer[h.letter.id])
        if frame.wants_list:
            # A list keeps to the letters that meet the most of what it names softly (重庆各区的
            # 城市管理局: Chongqing's), when any does; a lookup only ranks by it.
            most = max(prefer.values(), default=1.0)
            hits = [h for h in hits if prefer[h.letter.id] == most]
            unmet = self._place_none_meets(frame, verdict, hits)
            if unmet is not None:
                return self._abstain(frame, hits, missing=unmet)
            return list_answer(self, frame, hits) or self._abstain(frame, hits, weak=True)
        if frame.fields and all(p.fields for p in frame.parts) and not self._content_parts(frame):
            return self._fields(frame, hits)
        return self._lookup(frame, hits, prefer)

    def _place_none_meets(self, frame: Frame, verdict: Verdict, hits: Sequence[Hit]) -> Constraint | None:
        """A county, district or town a list names that none of its letters meets (和平区有没有
        关于公交的答复, with no letter from 和平区): listing every place's letters would answer
        another question; the place is what the collection lacks."""
        soft = [c for c in verdict.constraints if c.kind == "place" and not c.hard]
        if frame.english or not soft:
            return None
        letters = {h.letter.id: h.letter for h in hits}
        return next((c for c in soft if not any(self.gate.meets(c, lt) for lt in letters.values())), None)

    def _content_parts(self, frame: Frame) -> list[Part]:
        """The parts that ask what a letter says, not a field of its record."""
        return [p for p in frame.parts if not p.fields or p.ask in _CONTENT_ASKS]

    # -- reading letters ---------------------------------------------------------------------
    def terms(self, frame: Frame, part: Part | None = None) -> list[Term]:
        """Topic terms of the whole question, or of one part (with the question's context)."""
        if frame.english:
            text = frame.question if part is None else part.text
            # The names it spells in pinyin (Lanting → 兰亭) are its words as much as any.
            names = self.retriever.spelled_name_groups(text)
            return self.topics.terms("", text) + self.topics.name_terms(names)
        return self.topics.terms(self.topic(frame, part))

    def topic(self, frame: Frame, part: Part | None = None) -> str:
        """The topic words of the whole question or of one part (with the question's context).
        A list leaves out the places of senders it writes bare (重庆各区的城市管理局): they
        bound the rows, as 重庆市 would, and a row's letter need not say them; a lookup keeps
        them, for the letter that says its place beside the topic answers first."""
        topic = frame.topic if part is None else " ".join([frame.context, part.topic]).strip()
        if frame.wants_list:
            for place in [*self.gate.bare_places(frame.question), *frame.places]:
                topic = topic.replace(place, " ")
        return " ".join(topic.split())

    def read(
        self,
        frame: Frame,
        hits: Sequence[Hit],
        limit: int = 8,
        terms: Sequence[Term] | None = None,
    ) -> list[Reading]:
        """The hits' letters (at most `limit`), in retrieval order, read for the frame (its
        relevance measured with `terms`, the question's topic terms by default)."""
        terms = self.terms(frame) if terms is None else terms
        by_letter: dict[str, list[Hit]] = {}
        for h in hits:
            by_letter.setdefault(h.letter.id, []).append(h)
        out = []
        for rank, letter_hits in enumerate(list(by_letter.values())[:limit]):
            letter = letter_hits[0].letter
            pool = sentences(letter, [(h.chunk.start, h.chunk.end) for h in letter_hits])
            out.append(Reading(letter, pool, 0.0, rank))
        return self.rate(out, terms)

    def rate(self, readings: Sequence[Reading], terms: Sequence[Term]) -> list[Reading]:
        """The readings with their relevance measured with `terms` (their sentences as read)."""
        out = []
        for r in readings:
            # Whether a letter answers at all rests on words, not on single characters.
            relevance = self.topics.best(terms, _texts(r), weak=False) if terms else 0.0
            out.append(replace(r, relevance=relevance))
        return out

    def floor(self, frame: Frame) -> float:
        """The least topic coverage a letter needs to answer at all."""
        s = self.settings
        return s.min_topic_english if frame.english else s.min_topic

    def part_floor(self, frame: Frame) -> float:
        """The least topic coverage a sentence needs to answer a part or support it: an
        English question's words are loose translations, so half the cover."""
        return self.settings.min_part / (2 if frame.english else 1)

    # -- lookups -------------------------------------------------------------------------------
    def _lookup(
        self, frame: Frame, hits: Sequence[Hit], prefer: dict[str, float] | None = None
    ) -> Answer:
        readings = self.read(frame, hits)
        floor = self.floor(frame)
        # An English question's words are loose translations; a Chinese name it spells in
        # pinyin (Maotian → 茅田) is not: a letter writing every such name needs half the cover.
        # So does a letter from the small place a Chinese question names (泗县…摆流动小吃摊):
        # a colloquial question's words match a letter's loosely; its place does not.
        constraints = self.gate.constraints(frame)
        names = (
            [c for c in constraints if c.kind == "name"]
            if frame.english
            else [c for c in constraints if c.kind == "place" and not c.hard]
        )

        def floor_of(r: Reading) -> float:
            return floor / 2 if names and all(self.gate.meets(c, r.letter) for c in names) else floor

        strong = [r for r in readings if r.relevance >= floor_of(r)]
        named = _SUGGESTION_NAMED.search(frame.question)
        if named and not frame.english:
            # Either of what it names, when it says or (A或者B): the letter says one of them.
            ways = [t for t in (self.topics.terms(w) for w in re.split(r"或者|或是|或", named.group(1))) if t]
            if ways:
                about = []
                for r in strong:
                    texts = _texts(r)
                    if max(self.topics.best(t, texts) for t in ways) >= SUGGESTION_SAID:
                        about.append(r)
                if strong and not about:
                    subject = named.group(1)
                    return self._abstain(frame, hits, missing=Constraint("subject", subject, f"“{subject}”"))
                strong = about
        if not strong:
            return self._abstain(frame, hits, weak=True)
        on_topic = strong
        if prefer and not frame.compare:
            # A letter that also meets what the question names softly (a small place, a person,
            # a name spelled in pinyin) answers before one on the topic alone; a comparison
            # wants one letter per thing it names, so each keeps its own.
            # Among letters about as much on the topic as the best: a letter that names the
            # place but barely the topic does not displace the one that answers.
            top = max(r.relevance for r in strong)
            near = [r for r in strong if r.relevance >= SOFT_MARGIN * top]
            most = max(prefer.get(r.letter.id, 0.0) for r in near)
            strong = [r for r in near if prefer.get(r.letter.id, 0.0) == most]
        chosen = self._choose(frame, strong)
        if not frame.compare and len(on_topic) > 1 and self._places_apart(frame):
            # Places named apart (綦江扶欢瀑布群和龙陵小米地银坛瀑布…): a letter from each.
            chosen = self._one_per_place(frame, on_topic) or chosen
        if len(chosen) == 1 and len(on_topic) > 1:
            # Two things joined and asked of each (A和B…分别): a letter for each side.
            pair = self._other_side(frame, chosen[0], on_topic)
            chosen = pair or chosen
        elsewhere = self._town_elsewhere(frame, chosen, hits)
        if elsewhere is not None:
            return self._abstain(frame, hits, missing=elsewhere)
        draft = Draft(frame.english)
        stated = 0
        for reading in chosen:
            stated += self._answer_letter(draft, frame, reading)
        if not stated:
            return Answer(frame.question, draft.text(), tuple(draft.citations), False, (), "unstated")
        return Answer(frame.question, draft.text(), tuple(draft.citations), True, (), "lookup")

    def _town_elsewhere(self, frame: Frame, chosen: list[Reading], hits: Sequence[Hit]) -> Constraint | None:
        """A town the question names that no letter names, when the letters chosen are about
        another town of that level — one with no character of its name (石角镇卫生院, answered
        by a letter on 横山镇卫生院): the town is what the collection lacks. A town written
        otherwise (a shortened or misspelt name shares a character) is not."""
        for c in self.gate.constraints(frame):
            level = next((t for t in TOWN_LEVELS if c.value.endswith(t)), None)
            if c.kind != "place" or level is None or any(self.gate.meets(c, r.letter) for r in chosen):
                continue
            if self.gate.exists(c, [h.letter.id for h in hits]):
                continue
            stem = set(c.value[: -len(level)])
            for r in chosen:
                f = r.letter.fields
                head = " ".join([f.title or "", field_value(r.letter, "subject").value or "", r.letter.text[:200]])
                if any(p.endswith(level) and not stem & set(p[: -len(level)]) for p in read_places(head)):
                    return c
        return None

    def _choose(self, frame: Frame, strong: list[Reading]) -> list[Reading]:
        """Which letters answer: one for a question about one thing, one per thing compared."""
        s = self.settings
        # Retrieval's order breaks near-ties; a clearly better covering letter wins.
        best = max(strong[:3], key=_standing)
        if frame.compare:
            # One letter per place compared (沙坪坝和涪陵两地公安…有何不同), where each has one.
            places = [c for c in self.gate.constraints(frame) if c.kind == "place"]
            if len(places) > 1:
                chosen: list[Reading] = []
                for c in places:
                    own = [r for r in strong if r not in chosen and self.gate.meets(c, r.letter)]
                    if own:
                        chosen.append(own[0])
                if len(chosen) > 1:
                    return chosen
            others = [r for r in strong if r is not best][:2]
            return [best, *others[:1]] if others else [best]
        several = len(strong) > 1 and self._names_several(frame)
        joiners = [
            r
            for r in strong
            if r is not best
            and r.relevance >= best.relevance - s.second_letter_margin
            and r.relevance >= 0.6
            and several
        ]
        return [best, *joiners[:1]]

    def _one_per_place(self, frame: Frame, readings: list[Reading]) -> list[Reading] | None:
        """For each place the question names apart, in its order, the best letter on the topic
        that meets that place (one meeting no other place it names first); None unless two or
        more places have one. A place a chosen letter meets already is that letter's (城口县…
        坪坝镇: the county's letter names its town)."""
        places = [c for c in self.gate.constraints(frame) if c.kind == "place"]
        places.sort(key=lambda c: frame.question.find(c.value))
        chosen: list[Reading] = []
        for c in places:
            if any(self.gate.meets(c, r.letter) for r in chosen):
                continue
            own = [r for r in readings if self.gate.meets(c, r.letter)]
            alone = [r for r in own if not any(self.gate.meets(o, r.letter) for o in places if o is not c)]
            if own:
                chosen.append(max(alone or own, key=_standing))
        return chosen if len(chosen) > 1 else None

    def _other_side(self, frame: Frame, best: Reading, strong: list[Reading]) -> list[Reading] | None:
        """A question asking of each of two things it joins (A和B…分别…, …这两封答复…) that
        no name of a place or body tells apart: `best` and the letter the other side of the
        join finds first, in the order the question names them, when the best letter is what
        one side finds first and the other's is on the question's topic too. None otherwise."""
        if not frame.whole or frame.english or frame.wants_list or not _EACH_OF.search(frame.question):
            return None
        question = frame.question
        on_topic = {r.letter.id: r for r in strong if r is not best}
        for m in list(_JOIN.finditer(question))[:3]:  # the first few joins
            sides = [question[: m.start()], question[m.end() :]]
            if not all(read_frame(x, self.retriever.analyze(x)).topic for x in sides):
                continue  # a side naming no thing of its own (承办人分别是谁: a field asked twice)
            tops = [self.retriever.lexical_top_letter(side) for side in sides]
            if tops[0] == tops[1] or best.letter.id not in tops:
                continue
            other = tops[1] if tops[0] == best.letter.id else tops[0]
            if other in on_topic:
                pair = [best, on_topic[other]]
                return pair if tops[0] == best.letter.id else pair[::-1]
        return None

    def _names_several(self, frame: Frame) -> bool:
        """The question is about several letters (两封, 分别, A和B …)."""
        return frame.compare or len({b.name for b in frame.bodies}) > 1 or self._places_apart(frame)

    def _places_apart(self, frame: Frame) -> bool:
        """The question names two or more places, none inside another (郑州 and 泌阳县)."""
        if frame.english:
            return False  # an English question's places are hints, not constraints
        places = [c.value for c in self.gate.constraints(frame) if c.kind == "place"]
        if any(a + b in frame.question for a in places for b in places if a != b):
            return False  # run together (渝中区石油路地区): one place, the second inside the first
        return len(places) > 1 and not any(
            a != b and (a in b or b in a or within(a, b)) for a in places for b in places
        )

    def _answer_letter(self, draft: Draft, frame: Frame, reading: Reading) -> int:
        """Write one letter's direct answers, supporting quotes and source line; returns how
        many parts it states."""
        letter = reading.letter
        english = frame.english
        lines: list[str] = []
        used: list[tuple[int, int]] = []  # sentences quoted
        shown: list[tuple[int, int]] = []  # the spans shown from them
        missing: list[Part] = []
        stated = 0
        best_overall: Scored | None = None
        nearest: Scored | None = None  # the sentence nearest an unstated part, shown as such
        for part in frame.parts:
            # A value the page labels, asked for by its label's name (责任领导是谁, 哪天交办的).
            labelled, fields = self._labelled(draft, letter, part)
            if labelled:
                lines += [line for line in labelled if line not in lines]
                stated += 1
                lines += [x for x in self._field_lines(draft, letter, fields, english) if x not in lines]
                continue
            if part.fields and part.ask not in _CONTENT_ASKS:
                field_lines = self._field_lines(draft, letter, part.fields, english)
                if field_lines:
                    lines += [line for line in field_lines if line not in lines]  # asked twice: once
                    stated += 1
                else:
                    missing.append(part)
                continue
            terms = self.terms(frame, part)
            ranked = score(self.topics, terms, part, reading.pool)
            found = self._pick(frame, letter, terms, part, ranked)
            if found is None:
                missing.append(part)
                if nearest is None and ranked and ranked[0].coverage >= self.settings.min_part:
                    nearest = ranked[0]
                continue
            pick, (ds, de) = found
            if any(a < de and ds < b for a, b in shown) and len(frame.parts) > 1:
                # A part whose best sentence an earlier part quoted: its own next best, when
                # one answers it (in what year…, and which department handles…).
                rest = [x for x in ranked if not any(a < x.sentence.end and x.sentence.start < b for a, b in shown)]
                other = self._pick(frame, letter, terms, part, rest) if rest else None
                if other is not None and other[0].coverage >= OWN_SENTENCE * pick.coverage:
                    pick, (ds, de) = other
            best_overall = best_overall or pick
            sent = pick.sentence
            stated += 1
            if any(a < de and ds < b for a, b in shown):
                continue  # already quoted for an earlier part
            lines.append(self._direct_line(draft, letter, part, ds, de, sent))
            used.append((sent.start, sent.end))
            shown.append((ds, de))
        if not stated:
            # Not stated: say so first, then what the letter does say nearest to it.
            draft.add(self._unstated_line(frame, letter, missing))
            draft.source(letter)
            if nearest is not None:
                draft.add("· " + draft.quote(letter, *_bounded(letter.text, nearest.sentence.start, nearest.sentence.end)))
            return 0
        for part in missing:
            if self._said_already(frame, letter, part, shown):
                continue  # what an earlier part's answer quotes answers it too: no "not stated"
            lines.append(self._unstated_line(frame, letter, [part]))
        draft.lines += lines
        draft.source(letter)
        for start, end in self._support(frame, reading, used):
            draft.add(("· " if not english else "· ") + draft.quote(letter, start, end))
        return stated

    def _said_already(self, frame: Frame, letter: Letter, part: Part, shown: list[tuple[int, int]]) -> bool:
        """Whether a direct answer already shown holds what `part` asks: its kind of span (a
        number, a time …) in a clause on the part's topic (增长30%, shown for the question's
        other part)."""
        if (part.fields and part.ask not in _CONTENT_ASKS) or part.ask not in _TYPED:
            return False  # a field, or an ask with no span kind to look for
        terms = self.terms(frame, part)
        floor = self.part_floor(frame)
        unit = asked_unit(part.text) if part.ask == "number" else None
        for start, end in shown:
            window = letter.text[start:end]
            if has_span(part.ask, window) and (not terms or self.topics.coverage(terms, window) >= floor):
                return True
            if unit is not None and not unit[1] and unit[0].search(window):
                return True  # 能贷几年, after 最多能贷多少: the quote gives it in years (最长不超过3年)
        return False

    def _pick(
        self, frame: Frame, letter: Letter, terms: Sequence[Term], part: Part, ranked: list[Scored]
    ) -> tuple[Scored, tuple[int, int]] | None:
        """The sentence that answers a part and the span of it that answers directly: the best
        sentence on the part's topic; for a number, a time or a place, the best one whose
        answering span itself holds such a span and is about the part's topic."""
        floor = self.part_floor(frame)
        on_topic = [x for x in ranked if x.coverage >= floor]
        prop = asked_property(part.text)
        if prop and prop not in letter.text:
            return None  # 什么型号, in a letter that never writes 型号
        company = asked_body(part.text)
        if company is not None:
            # 哪家公司: a sentence on the topic naming one, or the letter does not say.
            for x in on_topic:
                if company.search(x.sentence.text):
                    return x, (x.sentence.start, x.sentence.end)
            return None
        if part.ask in _TYPED:
            # A number must be in a unit that answers (多少钱 → 元); a time, any date or time —
            # unless asked to the day or the year (哪天动工), when only such a date answers.
            if part.ask == "number":
                asked = asked_unit(part.text)
            else:
                when = asked_time(part.text) if part.ask == "time" else None
                asked = (when, True) if when is not None else None
            for strict_unit in (True, False):
                unit = asked[0] if asked and (strict_unit or asked[1]) else None
                for x in on_topic:
                    if not x.typed:
                        continue
                    ds, de = direct(letter, self.topics, terms, part, x)
                    if unit and not unit.search(letter.text[ds:de]):
                        # The run of clauses most on the topic misses the unit asked for: the
                        # run that holds it (多少所学校, in a sentence that also gives money).
                        ds, de = direct(letter, self.topics, terms, part, x, unit)
                    window = letter.text[ds:de]
                    if not has_span(part.ask, window) or (unit and not unit.search(window)):
                        continue
                    if not terms or self.topics.coverage(terms, window) >= floor:
                        return x, (ds, de)
                if asked is None:
                    break
            if asked is not None and asked[1]:
                # No sentence on the topic gives it in the unit (or to the day) asked for. One
                # among the best five that does answers (每亩补多少钱 → 每亩补助造林费500元),
                # unless the letter is plainly about the topic elsewhere and gives none (an
                # English question's cover, through loose translations, tells no such thing).
                # A figure in another unit does not answer, in English either (how much did it
                # cost: not "200余米").
                near = [
                    x
                    for x in ranked[:5]
                    if (x.coverage > 0 or frame.english) and asked[0].search(x.sentence.text)
                ]
                if near and (frame.english or not (on_topic and on_topic[0].coverage >= 0.6)):
                    return near[0], direct(letter, self.topics, terms, part, near[0], asked[0])
                return None  # the letter gives no amount in the unit asked for
            follow = self._continued(letter, part, on_topic, ranked)
            if follow is not None:
                return follow
            # No span of the asked kind on the topic. Unless the letter is plainly about the
            # topic and says no such thing anywhere, the best sentence holding one answers.
            typed = [x for x in ranked[:5] if x.typed and (x.coverage > 0 or frame.english)]
            if typed and not (on_topic and on_topic[0].coverage >= 0.6):
                x = typed[0]
                return x, direct(letter, self.topics, terms, part, x)
            if part.ask == "time":
                # No date for it: where the request stands answers "when" as far as the letter
                # does (已纳入工作计划，待政府批复后…).
                for x in on_topic:
                    if x.coverage >= CARRY_OVER and has_span("status", x.sentence.text):
                        return x, (x.sentence.start, x.sentence.end)
            return None
        if not on_topic and ranked:
            # The letter is on the question's topic (it passed the floor) but no sentence is
            # on this part's words (an English part, "效果如何"): its best sentence answers.
            on_topic = ranked[:1]
        if not on_topic:
            return None
        best = on_topic[0]
        if part.ask == "reason" and _POINTS_BACK.match(best.sentence.text):
            # 鉴于以上情况，…进行了拆除: the reason is what the paragraph said before it.
            order = sorted(ranked, key=lambda x: x.sentence.start)
            at = order.index(best)
            if at > 0 and "\n" not in letter.text[order[at - 1].sentence.end : best.sentence.start]:
                before = order[at - 1]
                return before, (before.sentence.start, before.sentence.end)
        return best, direct(letter, self.topics, terms, part, best)

    def _continued(
        self, letter: Letter, part: Part, on_topic: list[Scored], ranked: list[Scored]
    ) -> tuple[Scored, tuple[int, int]] | None:
        """A time asked for, written in the sentences that go on from one plainly about the
        topic in the same paragraph (…拟在该处安装一组交通信号灯。目前，该项目正在落实资金，
        力争在年内安装运行。): the paragraph's subject carries over."""
        if part.ask != "time":
            return None
        by_start = {x.sentence.start: x for x in ranked}
        order = sorted(by_start)
        for anchor in [x for x in on_topic if x.coverage >= CARRY_OVER][:3]:
            at = order.index(anchor.sentence.start) if anchor.sentence.start in by_start else -1
            timed = []
            for nxt in order[at + 1 : at + 3] if at >= 0 else []:
                follower = by_start[nxt]
                gap = letter.text[anchor.sentence.end : follower.sentence.start]
                if "\n" in gap:
                    break  # a new paragraph
                if has_span("time", follower.sentence.text):
                    timed.append(follower)
            if timed:
                # The better scored of the two (a planned time, for a "when" still to come).
                follower = max(timed, key=lambda x: x.score)
                return follower, (follower.sentence.start, follower.sentence.end)
        return None

    def _direct_line(
        self, draft: Draft, letter: Letter, part: Part, start: int, end: int, sent: Sentence
    ) -> str:
        """The direct answer to one part: the clause run, cited at its sentence. An English
        reader gets the fact in English, then the Chinese it is in: the sentence, or as much of
        it around the clause as a quote holds (what the clause leaves out may be the rest of
        what was asked)."""
        clause = excerpt(letter.text, start, end)
        if draft.english:
            lead = _english_lead(part.ask, clause, part.text)
            start, end = _widened(letter.text, sent, start, end, DIRECT_SENTENCE)
            clause = excerpt(letter.text, start, end)
        whole = sent.end - sent.start <= DIRECT_SENTENCE
        quote_start, quote_end = (sent.start, sent.end) if whole else (start, end)
        mark = draft.cite(letter, quote_start, quote_end)
        if not draft.english:
            return f"{clause}{mark}"
        return f"{lead}: “{clause}”{mark}"

    def _support(
        self, frame: Frame, reading: Reading, used: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Whole sentences that support the direct answers, best first: enumeration items that
        continue a quoted measure, then the sentences that add most to what is quoted — topic
        words not yet covered, the asked kind of span, the sentence right after a quoted one."""
        letter = reading.letter
        pool = reading.pool
        out: list[tuple[int, int]] = []
        after = set()
        beside = set()  # the sentences around a quoted one, in its paragraph
        for a, _ in used:
            at = next((i for i, s in enumerate(pool) if s.start >= a), None)
            if at is None:
                continue
            if at + 1 < len(pool):
                after.add(pool[at + 1].start)
            for j in (at - 1, at + 1):
                if 0 <= j < len(pool):
                    lo, hi = sorted((pool[j], pool[at]), key=lambda x: x.start)
                    if "\n" not in letter.text[lo.end : hi.start]:
                        beside.add(pool[j].start)
            for k, nxt in enumerate(pool[at + 1 : at + 4], at + 1):
                if not _ITEM.match(nxt.text):
                    break
                if _BARE_ITEM.match(nxt.text):
                    # An item that is only its heading (二是举办人才活动。): what it says is next.
                    if k + 1 < len(pool) and not _ITEM.match(pool[k + 1].text):
                        out.append(_bounded(letter.text, pool[k + 1].start, pool[k + 1].end))
                    break
                out.append(_bounded(letter.text, nxt.start, nxt.end))
        terms = self.terms(frame)
        quoted = " ".join(letter.text[a:b] for a, b in used)
        covered = {t.forms for t in terms if self.topics.term_coverage(t, quoted) >= 0.5}
        asks = {p.ask for p in frame.parts} & {"number", "time", "reason", "plan", "status", "place"}
        floor = self.part_floor(frame)
        scored = []
        for sent in pool:
            if any(a <= sent.start < b for a, b in [*used, *out]) or _BARE_ITEM.match(sent.text):
                continue  # quoted already, or a heading that says nothing (一是完善人才政策。)
            cov = self.topics.coverage(terms, sent.text)
            if sent.heading:
                cov = max(cov, 0.9 * self.topics.coverage(terms, sent.heading + sent.text))
            if cov < floor:
                continue
            new = sum(
                t.weight for t in terms if t.forms not in covered and self.topics.term_coverage(t, sent.text) >= 0.5
            ) / max(1e-9, sum(t.weight for t in terms))
            value = cov + 0.5 * new + (0.15 if any(has_span(a, sent.text) for a in asks) else 0.0)
            value += 0.1 if sent.start in after else 0.0
            scored.append((value, sent))
        scored.sort(key=lambda t: (-t[0], t[1].start))
        top = scored[0][0] if scored else 0.0
        for value, sent in scored:
            if value < 0.6 * top and not frame.english:
                # Close to the best only; an English question's scores rest on loose
                # translations and say too little to rank by: its best ones over the floor.
                break
            out.append(_bounded(letter.text, sent.start, sent.end))
        out = out[: self.settings.max_support]
        # Then the sentence beside a quoted one in its paragraph that says most of the topic,
        # if not quoted yet: it often holds the detail the quote leads into or sums up.
        near = [
            (self.topics.coverage(terms, sent.text), sent)
            for sent in pool
            if sent.start in beside
            and not any(a <= sent.start < b for a, b in [*used, *out])
            and not _BARE_ITEM.match(sent.text)
        ]
        if near and all(cov == 0 for cov, _ in near):
            # None of them repeats the question's words (…将于10月底前完工。, after the sentence
            # naming the bridge; an English question's words in Chinese): the sentence after a
            # quote, in its paragraph, goes on from it.
            near = [(1.0, sent) for _, sent in near if sent.start in after][:1]
        near = [(cov, sent) for cov, sent in near if cov > 0]
        if near:
            sent = max(near, key=lambda t: (t[0], -t[1].start))[1]
            out.append(_bounded(letter.text, sent.start, sent.end))
        # At most three supporting quotes a letter, the paragraph's rest included; sentences
        # that run on from one another are one quote.
        out += _rest_of_paragraph(letter.text, pool, used, out, MAX_SUPPORT_QUOTES - len(_runs(letter.text, out)))
        return _runs(letter.text, out)

    def _unstated_line(self, frame: Frame, letter: Letter, parts: Sequence[Part]) -> str:
        if frame.english:
            if parts and all(p.fields for p in parts):  # the record's fields: say which
                return " ".join(unstated(f, True) for p in parts for f in p.fields if f in LABELS)
            what = ", ".join(_ASK_EN[p.ask] for p in parts) or "this"
            return f"The letter does not state {what}."
        bits = []
        for p in parts:
            if p.fields:
                bits += [LABELS[f][0] for f in p.fields if f in LABELS]
            else:
                bits.append(_asked_phrase(p.text) or _ASK_ZH[p.ask])
        return f"该复函没有写明{'、'.join(dict.fromkeys(bits))}。"

    # -- fields --------------------------------------------------------------------------------
    def _field_lines(
        self, draft: Draft, letter: Letter, names: Sequence[str], english: bool
    ) -> list[str]:
        lines = []
        sep = ": " if english else "："
        for name in dict.fromkeys(n for n in names if n in LABELS):
            value = field_value(letter, name)
            if value.value is None:
                if name == "date":  # undated letter: the page's own dates, each with its label
                    lines += self._dated(draft, letter, sep)
                continue
            lines.append(_value_line(draft, letter, LABELS[name][1 if english else 0], value, sep))
            if name == "date":
                lines += self._dated(draft, letter, sep)
        return lines

    @staticmethod
    def _labelled(
        draft: Draft, letter: Letter, part: Part, read: bool = True
    ) -> tuple[list[str], tuple[str, ...]]:
        """The lines of the values the page labels that `part` asks for by the label's name
        (none unless `read`), and the part's record fields still to answer: a dated label asked
        for (交办日期) is the date the part asks, not the letter's own."""
        named = [(n, v) for n, v in named_labels(letter, part.text) if v.value] if read else []
        dated = any(n.endswith(("日期", "时间")) for n, _ in named)
        fields = tuple(f for f in part.fields if not (dated and f == "date"))
        return [_value_line(draft, letter, n, v, "：") for n, v in named], fields

    @staticmethod
    def _unstated(letter: Letter, name: str, english: bool) -> str:
        if name == "date" and labelled_dates(letter):  # the page's dates are shown above
            return (
                "The letter itself is undated; the dates above are the web page's."
                if english
                else "复函本身未写明落款日期，以上是网页标注的日期。"
            )
        return unstated(name, english)

    @staticmethod
    def _dated(draft: Draft, letter: Letter, sep: str) -> list[str]:
        return [_value_line(draft, letter, label, value, sep) for label, value in labelled_dates(letter)]

    def _fields(self, frame: Frame, hits: Sequence[Hit]) -> Answer:
        letters = self._field_letters(frame, hits)
        english = frame.english
        draft = Draft(english)
        blocks = [(letter, *self._field_block(draft, frame, letter)) for letter in letters]
        if not any(lines for _, lines, _ in blocks):
            letter, _, missing = blocks[0]
            text = " ".join(unstated(n, english) for n in missing) or (
                NOT_FOUND_EN if english else NOT_FOUND_ZH
            )
            return Answer(
                frame.question,
                text + "\n" + (("— " if english else "——") + letter_label(letter, english)),
                (),
                False,
                self._suggest(hits),
                "unstated",
            )
        for letter, lines, missing in blocks:
            # A letter of two asked of that does not state it says so, under its name.
            draft.lines += lines
            draft.lines += [self._unstated(letter, n, english) for n in missing]
            draft.source(letter)
        return Answer(frame.question, draft.text(), tuple(draft.citations), True, (), "field")

    def _field_block(self, draft: Draft, frame: Frame, letter: Letter) -> tuple[list[str], list[str]]:
        """One letter's lines for a field question, and the fields it leaves unstated."""
        english = frame.english
        names: list[str] = []
        lines = []
        for part in frame.parts:
            labelled, fields = self._labelled(draft, letter, part, read=not english)
            lines += [line for line in labelled if line not in lines]
            names += [n for n in fields if n in LABELS and n not in names]
        lines += [x for x in self._field_lines(draft, letter, names, english) if x not in lines]
        missing = [n for n in names if field_value(letter, n).value is None]
        if lines:
            # A person the question names to pick the letter (答复张诗于代表的…) is shown where
            # the letter names them, so the reader sees why this letter answers.
            named = [n for n in ("addressee", "signer") if n not in names and _names(frame, letter, n)]
            lines += self._field_lines(draft, letter, named, english)
        return lines, missing

    def _field_letters(self, frame: Frame, hits: Sequence[Hit]) -> list[Letter]:
        """The letters a field question asks of: the first hit's; and, for two things asked
        of each (A和B这两封…分别…), the letter on the topic the other side of the join finds
        first (one letter naming both towns answers 分别 of its own fields alone)."""
        first = hits[0].letter
        if not frame.whole or frame.english or not _EACH_OF.search(frame.question):
            return [first]
        strong = [r for r in self.read(frame, hits) if r.relevance >= self.floor(frame)]
        best = next((r for r in strong if r.letter.id == first.id), None)
        if best is None or len(strong) < 2:
            return [first]
        pair = self._other_side(frame, best, strong)
        return [first] if pair is None else [r.letter for r in pair]

    # -- two hops -----------------------------------------------------------------------------
    def _two_hops(
        self,
        question: str,
        frame: Frame,
        bridge: Bridge,
        filters: Filters | None,
        focus_letters: Sequence[str],
        exclude_letters: Sequence[str],
    ) -> Answer:
        """Answer the first clause, then the later one with the bridge's name in place of the
        reference, among the letters that name it; one answer, citations numbered through."""
        first = self.answer(bridge.ref.first, filters, focus_letters, exclude_letters)
        later = bridge.ref.resolved(bridge.name)
        second = None
        # The bridge's other letters first (该街道自己还答复过…: not the letter that named it).
        for about in (bridge.elsewhere, bridge.letters):
            if focus_letters:
                about &= set(focus_letters)
            if about:
                second = self.answer(later, filters, sorted(about), exclude_letters)
                if second.answered:
                    break
        if second is None:  # no letter names the bridge: the later clause as it is
            second = self.answer(later, filters, focus_letters, exclude_letters)
        return _merged(question, [first, second]) or self._abstain(frame, bridge.first)

    # -- abstaining ---------------------------------------------------------------------------
    def _suggest(self, hits: Sequence[Hit]) -> tuple[dict[str, object], ...]:
        seen: dict[str, Letter] = {}
        for h in hits:
            seen.setdefault(h.letter.id, h.letter)
        return tuple(
            {
                "letter_id": lt.id,
                "source": lt.source,
                # Named by its record, cleaned: its own title (not a file name), its sender.
                "title": title_of(lt),
                "agency": sender_of(lt),
            }
            for lt in list(seen.values())[: self.settings.suggestions]
        )

    def _abstain(
        self,
        frame: Frame,
        hits: Sequence[Hit],
        missing: Constraint | None = None,
        weak: bool = False,
    ) -> Answer:
        """The not-found answer, saying which part is missing; the nearest letters are offered
        as suggestions, apart from the answer."""
        text = _not_found(frame, missing, weak)
        return Answer(frame.question, text, (), False, self._suggest(hits), "abstain")


def _standing(reading: Reading) -> tuple[float, int]:
    """How a letter stands against others on the topic: its cover, less a little for each
    place retrieval put it lower (retrieval's order breaks near-ties), then that order."""
    return (reading.relevance - 0.04 * reading.rank, -reading.rank)


def _texts(reading: Reading) -> list[str]:
    """What a letter says, as its topic is measured: its sentences as read, its title, and the
    suggestion it answers as it names it (its restating sentences are not quoted, but they name
    the topic)."""
    subject = field_value(reading.letter, "subject").value or ""
    return [s.heading + s.text for s in reading.pool] + [clean(reading.letter.fields.title or ""), subject]


# Where the asking words of a part begin (多少, 哪家, 什么 …), and the words that end the
# phrase naming what it asks about (…配的救护车是什么型号 → 救护车是什么型号).
_ASKING = re.compile(r"多少|多大|多长|多久|哪|什么|啥|几|谁|是否|有没有|能否|能不能|何时|为什么|为何|怎么|如何")
_PHRASE_BREAK = frozenset("的给对在把将从向说，,、 ")
_PHRASE_END = re.compile(r"[的呢吗啊呀吧了？?！!。\s]+$")
PHRASE_MAX = 14  # characters of an unstated part named as asked


def _asked_phrase(text: str) -> str:
    """What a part asks, in its own words and short: the asking words with the few words
    before them that say of what (…路口装红绿灯预算是多少 → 红绿灯预算是多少)."""
    text = _PHRASE_END.sub("", text.strip())
    if len(text) <= PHRASE_MAX:
        return text
    m = _ASKING.search(text)
    if m is None:
        return ""
    start = m.start()
    for word in reversed(rjieba.cut(text[: m.start()])):
        if word[-1] in _PHRASE_BREAK or m.start() - (start - len(word)) > 8:
            break
        start -= len(word)
    return _PHRASE_END.sub("", text[start:])[: PHRASE_MAX + 8]


def _names(frame: Frame, letter: Letter, name: str) -> bool:
    """Whether the question names the person in the letter's `name` field (张诗于代表 → 张诗于)."""
    value = field_value(letter, name).value
    person = re.sub(r"(?:代表|委员|同志|先生|女士)?[:：]?$", "", clean(value or ""))
    return len(person) >= 2 and person in frame.question


def _not_found(frame: Frame, missing: Constraint | None, weak: bool) -> str:
    if frame.english:
        if missing is not None and missing.kind in ("number", "year"):
            what = f"No. {missing.value.split('|')[0]}" if missing.kind == "number" else _year_en(missing.value)
            return f"None of the reply letters on file is for {what}."
        if missing is not None and missing.kind == "subject":
            return f"None of the reply letters on file answers a suggestion about {missing.label}."
        if missing is not None and missing.kind == "sender":
            return f"None of the reply letters on file is from {missing.label}."
        if missing is not None and missing.kind == "place" and missing.hard:
            return f"None of the reply letters on file is from {missing.label}."
        if missing is not None and missing.kind in ("name", "place", "person", "mention"):
            return f"None of the reply letters on file mentions {missing.label}."
        if missing is not None:
            return f"None of the reply letters on file matches {missing.label}."
        return NOT_FOUND_EN
    if missing is not None:
        if missing.kind in ("sender", "number", "doc_number"):
            return f"收录的复函中没有{missing.label}的答复。"
        if missing.kind == "year":
            return f"收录的复函中没有涉及{missing.label}的相关内容。"
        if missing.kind == "subject":
            return f"收录的复函中没有关于{missing.label}的建议或提案的答复。"
        return f"收录的复函中没有提到{missing.label}的答复。"
    if weak and frame.topic:
        # The suggestion as the question names it (关于养犬管理的建议), else its topic words.
        named = _SUGGESTION_NAMED.search(frame.question)
        topic = named.group(1) if named else "、".join(frame.topic.split()[:3])
        return f"收录的复函中没有找到关于“{topic}”的答复。"
    return NOT_FOUND_ZH


def _english_lead(ask: str, clause: str, asked: str = "") -> str:
    """The English statement of a direct answer: the figure, the date, the status, the body.
    `asked`: the part of the question it answers (which figures it wants)."""
    if ask == "number":
        spans = [m.group() for m in SPAN["number"].finditer(clause)]
        # A year (2024年) is a time, not the amount asked for.
        spans = [x for x in spans if not re.fullmatch(r"(?:19|20)\d\d\s*年", x)]
        unit = asked_unit(asked)
        if unit is not None and unit[1]:
            spans = [x for x in spans if unit[0].search(x)] or spans  # money for "how much"
        elif re.search(r"how many", asked, re.I):
            spans = [x for x in spans if not re.search(r"元|%|％", x)] or spans  # a count
        figures = [number_en(x) for x in spans]
        figures = [f for f in figures if f]
        if figures:
            return ", ".join(list(dict.fromkeys(figures))[:3])
    if ask == "time":
        for m in SPAN["time"].finditer(clause):
            iso = date_en(m.group())
            if iso:
                return iso
    if ask == "status":  # a yes or no: the letter's own status words, in plain English
        said = status_en(clause)
        if said:
            return said
    if ask == "plan":
        return "What the letter plans"
    if ask == "body":
        m = SPAN["body"].search(clause)
        if m:
            return agency_en(m.group())
    if ask == "reason":
        return "The reason the letter gives"
    return "The letter says"


def _widened(text: str, sent: Sentence, start: int, end: int, limit: int = MAX_QUOTE) -> tuple[int, int]:
    """The clause run `start:end` of `sent` grown by whole clauses, the next first, up to
    `limit` characters; the whole sentence when it fits."""
    if sent.end - sent.start <= limit:
        return sent.start, sent.end
    parts = clauses(text, sent.start, sent.end)
    inside = [i for i, c in enumerate(parts) if c.start < end and start < c.end]
    if not inside:
        return start, end
    lo, hi = inside[0], inside[-1]
    while True:
        for i, j in ((lo, hi + 1), (lo - 1, hi)):
            if i >= 0 and j < len(parts) and parts[j].end - parts[i].start <= limit:
                lo, hi = i, j
                break
        else:
            break
    return min(start, parts[lo].start), max(end, parts[hi].end)


def _rest_of_paragraph(
    text: str,
    pool: Sequence[Sentence],
    direct: Sequence[tuple[int, int]],
    support: Sequence[tuple[int, int]],
    room: int,
) -> list[tuple[int, int]]:
    """Up to `room` short sentences left between and after the quoted ones in their
    paragraph, while all that is quoted stays short: a brief paragraph is read whole (its last
    sentence often says when, or who). `direct`: the spans the direct answers quote;
    `support`: the supporting quotes so far — a sentence running on from one lengthens it
    rather than taking room."""
    quoted = [*direct, *support]
    total = sum(b - a for a, b in quoted)
    out: list[tuple[int, int]] = []
    marks = sorted(i for i, s in enumerate(pool) if any(a <= s.start < b for a, b in quoted))
    for i in marks:
        for j in range(i + 1, len(pool)):
            if j in marks:
                continue
            prev, sent = pool[j - 1], pool[j]
            if "\n" in text[prev.end : sent.start]:
                break  # a new paragraph
            if any(a <= sent.start < b for a, b in [*quoted, *out]) or _BARE_ITEM.match(sent.text):
                continue
            # A sentence running on from a supporting quote lengthens it; another is a quote.
            runs_on = any(_joined(text, b, sent.start) for _, b in [*support, *out])
            if not runs_on and len(out) >= room:
                return out
            if total + len(sent.text) > PARAGRAPH_BUDGET:
                return out
            out.append(_bounded(text, sent.start, sent.end))
            room += runs_on
            total += len(sent.text)
    return out


def _runs(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` with those that run on from one another in the letter (one ends where the
    next begins, in the same paragraph) joined into one, in the order of their first."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        for k, (c, d) in enumerate(out):
            if _joined(text, d, a):
                out[k] = (c, max(b, d))
                break
            if _joined(text, b, c):
                out[k] = (a, d)
                break
        else:
            out.append((a, b))
    return out


def _joined(text: str, end: int, start: int) -> bool:
    """Whether a span ending at `end` runs on into one starting at `start`: nothing but
    spaces between them, in one paragraph."""
    return end <= start and not text[end:start].strip() and "\n" not in text[end:start]


def _bounded(text: str, start: int, end: int) -> tuple[int, int]:
    """A quote of at most `MAX_QUOTE` characters: cut at the last clause end within it."""
    if end - start <= MAX_QUOTE:
        return start, end
    cut = start
    for c in clauses(text, start, end):
        if c.end - start > MAX_QUOTE:
            break
        cut = c.end
    return (start, cut) if cut > start else (start, start + MAX_QUOTE)


def _year_en(value: str) -> str:
    """A year constraint in English words (2017, 2017 or earlier)."""
    year, _, op = value.partition("|")
    said = {"<=": " or earlier", "<": " (before it)", ">=": " or later", ">": " (after it)"}
    return year + said.get(op, "")
