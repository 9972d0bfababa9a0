"""The optional LLM answerer: a chat model writes, every claim is checked against its passages.

Flow: the extractive answerer answers first; when it reads the answer from the letter
record (route `field`) or abstains (an unknown place or agency, no relevant passage, a year
no passage has), its answer stands and the model is not asked — a 1.5B model paraphrased
such answers into wrong ones ("联系人:陈金山" for a letter with no contact line; 陈金山 signed
it) that a lexical check cannot catch, and a CPU model spends a minute on each. Lists of
letters or agencies (route `enumeration`) stand too: they are drawn from 30 passages and
every letter's fields, which no `k`-passage prompt holds, so the model could only shorten
them. Otherwise:
retrieve `k` passages → give them to the model under short keys `[1]..[n]` (see
`rag.answer.prompts`) → split the reply into sentences → keep a sentence only if it cites at
least one key that was in the context and those passages support it → cut each citation's
quote from the letter with `best_span` → renumber keys 1..m in order of first use →
`verify`. Keys the model invented are dropped, never shown. When nothing verifiable
remains, when the model answers `NOT_IN_LETTERS`, or when the model fails, the extractive
answer is returned instead.

Support is measured, not trusted: `support()` is the share of the sentence's content
character bigrams and numbers (`rag.answer.quotes.grams`, markers removed) found in the cited
passage (its source line plus chunk text); a key needs `min_support` (default 0.35) —
roughly a third of the sentence's content must be the passage's own wording — and a
sentence with fewer than `MIN_UNITS` (3) checkable units is never supported (a bare
"已批准" copied from a passage proves nothing), nor one that states a number the passage
does not (so "资金为8000万元" cannot ride on a passage that says 5000万元). English
sentences cannot share bigrams with a Chinese letter, so for them the checked units are
their numbers, any Chinese they quote, and their glossary phrases (`rag/data/glossary_en.tsv`;
a phrase counts when one of its Chinese renderings is in the passage). The check is lexical:
it stops invented facts and keys, not every paraphrase that twists a passage's meaning.

Streaming: `stream()` yields the model's text as `delta` events while it arrives, then one
`answer` event with the verified answer. The final text may differ from the streamed text
(dropped sentences, renumbered keys, or the extractive fallback): a UI must replace what it
streamed with the final answer's text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rag.answer.extractive import StreamEvent
from rag.answer.generators import message_text
from rag.answer.prompts import NOT_IN_LETTERS, PromptPassage, build_prompt, is_english
from rag.answer.quotes import best_span, grams, verify
from rag.search.lexicon import normalize
from rag.search.query import Filters
from rag.types import Answer, Citation, Hit

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from rag.search.retrieval import Retriever

log = logging.getLogger(__name__)

#: Least share of a sentence's content that a cited passage must contain (see module doc).
MIN_SUPPORT = 0.35
#: Fewer checkable units than this (e.g. "已批准": two bigrams) cannot show support at all.
MIN_UNITS = 3
#: Extractive routes whose answer stands without asking the model (see the module doc).
DEFER_ROUTES = frozenset({"field", "abstain", "enumeration"})

_KEYS = r"[\[【［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】］]"
_MARKER = re.compile(_KEYS)
# A sentence ends at Chinese/ASCII end punctuation (a period only before a space or the end,
# and not after a lone list digit "1."), taking closing quotes and trailing [n] markers along.
_END = re.compile(
    r"(?:……|[。！？；!?;]|(?<!\b\d)\.(?=\s|$))[”’」』）)\"']*(?:[ \t]*" + _KEYS + r")*|\n+"
)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+(?=[。，；：！？.,;:!?])")
_CJK = re.compile(r"[\u3400-\u9fff]")
# "…55%。 [1]" → "…55%。[1]": no space between Chinese text or punctuation and a marker.
_SPACE_BEFORE_MARKER = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])[ \t]+(?=[\[【［]\s*\d)"
)
_TRAILING_PUNCT = re.compile(r"(?:……|[。！？；!?;.])?[”’」』）)\"']*\s*$")


class Answerer(Protocol):
    """What the fallback must offer (the extractive answerer does)."""

    def answer(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> Answer: ...


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's reply and the keys it cites, in order of appearance."""

    text: str
    keys: tuple[int, ...]
    newline: bool = False  # a line break followed it in the reply


def split_claims(reply: str) -> list[Claim]:
    """The sentences of a model reply, each with the `[n]` keys written in or right after it."""
    claims: list[Claim] = []
    pos = 0
    bounds = [(m.end(), m.group(0).startswith("\n")) for m in _END.finditer(reply)]
    for end, is_break in [*bounds, (len(reply), False)]:
        text = reply[pos:end].strip()
        pos = end
        if not text:
            if is_break and claims:
                claims[-1] = Claim(claims[-1].text, claims[-1].keys, True)
            continue
        keys = [n for m in _MARKER.finditer(text) for n in _keys_in(m)]
        claims.append(Claim(text, tuple(dict.fromkeys(keys)), is_break))
    return claims


