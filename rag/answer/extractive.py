"""The extractive answerer: quoted sentences with [n] citations, no LLM — or an abstention.

Routes by what is asked (see `rag.search.query.analyze`):

- field questions (文号, 审签, 日期, 答复单位, 会同, 答复对象, 类别, 编号, 联系人) are
  answered from the letter record, citing the line where each value is written; a field
  the letter does not state is said to be unstated;
- enumeration questions (哪些部门…, which agencies…) list one row per agency: what it
  does or commits to (a quoted sentence) and in which letter, over every letter the
  retriever found, not just the top three; record questions (哪几封复函是镇政府发出的)
  list the letters their fields select (both in `rag.answer.listing`);
- lookups quote the 1–3 sentences that answer, in reading order, as prose;
- English questions get an English lead-in around the cited Chinese quotes.

A question whose later clause refers back to the first (…在哪个街道？该街道还答复过什么？)
is answered clause by clause (`rag.search.hops`).

Abstention (`rag.answer.evidence`): when the evidence is weak — the question's content is barely covered by
the best passages, a place or agency it names appears in no letter, or a year it names
appears in no candidate sentence — the answer is one fixed, polite sentence plus the
closest letters to read. Every citation is checked (`rag.answer.quotes.verify`) before return.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from rag.answer.evidence import Evidence
from rag.answer.fieldanswers import LABELS, letter_name, unstated
from rag.answer.listing import enumeration_answer, records_answer
from rag.answer.quotes import verify
from rag.answer.selection import choose_sentences, question_parts
from rag.config import AnswerSettings
from rag.letters.values import field_value, labelled_dates
from rag.search.hops import Bridge, resolve
from rag.search.query import Filters, QueryInfo, clean_question
from rag.search.records import asks_for_records
from rag.search.retrieval import Retriever
from rag.types import Answer, Citation, Hit, Letter

_MARKER = re.compile(r"\[(\d+)\]")  # a citation marker in an answer's text
NOT_FOUND_ZH = "已收录的答复函中没有找到相关内容。"
# What field questions say about fields (removed to see what else a question asks).
_FIELD_WORDS = re.compile(
    r"文号|发文字号|索引号|审签人?|签发人?|日期|落款|成文|哪天|哪个单位|哪个部门|答复单位|会同|协办|"
    r"写给谁|答复谁|哪位代表|哪位委员|提案人|类别|哪一类|哪类|编号|第几号|几号|联系人|联系电话|"
    r"复函|答复函|答复|回复|那封|这封|函|是谁|是什么|是多少|什么|谁|哪|对应"
)
# A field question that also asks what the letter says or does.
_CONTENT_ASK = re.compile(
    r"做什么|做了什么|做了哪些|措施|承诺|怎么|如何|为什么|哪些事项|提到|内容|采纳|落实|处理|结果|"
    r"what (?:did|does|do|has|have|will)|why|how",
    re.I,
)
NOT_FOUND_EN = "The reply letters on file do not answer this question."


# A question about one letter ("这封复函", "…提案的复函"): "还会同了哪些单位" asks for that
# letter's list-valued field, not for a list of letters.
_ONE_LETTER = re.compile(r"这[封份]|那[封份]|该[函封份]|此函|(?:提案|建议)的(?:复函|答复|回复)")
_LIST_FIELDS = frozenset({"cohandlers", "addressee"})


@dataclass(frozen=True)
class StreamEvent:
    """A piece of a streamed answer: text deltas, then the final `Answer`."""

    kind: str  # "delta" | "answer"
    text: str = ""
    answer: Answer | None = None


class ExtractiveAnswerer:
    """Answers from the letters' own sentences; no model beyond retrieval."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings()
        self.evidence = Evidence(retriever, self.settings)

    # -- public -----------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> Answer:
        """Answer `question` with verified citations, or abstain."""
        question = clean_question(question)
        info = self.retriever.analyze(question)
        s = self.settings
        k = s.k_enumeration if info.enumeration else s.k
        scope = {"only_letters": focus_letters or None, "exclude_letters": exclude_letters}
        bridge = resolve(
            question,
            lambda first: self.retriever.search(first, k, filters, **scope),
            self.retriever.index,
            self.retriever.tokenizer,
        )
        if bridge is not None:
            return self._two_hops(question, info, bridge, filters, focus_letters, exclude_letters)
        hits = self.retriever.search(
            question,
            k,
            filters,
            only_letters=focus_letters or None,
            exclude_letters=exclude_letters,
        )
        if not hits:
            return self._abstain(question, info, [])
        records = (
            records_answer(self.retriever, s, question, info, filters, exclude_letters)
            if asks_for_records(question, info)
            else None
        )
        if records is not None:
            answer = records
        elif info.intents and (
            not info.enumeration
            or info.identifies_letter
            or info.agencies
            or (_ONE_LETTER.search(question) and set(info.intents) <= _LIST_FIELDS)
        ):
            answer = self._fields(question, info, hits)
        elif info.enumeration:
            answer = enumeration_answer(self.evidence, s, question, info, hits) or self._abstain(
                question, info, hits
            )
        else:
            answer = self._lookup(question, info, hits)
        verify(answer.citations, self.retriever.index.letters)
        return answer

    def _two_hops(
        self,
        question: str,
        info: QueryInfo,
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
        parts = [a for a in (first, second) if a.answered]
        if not parts:
            return self._abstain(question, info, bridge.first)
        texts, citations = [], []
        for part in parts:
            offset = len(citations)
            texts.append(_MARKER.sub(lambda m, o=offset: f"[{int(m.group(1)) + o}]", part.text))
            citations += [replace(c, key=c.key + offset) for c in part.citations]
        return Answer(question, "\n".join(texts), tuple(citations), True, (), parts[-1].route)

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> Iterator[StreamEvent]:
        """The answer as sentence-sized deltas, then the final answer."""
        answer = self.answer(question, filters, focus_letters, exclude_letters)
        for piece in re.findall(r"[^。\n]*(?:。|\n|$)", answer.text):
            if piece:
                yield StreamEvent("delta", piece)
        yield StreamEvent("answer", answer=answer)

    # -- routes ----------------------------------------------------------------------------------
    def _abstain(
        self, question: str, info: QueryInfo, hits: Sequence[Hit], text: str | None = None
    ) -> Answer:
        seen: dict[str, Letter] = {}
        for h in hits:
            seen.setdefault(h.letter.id, h.letter)
        suggestions = tuple(
            {
                "letter_id": lt.id,
                "source": lt.source,
                "title": lt.fields.title,
                "agency": lt.fields.agency,
            }
            for lt in list(seen.values())[: self.settings.suggestions]
        )
        return Answer(
            question,
            text or (NOT_FOUND_EN if info.english else NOT_FOUND_ZH),
            (),
            False,
            suggestions,
            "abstain",
        )

    def _fields(self, question: str, info: QueryInfo, hits: Sequence[Hit]) -> Answer:
        if self.evidence.unknown_entity(question, info, hits):
            return self._abstain(question, info, hits)
        letter = hits[0].letter
        english = info.english
        citations: list[Citation] = []

        def cite(start: int, end: int) -> int:
            for c in citations:  # one marker per span
                if c.letter_id == letter.id and (c.start, c.end) == (start, end):
                    return c.key
            citations.append(Citation.of(len(citations) + 1, letter, start, end))
            return citations[-1].key

        # Which letter this is, cited where its title and number are written.
        head = letter_name(letter, english)
        # (A letter without a title is named by the suggestion it answers.)
        names = ("title", "doc_number") if letter.fields.title else ("subject", "doc_number")
        ids = [field_value(letter, n) for n in names]
        marks = "".join(f"[{cite(v.start, v.end)}]" for v in ids if v.value)
        lines, stated = [], 0
        for name in dict.fromkeys(n for n in info.intents if n in LABELS):
            value = field_value(letter, name)
            if value.value is None:
                lines.append(unstated(name, english))
                continue
            stated += 1
            label = LABELS[name][1 if english else 0]
            lines.append(
                f"{label}{': ' if english else '：'}{value.value}[{cite(value.start, value.end)}]"
            )
        if not stated:
            return self._abstain(question, info, hits, " ".join(lines))
        sep = ": " if english else "："
        if "date" in info.intents:
            # The page's own dates (成文日期 / 发布日期) when they differ from the letter's.
            for label, value in labelled_dates(letter):
                lines.append(f"{label}{sep}{value.value}[{cite(value.start, value.end)}]")
        addressee = field_value(letter, "addressee")
        named = re.sub(r"(?:代表|委员|同志)?[:：]?$", "", addressee.value or "")
        if "addressee" not in info.intents and len(named) >= 2 and named in question:
            # The question names whom the letter answers: show the letter says so.
            label = LABELS["addressee"][1 if english else 0]
            lines.append(f"{label}{sep}{addressee.value}[{cite(addressee.start, addressee.end)}]")
        # The question may also ask what the letter says (…承诺做什么?): quote it too.
        # Only the parts that ask what the letter says (…承诺做什么?), not the field parts.
        content = [p for p in question_parts(question) if _CONTENT_ASK.search(p)]
        extra = self._lookup(
            "，".join(content) if content else question,
            info,
            [h for h in hits if h.letter.id == letter.id],
            strict=True,
        )
        for c in extra.citations:
            key = cite(c.start, c.end)
            lines.append(f"{c.quote}[{key}]")
        text = (f"{head}{marks}:\n" if english else f"{head}{marks}：\n") + "\n".join(lines)
        return Answer(question, text, tuple(citations), True, (), "field")

    def _lookup(
        self, question: str, info: QueryInfo, hits: Sequence[Hit], strict: bool = False
    ) -> Answer:
        """Quote the sentences that answer; `strict` (inside a field answer) quotes only when
        the question has topic words beyond the field it asks for and the letter covers them."""
        if not hits:
            return self._abstain(question, info, hits)
        if strict:
            if not _CONTENT_ASK.search(question):
                return self._abstain(question, info, hits)
            hits = [h for h in hits if h.chunk.section != "文头"]
            groups = self.evidence.topic_groups(_FIELD_WORDS.sub(" ", question), info.english)
            if not hits or max(self.evidence.relevance(groups, h) for h in hits) < 0.3:
                return self._abstain(question, info, hits)
        elif self.evidence.weak(question, info, hits):
            return self._abstain(question, info, hits)
        s = self.settings
        hits = self.evidence.named(info, hits)
        senders = {a for h in hits[:1] for a in self.retriever.keys[h.letter.id].agencies}
        query, synonyms = self.evidence.quote_query(question, info, senders)
        chosen = choose_sentences(
            question,
            query,
            hits[: s.evidence_hits],
            synonyms=synonyms,
            max_quotes=s.max_quotes,
            # English questions match through translations, several per word: a lower floor.
            min_overlap=s.min_quote_overlap / (2 if info.english else 1),
        )
        if not chosen:
            return self._abstain(question, info, hits)
        years = [str(y) for y in info.years]
        quoted = {p.letter.id for p in chosen}
        passages = [h.chunk.text for h in hits[: s.evidence_hits] if h.letter.id in quoted]
        if years and not any(y in p for y in years for p in passages):
            # The year asked about is in none of the passages the quotes come from.
            return self._abstain(question, info, hits)
        # Letters in the order of their best quote; each letter's quotes in reading order.
        order = list(dict.fromkeys(p.letter.id for p in chosen))
        chosen.sort(key=lambda p: (order.index(p.letter.id), p.start))
        citations = [Citation.of(i, p.letter, p.start, p.end) for i, p in enumerate(chosen, 1)]
        groups = []
        for lid in order:
            body = "".join(f"{c.quote}[{c.key}]" for c in citations if c.letter_id == lid)
            lead = letter_name(self.retriever.index.letters[lid], info.english)
            groups.append(f"According to {lead}: {body}" if info.english else f"根据{lead}：{body}")
        text = "\n".join(groups)
        return Answer(question, text, tuple(citations), True, (), "lookup")
