"""What a question is about, and how much of it a sentence says: rarity-weighted coverage.

A question's topic is a few terms (老年食堂, 长期护理保险, 泥结石路); each term may be met by
any of its alternatives (a paraphrase from the lexicon, a translation of an English word).
A sentence covers a term by the share of the term's character bigrams it contains, each
bigram weighted by its rarity over the letters (IDF): "长期护理保险" is barely covered by a
sentence that says 护理 and 保险 apart, because 期护 and 理保 are the rare, telling bigrams.
Bigrams work for Chinese without trusting a segmenter, and for names and numbers too.

Rarity is counted over the index's passages once, on first use (over an even sample of at most
`SAMPLE` passages on a very large index), so no build-time table is needed.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.search.dictionary import reverse_cedict, translate_words
from rag.search.lexicon import Tokenizer, normalize

#: A topic phrase longer than this is cut into words (`TopicModel._words`).
LONG_PHRASE = 6
# Generic heads: alone, they say nothing about what a question is about.
GENERIC = frozenset(
    "政策 工作 问题 情况 建设 管理 服务 发展 措施 项目 方面 体系 机制 制度 相关 有关 事项 "
    "方案 计划 规划 活动 水平 能力 建议 提案 答复 现在 目前 进行 开展 实施 支持 认为".split()
)
#: How much of a term a text says when only a one-character form of it is there.
SINGLE_CHAR = 0.5
#: A compound's head (its last word) that long says the compound without its modifiers
#: (社区老年食堂 → 老年食堂); a shorter one (饮水 in 农村饮水) is too broad to.
HEAD_CHARS = 3
#: Passages counted for bigram rarity (an even sample beyond this many).
SAMPLE = 20_000
#: The document frequency a bigram that no passage holds is weighted as (see `Rarity.idf`).
UNSEEN_DF = 5
_KEEP = re.compile(r"[\u4e00-\u9fff0-9a-z]")
# English words that frame a question, not its topic (which, reply, letter …).
_EN_FRAME = frozenset(
    "which what who whom whose when where why how does did do is are was were will would can could "
    "the a an of to in on at for from by with about and or any some this that these those it its "
    "their there reply replies replied letter letters answer answered answers corpus document "
    "say says said mention mentions mentioned tell give given contain contains agency agencies "
    "department bureau government city district county province chinese china rather than whole "
    "many much number date discuss discusses discussed discussing talk talks talked address addresses "
    "addressed deal deals dealt touch touches touched refer refers referred regarding concerning".split()
)


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """`normalize`, remembered: letters' sentences are matched again and again."""
    return normalize(text)


def bigrams(text: str) -> list[str]:
    """The character bigrams of `text`'s letters and digits, normalised (a single character
    stands for itself)."""
    chars = [c for c in normalize(text) if _KEEP.match(c)]
    if len(chars) == 1:
        return chars
    return [a + b for a, b in zip(chars, chars[1:], strict=False)]


@dataclass(frozen=True)
class Term:
    """One thing the question is about: any of its surface forms satisfies it."""

    forms: tuple[str, ...]
    weight: float