def inherit_keys(claims: Sequence[Claim]) -> list[Claim]:
    """Claims where a sentence without keys takes those of the next cited sentence of its
    paragraph (small models often cite once, at a paragraph's end: "甲。乙。[1][2]").

    The keys are only a candidate: the support check still judges each sentence on its own.
    A line break ends a paragraph; sentences after the last cited one keep no keys.
    """
    out = list(claims)
    pending: list[int] = []
    for i, claim in enumerate(out):
        if claim.keys:
            for j in pending:
                out[j] = Claim(out[j].text, claim.keys, out[j].newline)
            pending = []
        else:
            pending.append(i)
        if claim.newline:
            pending = []
    return out


def strip_markers(text: str) -> str:
    """`text` without its `[n]` markers."""
    return _SPACE_BEFORE_PUNCT.sub("", _MARKER.sub("", text)).strip()


def support(sentence: str, passage: str, glossary: Sequence[tuple[str, list[str]]] = ()) -> float:
    """How much of `sentence`'s content `passage` contains, 0..1 (see the module doc).

    Args:
        sentence: A claim without markers.
        passage: The cited passage's text.
        glossary: (english phrase, Chinese renderings) pairs, longest first, for English claims.
    """
    if _numbers(sentence) - _numbers(passage):
        return 0.0  # a number the passage does not state is invented, however close the wording
    if not is_english(sentence) or not glossary:
        q = grams(sentence)
        return len(q & grams(passage)) / len(q) if len(q) >= MIN_UNITS else 0.0
    # Latin bigrams cannot be checked against a Chinese letter: numbers and Chinese bigrams can.
    passage_grams = grams(passage)
    units = [g in passage_grams for g in grams(sentence) if g.isdigit() or _CJK.search(g)]
    norm = normalize(passage)
    low = " " + re.sub(r"[^a-z0-9]+", " ", sentence.lower()) + " "
    for phrase, terms in glossary:
        if f" {phrase} " in low:
            units.append(any(normalize(t) in norm for t in terms))
            low = low.replace(f" {phrase} ", " ")
    return sum(units) / len(units) if len(units) >= MIN_UNITS else 0.0


def _numbers(text: str) -> set[str]:
    """The whole numbers in `text`, leading zeros dropped (07 and 7 are one number)."""
    return {str(int(n)) for n in re.findall(r"\d+", normalize(text))}


