"""Quotes: the exact sentence(s) of a passage that support a claim or answer a question.

An answer cites a sentence or two, not a whole chunk, so a reader sees at once why it is
cited. Sentences are found inside a chunk's span of the letter text (offsets stay
exact); each is scored by how many of the query's content tokens (characters bigrams,
which work for Chinese without a segmenter and for numbers) it contains.
`verify` is the last gate before a citation leaves the library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag.errors import ReplyQAError
from rag.search.lexicon import STOPWORDS, normalize
from rag.types import Citation, Letter

_SENT_END = re.compile(r"(?:……|[。！？；!?;])[”’」』）)\]】]*|\n")
MAX_QUOTE = 150
_STOP_CHARS = set(
    "的了和与及或是在对为将把被由从向于以等并也都而就其这那之着给让有个中上下我你您他她它们吗呢吧啊请问哪些什么怎么如何是否多少谁"
)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentence spans of `text[start:end]`, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    out, pos = [], start
    bounds = [m.end() for m in _SENT_END.finditer(text, start, end)] + [end]
    for b in bounds:
        s, e = pos, b
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Sentence(s, e, text[s:e]))
        pos = b
    return out


def grams(text: str) -> set[str]:
    """Character bigrams (and whole numbers) of the content of `text`, normalised."""
    norm = normalize(text)
    chars = [c for c in norm if c.isalnum() and c not in _STOP_CHARS]
    out = {a + b for a, b in zip(chars, chars[1:], strict=False)}
    out |= set(re.findall(r"\d+", norm))
    out |= {w for w in re.findall(r"[a-z]{3,}", norm) if w not in STOPWORDS}
    return out


def overlap(query: set[str], text: str) -> float:
    """Share of the query's grams found in `text` (0 when the query has none)."""
    return covered(query, grams(text))


def covered(query: set[str], have: set[str]) -> float:
    """Share of the query's grams among `have` (grams already computed), 0 for an empty query."""
    return len(query & have) / len(query) if query else 0.0


def best_span(
    letter: Letter,
    start: int,
    end: int,
    query: str,
    max_chars: int = MAX_QUOTE,
    max_sentences: int = 2,
) -> tuple[int, int, float]:
    """The best 1–2 adjacent sentences of `letter.text[start:end]` for `query`.

    Returns:
        (start, end, score): an exact span of the letter text and its overlap score.
    """
    sents = sentences(letter.text, start, end)
    if not sents:
        return start, end, 0.0
    q = grams(query)
    best = (sents[0].start, sents[0].end, -1.0)
    for i, first in enumerate(sents):
        for j in range(i, min(i + max_sentences, len(sents))):
            s, e = first.start, sents[j].end
            if j > i and e - s > max_chars:
                break
            score = overlap(q, letter.text[s:e]) - (0.001 * (j - i))  # prefer one sentence on a tie
            if score > best[2]:
                best = (s, e, score)
    s, e, score = best
    # A bare heading-like sentence ("一是完善人才政策。") reads better with the one after it.
    nxt = next((x for x in sents if x.start >= e), None)
    if e - s < 30 and nxt is not None and nxt.end - s <= max_chars:
        e = nxt.end
    if e - s > max_chars * 2:  # one very long sentence: cut at a clause boundary near the match
        e = _clause_cut(letter.text, s, e, max_chars * 2)
    return s, e, max(score, 0.0)


def _clause_cut(text: str, start: int, end: int, limit: int) -> int:
    cut = None
    for m in re.finditer(r"[，,、：:]", text[start : start + limit]):
        cut = start + m.end() - 1
    return cut if cut and cut > start + limit // 3 else start + limit


def verify(citations: Iterable[Citation], letters: dict[str, Letter]) -> None:
    """Raise unless every quote is exactly the letter text at its offsets."""
    for c in citations:
        letter = letters.get(c.letter_id)
        if letter is None or letter.text[c.start : c.end] != c.quote or not c.quote:
            raise CitationError(
                f"citation [{c.key}] does not match letter {c.letter_id} at {c.start}:{c.end}"
            )


class CitationError(ReplyQAError):
    """A citation's quote is not the letter's text at its offsets (a bug, never shown)."""