class Rarity:
    """Inverse document frequency of character bigrams over an index's passages."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._df: Counter[str] | None = None
        self._n = 0
        self._lock = threading.Lock()

    def _count(self) -> None:
        with self._lock:
            if self._df is not None:
                return
            step = max(1, len(self._texts) // SAMPLE)
            df: Counter[str] = Counter()
            n = 0
            for i in range(0, len(self._texts), step):
                df.update(set(bigrams(self._texts[i])))
                n += 1
            self._n, self._df = n, df

    def idf(self, gram: str) -> float:
        if self._df is None:
            self._count()
        assert self._df is not None
        # A bigram no passage holds is often the seam between two words of the question
        # ("局对", "化滩"): it counts as rare, but no more than one a few passages hold.
        return math.log((self._n + 1) / (max(self._df.get(gram, 0), UNSEEN_DF) + 0.5))


class TopicModel:
    """Topic terms of questions and their coverage by sentences, over one index."""

    def __init__(self, texts: Sequence[str], tokenizer: Tokenizer) -> None:
        self.rarity = Rarity(texts)
        self.tokenizer = tokenizer
        self._surfaces: defaultdict[str, list[str]] | None = None  # concept → its forms

    def terms(
        self,
        topic: str,
        english_question: str | None = None,
        split: bool = False,
        split_short: bool = False,
        strict: bool = False,
    ) -> list[Term]:
        """The terms of a topic string (space-separated words, as `Frame.topic` gives), or of an
        English question (each English word or glossary phrase, with its Chinese forms). With
        `split`, long phrases are cut into words (`_words`); with `split_short`, short ones too."""
        if english_question is not None:
            return self._english_terms(english_question)
        out = []
        phrases = topic.split()
        words = [w for p in phrases for w in self._words(p, split_short)] if split else phrases
        for word in dict.fromkeys(words):
            # "A|B": alternatives the question gives (老年食堂(老人食堂), 路灯或照明).
            alternatives = [a for a in word.split("|") if a]
            forms = [f for a in alternatives for f in (a, *self._paraphrases(a, strict))]
            weights = [sum(self.rarity.idf(g) for g in bigrams(a)) for a in alternatives]
            if not forms or not any(weights):
                continue
            out.append(Term(tuple(dict.fromkeys(forms)), max(weights)))
        return out

    def _words(self, phrase: str, short: bool = False) -> list[str]:
        """A long run of the question's words, cut into its words (支持人才政策 → 支持, 人才):
        each is a term of its own, so a sentence is not asked to repeat the question's phrasing.
        Generic heads (政策, 工作, 问题 …) are dropped; a short phrase stays whole unless `short`
        (then only one without a generic word does)."""
        if "|" in phrase or len(phrase) <= LONG_PHRASE and not short:
            return [phrase]
        words: list[str] = []
        for token in self.tokenizer._jieba.cut(normalize(phrase)):
            token = token.strip()
            if not token:
                continue
            if len(token) == 1 and words:
                words[-1] += token  # a lone character belongs to the word before it
            else:
                words.append(token)
        kept = [w for w in words if len(w) >= 2 and w not in GENERIC]
        if len(phrase) <= LONG_PHRASE and kept == [phrase]:
            return [phrase]  # a short phrase with no generic word stays whole (长期护理保险)
        # A word ending in a generic head is met by its stem as well (人才政策 → 人才).
        out = []
        for w in kept or [phrase]:
            head = next((g for g in GENERIC if w.endswith(g) and len(w) - len(g) >= 2), None)
            out.append(f"{w[: -len(head)]}|{w}" if head else w)
        return out

    def _paraphrases(self, word: str, strict: bool = False) -> list[str]:
        """Other ways to say the word. Loosely: every form of the lexicon concepts its parts
        stand for (老人 ↔ 老年人; 农村饮水 → 乡村, 饮用水 …). Strictly: the forms of the concept
        the whole word is (老年食堂 ↔ 长者食堂), then the word with one part said another way
        (农村饮水 → 农村饮用水) — a part alone (农村) does not say the word."""
        if not strict:
            tokens = self.tokenizer.tokenize(word)
            return [f for f in self.tokenizer.expansions(tokens) if f != word][:6]
        concepts = self.tokenizer.lexicon.concepts
        forms = self._forms(concepts.get(word))
        swapped: list[str] = []
        for token in dict.fromkeys(self.tokenizer.tokenize(word)):
            if token == word or token not in word or token.startswith("同义:"):
                continue
            said = self._forms(concepts.get(token))
            if word.endswith(token) and len(token) >= HEAD_CHARS:
                forms += said  # the word's head says it (社区老年食堂 → 老年食堂, 长者食堂)
            swapped += [word.replace(token, f, 1) for f in said if f != token]
        return [f for f in dict.fromkeys(forms + swapped) if f != word][:8]

    def _forms(self, concept: str | None) -> list[str]:
        if concept is None or not concept.startswith("同义:"):
            return []  # agency groups are names, not paraphrases
        if self._surfaces is None:
            self._surfaces = defaultdict(list)
            for surface, c in self.tokenizer.lexicon.concepts.items():
                self._surfaces[c].append(surface)
        return list(self._surfaces.get(concept, ()))

    def _english_terms(self, question: str) -> list[Term]:
        low = " " + re.sub(r"[^a-z0-9-]+|(?<![a-z])-|-(?![a-z])", " ", question.lower().replace("'", "")) + " "
        groups: list[list[str]] = []
        for phrase, chinese in self.tokenizer.lexicon.glossary:
            key = f" {phrase} "
            if key in low and not set(phrase.split()) <= _EN_FRAME:
                groups.append(list(chinese))
                low = low.replace(key, " ")
        words = [w for w in low.split() if w not in _EN_FRAME and len(w) >= 3 and not w.isdigit()]
        i = 0
        while i < len(words):
            # Two words that CC-CEDICT holds together (long term → 长期) are one term; a
            # hyphenated word is tried whole, then as its words.
            step = 2 if i + 1 < len(words) and _held_together(words[i : i + 2]) else 1
            chinese = translate_words(words[i : i + step], per_word=3)
            if not chinese and "-" in words[i]:
                chinese = translate_words(words[i].split("-"), per_word=3)
            i += step
            if chinese:
                groups.append(chinese)
        # Chinese names an English question spells out (石油路街道) are terms as they are.
        groups += [[name] for name in re.findall(r"[\u4e00-\u9fff]{2,}", question)]
        return [self._weighted(forms) for forms in groups]

    def _weighted(self, forms: Sequence[str]) -> Term:
        """A term of `forms`, as rare as its rarest form (mean bigram rarity)."""
        weights = [sum(self.rarity.idf(g) for g in bigrams(f)) / max(1, len(bigrams(f))) for f in forms]
        return Term(tuple(dict.fromkeys(forms)), max(weights, default=0.0))

    def name_terms(self, groups: Sequence[Sequence[str]]) -> list[Term]:
        """One term per name an English question spells, its forms the letters' words that
        read as it, weighted as rare as its rarest form."""
        return [self._weighted(forms) for forms in groups if forms]

    def term_coverage(self, term: Term, text: str, weak: bool = True) -> float:
        """How much of `term` the text says: its best form's rarity-weighted bigram share
        (`weak`: a one-character form counts, as `SINGLE_CHAR`)."""
        have_text = norm(text)
        best = 0.0
        for form in term.forms:
            grams = bigrams(form)
            if not grams:
                continue
            if norm(form) in have_text:
                if len(form) > 1:
                    return 1.0
                # A single character (餐 for "meal") is in too many words to say a term alone.
                best = max(best, SINGLE_CHAR if weak else 0.0)
                continue
            total = sum(self.rarity.idf(g) for g in grams)
            have = sum(self.rarity.idf(g) for g in grams if g in have_text)
            best = max(best, have / total if total else 0.0)
        return best

    def coverage(self, terms: Sequence[Term], text: str, weak: bool = True) -> float:
        """The weighted share of `terms` that `text` covers (0 for no terms)."""
        total = sum(t.weight for t in terms)
        if not total:
            return 0.0
        said = [self.term_coverage(t, text, weak) for t in terms]
        if not weak and any(c < 1.0 and any(len(f) == 1 for f in t.forms) for t, c in zip(terms, said, strict=True)):
            # Whether a letter says the topic: a single character (柚 for "pomelo") says its
            # term in a word made with another term the text says (梁平柚).
            have_text = norm(text)
            heads = {norm(f) for t in terms for f in t.forms if len(f) > 1 and norm(f) in have_text}
            for i, t in enumerate(terms):
                if said[i] < 1.0 and any(
                    len(f) == 1 and any(h + f in have_text or f + h in have_text for h in heads) for f in t.forms
                ):
                    said[i] = 1.0
        return sum(t.weight * c for t, c in zip(terms, said, strict=True)) / total

    def literal(self, terms: Sequence[Term], text: str) -> float:
        """The coverage of the terms as the question writes them (each term's first form), no
        paraphrase: between sentences a paraphrase covers alike, the one closer to the
        question's own words."""
        return self.coverage([Term(t.forms[:1], t.weight) for t in terms], text)

    def best(self, terms: Sequence[Term], texts: Iterable[str], weak: bool = True) -> float:
        """The highest coverage among `texts`."""
        return max((self.coverage(terms, t, weak) for t in texts), default=0.0)


def _held_together(words: list[str]) -> bool:
    """Whether CC-CEDICT has `words` as one entry (long term → 长期), spaces or hyphen."""
    table = reverse_cedict()
    return any(k in table for k in (" ".join(words), "-".join(words)))