class LLMAnswerer:
    """Answers with a chat model, keeping only sentences its cited passages support."""

    def __init__(
        self,
        retriever: Retriever,
        chat_model: BaseChatModel,
        fallback: Answerer,
        k: int = 8,
        min_support: float = MIN_SUPPORT,
        defer_routes: Collection[str] = DEFER_ROUTES,
    ) -> None:
        """Wire the answerer.

        Args:
            retriever: Finds the passages.
            chat_model: Any langchain-core chat model (see `rag.answer.generators.make_chat_model`).
            fallback: Answers first, and whenever the model's reply has nothing verifiable
                (the extractive answerer).
            k: Passages given to the model.
            min_support: Least `support()` a cited passage must give a sentence.
            defer_routes: Routes of the fallback's answer that stand without the model.
        """
        self.retriever = retriever
        self.chat_model = chat_model
        self.fallback = fallback
        self.k = k
        self.min_support = min_support
        self.defer_routes = frozenset(defer_routes)
        lexicon = getattr(getattr(retriever, "tokenizer", None), "lexicon", None)
        self._glossary: Sequence[tuple[str, list[str]]] = getattr(lexicon, "glossary", ())

    def hits(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> list[Hit]:
        """The passages for the prompt, restricted to `focus_letters` (a follow-up's letters)
        when given, without `exclude_letters` ("anything else?")."""
        return self.retriever.search(
            question,
            self.k,
            filters,
            only_letters=focus_letters or None,
            exclude_letters=exclude_letters,
        )

    def messages(self, question: str, hits: Sequence[Hit]) -> list[tuple[str, str]]:
        """The chat messages for `question` over `hits` (keys are 1-based hit positions)."""
        passages = [
            PromptPassage(
                i,
                h.chunk.text,
                h.letter.fields.title,
                h.letter.fields.agency,
                h.letter.fields.doc_number,
                h.letter.fields.date,
            )
            for i, h in enumerate(hits, 1)
        ]
        return build_prompt(question, passages)

    def answer(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> Answer:
        """A verified LLM answer to `question`, or the fallback's answer."""
        base = self.fallback.answer(question, filters, focus_letters, exclude_letters)
        if base.route in self.defer_routes:
            return base
        hits = self.hits(question, filters, focus_letters, exclude_letters)
        reply = None
        if hits:
            try:
                reply = message_text(self.chat_model.invoke(self.messages(question, hits)).content)
            except Exception as e:  # the model is optional: any failure of its service falls back
                log.warning(
                    "chat model failed (%s: %s); using the extractive answer", type(e).__name__, e
                )
        return self._finish(question, hits, reply, base)

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        focus_letters: Sequence[str] = (),
        exclude_letters: Sequence[str] = (),
    ) -> Iterator[StreamEvent]:
        """`delta` events as the model writes, then one `answer` event with the verified answer.

        The final answer's text replaces the streamed text (see the module doc). An answer
        that the fallback gives alone (`defer_routes`) comes as the one `answer` event.
        """
        base = self.fallback.answer(question, filters, focus_letters, exclude_letters)
        if base.route in self.defer_routes:
            yield StreamEvent("answer", answer=base)
            return
        hits = self.hits(question, filters, focus_letters, exclude_letters)
        reply = None
        if hits:
            pieces: list[str] = []
            try:
                for chunk in self.chat_model.stream(self.messages(question, hits)):
                    piece = message_text(chunk.content)
                    if piece:
                        pieces.append(piece)
                        yield StreamEvent("delta", text=piece)
                reply = "".join(pieces)
            except Exception as e:  # as in `answer`: a failing model falls back
                log.warning(
                    "chat model failed (%s: %s); using the extractive answer", type(e).__name__, e
                )
        yield StreamEvent("answer", answer=self._finish(question, hits, reply, base))

    def _finish(
        self, question: str, hits: Sequence[Hit], reply: str | None, base: Answer
    ) -> Answer:
        result = self.check(question, hits, reply) if reply else None
        return base if result is None else result

    def check(self, question: str, hits: Sequence[Hit], reply: str) -> Answer | None:
        """The verified answer made of `reply`'s supported sentences, or None if none is left.

        Args:
            question: The question asked.
            hits: The passages the model saw; key n is `hits[n - 1]`.
            reply: The model's raw reply.
        """
        reply = _THINK.sub("", reply).strip()
        if not reply or NOT_IN_LETTERS in reply:
            return None
        cards = [_source(h) + "\n" + h.chunk.text for h in hits]
        english = is_english(question)
        numbering: dict[tuple[str, int, int], int] = {}  # quote span -> new key, first use first
        citations: list[Citation] = []
        parts: list[str] = []
        for claim in inherit_keys(split_claims(reply)):
            plain = strip_markers(claim.text)
            kept = self._supported(plain, claim.keys, cards)
            if not kept:
                continue
            new_keys: dict[int, int] = {}
            for n in kept:
                hit = hits[n - 1]
                s, e, _ = best_span(hit.letter, hit.chunk.start, hit.chunk.end, plain)
                span = (hit.letter.id, s, e)
                if span not in numbering:
                    numbering[span] = len(numbering) + 1
                    citations.append(Citation.of(numbering[span], hit.letter, s, e))
                new_keys[n] = numbering[span]
            if _MARKER.search(claim.text):
                text = _renumber(claim.text, new_keys)
            else:  # keys inherited from a later sentence: mark them here, before the full stop
                marks = "".join(f"[{new_keys[n]}]" for n in kept)
                m = _TRAILING_PUNCT.search(claim.text)
                cut = m.start() if m else len(claim.text)
                text = claim.text[:cut] + marks + claim.text[cut:]
            text = _SPACE_BEFORE_MARKER.sub("", _SPACE_BEFORE_PUNCT.sub("", text))
            sep = "\n" if claim.newline else (" " if english else "")
            parts.append(text + sep)
        if not citations:
            return None
        verify(citations, {h.letter.id: h.letter for h in hits})
        return Answer(question, "".join(parts).strip(), tuple(citations), True, route="llm")

    def _supported(self, plain: str, keys: Sequence[int], cards: Sequence[str]) -> list[int]:
        """The keys (in context) whose passages support `plain`; empty if none does."""
        valid = [n for n in keys if 1 <= n <= len(cards)]
        if not valid or not plain:
            return []
        scores = {n: support(plain, cards[n - 1], self._glossary) for n in valid}
        kept = [n for n in valid if scores[n] >= self.min_support]
        if not kept and len(valid) > 1:
            # One sentence may join facts from several passages: judge them together, and keep
            # each passage that contributes something.
            joint = support(plain, "\n".join(cards[n - 1] for n in valid), self._glossary)
            if joint >= self.min_support:
                q = grams(plain)
                kept = [n for n in valid if q & grams(cards[n - 1])]
        return kept


def _keys_in(marker: re.Match[str]) -> list[int]:
    return list(dict.fromkeys(int(x) for x in re.split(r"[,，、\s]+", marker.group(1))))


def _renumber(text: str, new_keys: dict[int, int]) -> str:
    """`text` with each marker's keys mapped through `new_keys`; unmapped keys vanish."""
    return _MARKER.sub(
        lambda m: "".join(f"[{new_keys[n]}]" for n in _keys_in(m) if n in new_keys), text
    )


def _source(hit: Hit) -> str:
    """The passage's source line as the model saw it (title, agency, 文号, date)."""
    f = hit.letter.fields
    return " ".join(x for x in (f.title, f.agency, f.doc_number, f.date) if x)
