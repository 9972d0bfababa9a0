"""How well passages answer a question: its topic words, their coverage, unknown names.

The extractive answerer's tests of evidence strength (it abstains when they fail) and the
text its quotes are matched against, over one retriever's tokenizer and BM25 statistics.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rag.chunking import embed_input
from rag.config import AnswerSettings
from rag.search.lexicon import STOPWORDS
from rag.search.query import QueryInfo, agency_core, agency_mentions
from rag.search.retrieval import Retriever
from rag.types import Hit

# Generic heads of compounds: a passage that shares only these is not on the topic.
GENERIC = frozenset(
    "政策 工作 问题 情况 建设 管理 服务 发展 措施 项目 方面 体系 机制 制度 公共 相关 有关 事项 设施 工程 "
    "资金 标准 方案 计划 规划 活动 水平 能力 环境 安全 质量 建议 提案 答复".split()
)
# Words that frame a question (an enumeration most of all) rather than name its topic.
FRAME_WORDS = frozenset(
    "涉及 答复 复函 回复 部门 单位 语料 建议 提案 各自 处理 结果 问题 相关 方面 分别 哪些 有关 letters letter replies reply agencies".split()
)
# A glossary term that names an agency (绿化市容局, 经济和信息化委员会).
_AGENCY_TERM = re.compile(r"..(?:局|委员会|委|厅|办公室|人民政府)$")


class Evidence:
    """Evidence tests for one retriever (its tokenizer, BM25 statistics and letter keys)."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings) -> None:
        self.retriever = retriever
        self.settings = settings

    def named(self, info: QueryInfo, hits: Sequence[Hit]) -> list[Hit]:
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

    def quote_query(
        self, question: str, info: QueryInfo, senders: Collection[str] = ()
    ) -> tuple[str, str]:
        """What quotes are matched against: the question (its Chinese terms, for an English
        one) and, separately, the synonyms its words stand for. `senders`: the agency cores
        of the letters quoted from."""
        tok = self.retriever.tokenizer
        extra = [w for w in tok.expansions(tok.query_tokens(question)) if w not in FRAME_WORDS]
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
            # …and so do the Chinese names the question spells out (What else has 石油路街道…).
            names = re.findall(r"[\u4e00-\u9fff]{2,}", question)
            base = " ".join([*terms, *names, numbers])
        else:
            base = question
            for name in agency_mentions(question):
                # Only the sender: an agency acting inside the letter (市人力社保局将…) helps.
                if agency_core(name) in senders:
                    base = base.replace(name, " ")
        return base, " ".join(extra)

    def topic_groups(self, question: str, english: bool) -> list[tuple[float, set[str]]]:
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
        words -= FRAME_WORDS
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
            specific = [p for p in parts if p not in GENERIC]
            keys = [max(specific, key=bm25.idf)] if specific else [word]
            concept = concepts.get(word)
            weight = max(
                [bm25.idf(word), bm25.idf(concept) if concept else 0.0]
                + [bm25.idf(p) for p in parts]
            )
            groups.append((weight, {word, *keys} | ({concept} if concept else set())))
        return groups

    def relevance(
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

    def unknown_entity(self, question: str, info: QueryInfo, hits: Sequence[Hit]) -> bool:
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

    def weak(self, question: str, info: QueryInfo, hits: Sequence[Hit]) -> bool:
        """Too little evidence: an unknown place/agency, or no passage about the question's topic."""
        s = self.settings
        if self.unknown_entity(question, info, hits):
            return True
        groups = self.topic_groups(question, info.english)
        relevance = max((self.relevance(groups, h) for h in hits[: s.evidence_hits]), default=0.0)
        return relevance < (s.min_relevance_english if info.english else s.min_relevance)
