"""Second retrieval hop: a later clause that refers back to what an earlier one asks for.

"渝中区市场监管局提到的“258集市”在哪个街道？该街道自己还答复过什么建议？" needs two searches:
the first clause finds the passage that names the street (石油路街道258集市); the second,
with 该街道 replaced by that name, finds the street's own letter. Neither search alone reaches
both, and the second clause cannot be searched until the first is answered.

`split_reference` finds such a question (a later clause with 该/这个/此 + a kind of body or
place); `bridge_entity` reads the name from the first clause's top passages — the mention of
that kind closest to what the first clause names, most of all to a term it quotes; `merge`
puts the passage that names the bridge first, then alternates the two hops' rankings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import rjieba

from rag.search.query import agency_spans
from rag.types import Hit

if TYPE_CHECKING:
    from index.folder import LetterIndex
    from rag.search.lexicon import Tokenizer

# The kinds a later clause may refer back to, and what a name of that kind ends with. Letters
# themselves (该建议/该复函) are not here: a conversation's "this letter" is another mechanism.
_PLACE_KINDS = {
    "街道": ("街道",),
    "镇": ("镇",),
    "乡": ("乡",),
    "乡镇": ("镇", "乡"),
    "社区": ("社区",),
    "村": ("村",),
    "区": ("区",),
    "县": ("县",),
    "园区": ("园区",),
}
_AGENCY_KINDS = ("部门", "单位", "机关", "局", "委", "委员会", "办", "中心")
_KINDS = sorted([*_PLACE_KINDS, *_AGENCY_KINDS], key=len, reverse=True)
_REFERENCE = re.compile(r"(?:该|这个|那个|这一|此|上述)(" + "|".join(_KINDS) + ")")
# The first clause must ask for one (在哪个街道, 由哪个部门, 什么单位): if it names the body
# itself (市经信委答复了什么？该委还…), the reference is resolved already and needs no hop.
_ASKS_FOR = r"(?:哪|什么|何)[个一家些位级所]*(?:{})"
# English: "Which street is … in? What else has that street answered?" (the letters are
# Chinese: the reference's kind is the Chinese one, and the bridge a Chinese name).
_EN_KINDS = {
    "street office": "街道",
    "street": "街道",
    "subdistrict": "街道",
    "township": "乡镇",
    "town": "乡镇",
    "district": "区",
    "county": "县",
    "community": "社区",
    "village": "村",
    **dict.fromkeys(("department", "agency", "bureau", "office", "unit", "commission"), "部门"),
}
_EN_WORDS = "|".join(sorted(_EN_KINDS, key=len, reverse=True))
_REFERENCE_EN = re.compile(rf"\b(?:that|this|the same|the said|said)\s+({_EN_WORDS})\b", re.I)
_ASKS_FOR_EN = r"\b(?:which|what)\s+(?:[a-z]+\s+){{0,2}}?(?:{})\b"
_CLAUSE_END = re.compile(r"[？?。；;！!]|\.(?=\s)")
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,30})[”\"」』》]")
# A name's CJK run ends at punctuation or a digit; the words up to the last function word
# in it lead into the name and are cut off (分别/为/解放碑 → 解放碑), by words, so a name that
# holds such a character stays whole (和平路, 为民).
_NAME_RUN = re.compile(r"[\u4e00-\u9fff]{1,12}$")
_LEAD_INS = frozenset(
    "分别为 分别是 分别 包括 其中 位于 例如 比如 以及 和 与 及 为 是 在 由 对 向 经 将 把 从 的 等".split()
)
# How far (in characters) a mention may sit from the clause's terms and still be its answer.
MAX_GAP = 30


@dataclass(frozen=True)
class Reference:
    """A question whose later clause refers back to an entity its first clause asks for."""

    first: str  # the clauses before the reference
    rest: str  # the clause with the reference, and any after it
    kind: str  # 街道, 部门 …
    span: tuple[int, int]  # where the reference (该街道) sits in `rest`

    def resolved(self, name: str) -> str:
        """`rest` with the reference replaced by `name`."""
        a, b = self.span
        return self.rest[:a] + name + self.rest[b:]


def split_reference(question: str) -> Reference | None:
    """The question split before the first later clause that refers back to a body or place
    an earlier clause asks for (None when none does)."""
    chinese = [(m, m.group(1)) for m in _REFERENCE.finditer(question)]
    english = [(m, _EN_KINDS[m.group(1).lower()]) for m in _REFERENCE_EN.finditer(question)]
    for m, kind in sorted(chinese + english, key=lambda t: t[0].start()):
        ends = [e.end() for e in _CLAUSE_END.finditer(question, 0, m.start())]
        if not ends:
            continue  # the reference is in the first clause: nothing earlier to resolve it
        cut = ends[-1]
        first = question[:cut].strip()
        family = _PLACE_KINDS[kind] + (kind,) if kind in _PLACE_KINDS else _AGENCY_KINDS
        words = [w for w, k in _EN_KINDS.items() if k in family or k == kind]
        if not (
            re.search(_ASKS_FOR.format("|".join(family)), first)
            or re.search(_ASKS_FOR_EN.format("|".join(words)), first, re.I)
        ):
            continue
        rest = question[cut:]
        lead = len(rest) - len(rest.lstrip())
        return Reference(
            first=first,
            rest=rest.strip(),
            kind=kind,
            span=(m.start() - cut - lead, m.end() - cut - lead),
        )
    return None


def strip_kind(name: str, kind: str) -> str:
    """A name without the word for its kind (石油路街道 → 石油路), unless nothing would remain."""
    for suffix in (kind, *_PLACE_KINDS.get(kind, ())):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _trim(run: str) -> str:
    """A name without the words that lead into it (分别为解放碑 → 解放碑)."""
    words = rjieba.cut(run)
    last = max((i for i, w in enumerate(words) if w in _LEAD_INS), default=-1)
    return "".join(words[last + 1 :])


def mentions(text: str, kind: str) -> list[tuple[str, int, int]]:
    """Names of `kind` written in `text`, with their spans."""
    out: list[tuple[str, int, int]] = []
    if kind in _PLACE_KINDS:
        for suffix in _PLACE_KINDS[kind]:
            for m in re.finditer(re.escape(suffix), text):
                run = _NAME_RUN.search(text, 0, m.start())
                name = _trim(run.group()) if run else ""
                if len(name) >= 2:
                    out.append((name + suffix, m.start() - len(name), m.end()))
    else:
        out = agency_spans(text)
    return out


def _terms(first: str, tokens: Callable[[str], list[str]], kind: str) -> list[str]:
    """What the first clause asks about: its quoted terms if any, else its topic tokens but
    those of the agencies it names (they say which letter to read, not where in it)."""
    quoted = _QUOTED.findall(first)
    if quoted:
        return quoted
    agencies = "".join(name for name, _, _ in agency_spans(first))
    return [
        t
        for t in dict.fromkeys(tokens(first))
        if len(t) >= 2 and t not in kind and t not in agencies
    ]


def _gap(span: tuple[int, int], text: str, terms: Sequence[str]) -> int | None:
    """Characters between a mention and the nearest occurrence of a term (None: no term)."""
    best = None
    for term in terms:
        for m in re.finditer(re.escape(term), text):
            gap = max(m.start() - span[1], span[0] - m.end(), 0)
            best = gap if best is None else min(best, gap)
    return best


def bridge_entity(
    ref: Reference,
    hits: Sequence[Hit],
    tokens: Callable[[str], list[str]],
    depth: int = 5,
) -> tuple[str, Hit] | None:
    """The name the reference stands for, and the passage naming it (None when unsure).

    Among mentions of the reference's kind in the first clause's top `depth` passages, the
    one nearest a term of the first clause wins (ties: the better-ranked passage); a name the
    question already spells out is not the answer to it, and one more than `MAX_GAP`
    characters from every term is not trusted.
    """
    terms = _terms(ref.first, tokens, ref.kind)
    if not terms:
        return None
    best: tuple[int, int, str, Hit] | None = None
    for rank, hit in enumerate(hits[:depth]):
        text = hit.chunk.text
        for name, start, end in mentions(text, ref.kind):
            if name in ref.first or name in ref.rest:
                continue
            gap = _gap((start, end), text, terms)
            if gap is None or gap > MAX_GAP:
                continue
            if best is None or (gap, rank) < best[:2]:
                best = (gap, rank, name, hit)
    return None if best is None else (best[2], best[3])


@dataclass(frozen=True)
class Bridge:
    """A resolved reference: the name it stands for and where the first hop found it."""

    ref: Reference
    name: str
    passage: Hit  # the first clause's passage that names the bridge
    first: list[Hit]  # the first clause's hits
    letters: frozenset[str]  # the letters that name the bridge (where the second hop looks)

    @property
    def elsewhere(self) -> frozenset[str]:
        """The letters that name the bridge, other than the one the first hop found it in."""
        return self.letters - {self.passage.letter.id}


# Passages read to confirm they spell a name out; beyond this many, holding its tokens will do.
MAX_CONFIRM = 5000


def letters_naming(index: LetterIndex, tokenizer: Tokenizer, name: str) -> frozenset[str]:
    """Letters with a passage that writes `name`: the passages holding every token of it (read
    off the BM25 columns), confirmed in their text unless there are very many (石油 … 路 is
    not 石油路)."""
    tokens = list(dict.fromkeys(tokenizer.tokenize(name)))
    if index.bm25 is None or not tokens:
        return frozenset()
    present = np.ones(index.bm25.n_docs, dtype=bool)
    for token in tokens:
        present &= index.bm25.scores([token]) > 0
    chunks = [index.chunks[int(row)] for row in np.flatnonzero(present)]
    if len(chunks) <= MAX_CONFIRM:
        chunks = [c for c in chunks if name in c.text]
    return frozenset(c.letter_id for c in chunks)


def resolve(
    question: str,
    search: Callable[[str], list[Hit]],
    index: LetterIndex,
    tokenizer: Tokenizer,
) -> Bridge | None:
    """The bridge of a two-hop question, found by searching its first clause with `search`
    (None when the question has no reference back, or the first hop names no bridge)."""
    ref = split_reference(question)
    if ref is None:
        return None
    first = search(ref.first)
    found = bridge_entity(ref, first, tokenizer.query_tokens)
    if found is None:
        return None
    name, passage = found
    letters = letters_naming(index, tokenizer, strip_kind(name, ref.kind))
    return Bridge(ref, name, passage, first, letters)


def merge(bridge: Hit, second: Sequence[Hit], first: Sequence[Hit], k: int) -> list[Hit]:
    """The bridging passage, then the second hop's and the first hop's hits alternately.

    Scores are capped by the score above them, so they fall with the rank as in one hop.
    """
    order = [bridge]
    for i in range(max(len(second), len(first))):
        order += [hits[i] for hits in (second, first) if i < len(hits)]
    seen: set[str] = set()
    out: list[Hit] = []
    for hit in order:
        if hit.chunk.id not in seen and len(out) < k:
            seen.add(hit.chunk.id)
            score = min(hit.score, out[-1].score) if out else hit.score
            out.append(replace(hit, score=score, rank=len(out) + 1))
    return out
