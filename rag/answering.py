"""The extractive answerer: quoted sentences with [n] citations, no LLM — or an abstention.

Routes by what is asked (see `rag.query.analyze`):

- field questions (文号, 审签, 日期, 答复单位, 会同, 答复对象, 类别, 编号, 联系人) are
  answered from the letter record, citing the line where each value is written; a field
  the letter does not state is said to be unstated;
- enumeration questions (哪些部门…, which agencies…) list one row per agency: what it
  does or commits to (a quoted sentence) and in which letter, over every letter the
  retriever found, not just the top three;
- lookups quote the 1–3 sentences that answer, in reading order, as prose;
- English questions get an English lead-in around the cited Chinese quotes.

Abstention: when the evidence is weak — the question's content is barely covered by
the best passages, a place or agency it names appears in no letter, or a year it names
appears in no candidate sentence — the answer is one fixed, polite sentence plus the
closest letters to read. Every citation is checked (`rag.quotes.verify`) before return.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache

from .agencies import default_table
from .config import AnswerSettings
from .fieldanswers import LABELS, field_value, labelled_dates, unstated
from .hops import Bridge, resolve
from .ingest import embed_input
from .lexicon import STOPWORDS, normalize
from .query import Filters, QueryInfo, agency_core, agency_mentions, clean_question
from .quotes import verify
from .records import asks_for_records
from .retrieval import Retriever
from .selection import choose_sentences, question_parts
from .types import Answer, Citation, Hit, Letter

_MARKER = re.compile(r"\[(\d+)\]")  # a citation marker in an answer's text
NOT_FOUND_ZH = "已收录的答复函中没有找到相关内容。"
# Generic heads of compounds: a passage that shares only these is not on the topic.
_GENERIC = frozenset(
    "政策 工作 问题 情况 建设 管理 服务 发展 措施 项目 方面 体系 机制 制度 公共 相关 有关 事项 设施 工程 "
    "资金 标准 方案 计划 规划 活动 水平 能力 环境 安全 质量 建议 提案 答复".split()
)
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
# Words that frame an enumeration question rather than name its topic.
_FRAME_WORDS = frozenset(
    "涉及 答复 复函 回复 部门 单位 语料 建议 提案 各自 处理 结果 问题 相关 方面 分别 哪些 有关 letters letter replies reply agencies".split()
)
NOT_FOUND_EN = "The reply letters on file do not answer this question."


# The question lists replies ("关于X的答复有哪些"), not agencies or measures.
_REPLIES_ASKED = re.compile(r"(?:答复|复函|回复|建议|提案)有哪些|which (?:replies|letters)", re.I)
# A glossary term that names an agency (绿化市容局, 经济和信息化委员会).
_AGENCY_TERM = re.compile(r"..(?:局|委员会|委|厅|办公室|人民政府)$")
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
            self._records(question, info, filters, exclude_letters)
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
            answer = self._enumerate(question, info, hits)
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
        second = first
        # The bridge's other letters first (该街道自己还答复过…: not the letter that named it).
        for about in (bridge.elsewhere, bridge.letters):
            if focus_letters:
                about &= set(focus_letters)
            if about:
                second = self.answer(later, filters, sorted(about), exclude_letters)
                if second.answered:
                    break
        if second is first:
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

    # -- evidence strength --------------------------------------------------------------------
    def _named(self, info: QueryInfo, hits: Sequence[Hit]) -> list[Hit]:
        """The hits from letters the question names (by number or agency), if it names any
        that retrieval found; otherwise all of them."""
        keys = self.retriever.keys
        numbers, agencies = set(info.numbers), set(info.agencies)
        doc_numbers = set(info.doc_numbers)
        if not (numbers or agencies or doc_numbers):
            return list(hits)
        named = [
            h
            for h in hits
            if keys[h.letter.id].doc_numbers & doc_numbers
            or keys[h.letter.id].numbers & numbers
            or keys[h.letter.id].agencies & agencies
        ]
        return named or list(hits)

    def _quote_query(
        self, question: str, info: QueryInfo, senders: Collection[str] = ()
    ) -> tuple[str, str]:
        """What quotes are matched against: the question (its Chinese terms, for an English
        one) and, separately, the synonyms its words stand for. `senders`: the agency cores
        of the letters quoted from."""
        tok = self.retriever.tokenizer
        extra = [w for w in tok.expansions(tok.query_tokens(question)) if w not in _FRAME_WORDS]
        # The agency the question names identifies the letter; within it, matching the name
        # would pick the signature line, so quotes are chosen by the rest of the question.
        if info.english:
            # English words never occur in the letters: their Chinese terms and numbers do.
            numbers = " ".join(re.findall(r"[A-Za-z]{0,3}\d+", question))
            places = tok.lexicon.places
            terms = [
                t
                for t in tok.translate(question).split()
                if not _AGENCY_TERM.search(t) and t not in places
            ]
            base = " ".join([*terms, numbers])
        else:
            base = question
            for name in agency_mentions(question):
                # Only the sender: an agency acting inside the letter (市人力社保局将…) helps.
                if agency_core(name) in senders:
                    base = base.replace(name, " ")
        return base, " ".join(extra)

    def _topic_groups(self, question: str, english: bool) -> list[tuple[float, set[str]]]:
        """The question's topic words as groups: (weight, tokens any of which satisfy it).

        A compound (人才政策) and its parts form one group; the group is satisfied by the
        compound, its lexicon concept (paraphrases, abbreviations) or its most specific
        part (人才) — a generic part alone (政策) does not satisfy it. Weight = IDF.
        """
        tok = self.retriever.tokenizer
        bm25 = self.retriever.index.bm25
        concepts = tok.lexicon.concepts
        words = {
            t
            for t in tok.query_tokens(question)
            if ":" not in t and t not in STOPWORDS and not (t.isdigit() and len(t) == 1)
        }
        words -= _FRAME_WORDS
        if english:
            # The letters are Chinese: an English word counts through its translation only.
            # (If no word translates, the English words stay, unmatched: nothing answers it.)
            words = {w for w in words if not (w.isascii() and w.isalpha())} or words
        if bm25 is None:
            return []
        groups = []
        for word in sorted(words):  # sorted: the same answer in every process
            if any(word != other and word in other for other in words):
                continue  # a part of a longer word: handled with it
            parts = [p for p in words if p != word and p in word]
            # The parts that carry the topic (人才 in 人才政策), not the generic head (政策).
            specific = [p for p in parts if p not in _GENERIC]
            keys = [max(specific, key=bm25.idf)] if specific else [word]
            concept = concepts.get(word)
            weight = max(
                [bm25.idf(word), bm25.idf(concept) if concept else 0.0]
                + [bm25.idf(p) for p in parts]
            )
            groups.append((weight, {word, *keys} | ({concept} if concept else set())))
        return groups

    def _relevance(
        self, groups: Sequence[tuple[float, set[str]]], hit: Hit, require_main: bool = False
    ) -> float:
        """IDF-weighted share of the topic `groups` (from `_topic_groups`, computed once per
        question) that the passage satisfies (0 unless it satisfies one at least half as
        weighty as the main one)."""
        if not groups:
            return 1.0
        have = set(self.retriever.tokenizer.tokenize(embed_input(hit.letter, hit.chunk)))
        top = max(w for w, _ in groups)
        met = [w for w, tokens in groups if tokens & have]
        share = sum(met) / sum(w for w, _ in groups)
        if require_main:
            # An enumeration row must be about the main topic (or most of the question's
            # weight, for "A或B" questions), not merely share a generic word with it.
            return share if top in met or share >= 0.6 else 0.0
        return share if any(w >= 0.5 * top for w in met) else 0.0

    def _unknown_entity(self, question: str, info: QueryInfo, hits: Sequence[Hit]) -> bool:
        """A place or agency the question names that no letter in the index is from or mentions."""
        keys = self.retriever.keys
        texts = " ".join(h.chunk.text for h in hits)
        places = list(info.places)
        if info.english:
            gazetteer = self.retriever.tokenizer.lexicon.places
            places += [
                t for t in self.retriever.tokenizer.translate(question).split() if t in gazetteer
            ]
        for place in places:
            if not any(place in k.place for k in keys.values()) and place not in texts:
                return True
        for agency in info.agencies:
            known = any(agency in k.agencies or agency in k.cohandlers for k in keys.values())
            if not known and agency not in texts:
                return True
        return False

    def _weak(self, question: str, info: QueryInfo, hits: Sequence[Hit]) -> bool:
        """Too little evidence: an unknown place/agency, or no passage about the question's topic."""
        s = self.settings
        if self._unknown_entity(question, info, hits):
            return True
        groups = self._topic_groups(question, info.english)
        relevance = max((self._relevance(groups, h) for h in hits[: s.evidence_hits]), default=0.0)
        return relevance < (s.min_relevance_english if info.english else s.min_relevance)

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
        if self._unknown_entity(question, info, hits):
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
        head = _letter_name(letter, english)
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
            groups = self._topic_groups(_FIELD_WORDS.sub(" ", question), info.english)
            if not hits or max(self._relevance(groups, h) for h in hits) < 0.3:
                return self._abstain(question, info, hits)
        elif self._weak(question, info, hits):
            return self._abstain(question, info, hits)
        s = self.settings
        hits = self._named(info, hits)
        senders = {a for h in hits[:1] for a in self.retriever.keys[h.letter.id].agencies}
        query, synonyms = self._quote_query(question, info, senders)
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
            lead = _letter_name(self.retriever.index.letters[lid], info.english)
            groups.append(f"According to {lead}: {body}" if info.english else f"根据{lead}：{body}")
        text = "\n".join(groups)
        return Answer(question, text, tuple(citations), True, (), "lookup")

    def _records(
        self,
        question: str,
        info: QueryInfo,
        filters: Filters | None = None,
        exclude: Sequence[str] = (),
    ) -> Answer | None:
        """A list of letters chosen by their fields (协办单位, 乡镇/街道 senders, collective
        proposers), each cited where the field is written; None if not such a question."""
        allowed: set[str] | None = None
        if filters is not None and filters.active():
            allowed = set(self.retriever._allowed(filters))
        if exclude:
            allowed = (set(self.retriever.keys) if allowed is None else allowed) - set(exclude)
        matches = self.retriever.record_matches(question, info, allowed)
        if not matches:
            return None
        citations: list[Citation] = []
        lines = []
        sep = ": " if info.english else "："
        for m in sorted(matches, key=lambda m: m.letter.source)[: self.settings.max_rows]:
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
                label = "In the letter" if info.english else "正文"
                parts.append(f"{label}{sep}{citations[-1].quote}[{citations[-1].key}]")
            head = _letter_name(m.letter, info.english) + marks
            lines.append(f"- {head}{sep}" + ("; " if info.english else "；").join(parts))
        letters_listed = len(lines)
        if not citations:
            return None
        lead = (
            f"{letters_listed} letter{'s' if letters_listed > 1 else ''}:"
            if info.english
            else f"共找到{letters_listed}封复函："
        )
        return Answer(
            question, lead + "\n" + "\n".join(lines), tuple(citations), True, (), "enumeration"
        )

    def _enumerate(self, question: str, info: QueryInfo, hits: Sequence[Hit]) -> Answer:
        if self._weak(question, info, hits):
            return self._abstain(question, info, hits)
        s = self.settings
        # Quotes are chosen for the topic words (and their paraphrases), not the question frame.
        groups = sorted(
            self._topic_groups(question, info.english), key=lambda g: (-g[0], sorted(g[1]))
        )
        topic = " ".join(t.split(":")[-1] for _, ts in groups for t in sorted(ts)) or question
        paraphrases = self.retriever.tokenizer.expansions(sorted(groups[0][1]) if groups else [])
        topic = " ".join([topic, *paraphrases])
        unnamed = "(agency not named)" if info.english else "（未署名单位）"
        # The main topic's words: a row's quote should contain one of them.
        keys = [t.split(":")[-1] for t in sorted(groups[0][1] if groups else ())] + paraphrases
        # A row must be about the question: its passage holds a good share of the question's
        # topic words, each weighted by its rarity (IDF), synonyms and abbreviations included.
        relevant: dict[str, list[Hit]] = {}
        for h in hits:
            if self._relevance(groups, h, require_main=True) >= s.min_row_relevance:
                relevant.setdefault(h.letter.id, []).append(h)
        rows: dict[str, list[tuple[str, Letter, int, int]]] = {}
        letters_asked = asks_for_records(question, info) or bool(_REPLIES_ASKED.search(question))
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
            for start, end in picks:
                actor = _actor(letter.text[start:end]) or letter.fields.agency or unnamed
                rows.setdefault(agency_core(actor), []).append((actor, letter, start, end))
        used_letters = {letter.id for items in rows.values() for _, letter, _, _ in items}
        if not rows:
            return self._abstain(question, info, hits)
        citations: list[Citation] = []
        lines = []
        for items in rows.values():
            parts = []
            last = None
            for _, letter, start, end in items:
                citations.append(Citation.of(len(citations) + 1, letter, start, end))
                c = citations[-1]
                # Name the letter once, after its last quote in this row.
                if last is not None and last != letter.id:
                    parts[-1] += (
                        f"（{_letter_name(self.retriever.index.letters[last], info.english)}）"
                    )
                parts.append(f"{c.quote}[{c.key}]")
                last = letter.id
            if last is not None:
                parts[-1] += f"（{_letter_name(self.retriever.index.letters[last], info.english)}）"
            lines.append(f"- {items[0][0]}：" + "；".join(parts))
        lead = (
            f"{len(rows)} agencies in {len(used_letters)} letters:"
            if info.english
            else f"共找到{len(used_letters)}封复函、{len(rows)}个单位："
        )
        return Answer(
            question, lead + "\n" + "\n".join(lines), tuple(citations), True, (), "enumeration"
        )


def _letter_name(letter: Letter, english: bool) -> str:
    f = letter.fields
    subject = None if f.title else field_value(letter, "subject").value
    title = " ".join((f.title or (subject or "").strip("《》") or letter.source).split())
    bits = [b for b in (f.agency, f.doc_number) if b]
    if english:
        return f"“{title}”" + (f" ({', '.join(bits)})" if bits else "")
    return f"《{title}》" + (f"（{'，'.join(bits)}）" if bits else "")


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
