"""Choosing the sentences that answer a question, among the passages retrieval found.

Each sentence scores its overlap with the question (synonyms included, `rag.answer.quotes.grams`)
plus small bonuses: it has what the question asks for (a number for 多少, a time for 几点,
a plan for 打算, a responsible party for 谁负责 …), it comes from the best passage's letter,
it holds one of the topic's key terms. Sentences that only acknowledge the suggestion
("您提出的《…》收悉，现答复如下") score half unless the question asks what was suggested.

A question with several parts ("有多少床位？改建面临什么问题？", "城管局和公安交警分别采取了
什么措施？") gets the best sentence for each part as well as the best overall, so one part
cannot crowd out the others. Near-duplicate sentences are quoted once; adjacent chosen
sentences of one letter merge into one quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.quotes import MAX_QUOTE, covered, grams, sentences
from rag.search.lexicon import normalize
from rag.types import Hit, Letter

# (what the question asks, what an answering sentence contains, bonus)
ANSWER_CUES = (
    (
        re.compile(r"多少|几个|几所|几家|几块|几盏|数量|规模|面积|产量|how (?:many|much)", re.I),
        re.compile(r"\d|[一二三四五六七八九十两百千万]+(?:个|所|家|块|盏|座|条|名|人|项|处)"),
        0.1,
    ),
    (
        re.compile(r"几点|什么时间|几时|开关时间|what time", re.I),
        re.compile(r"\d{1,2}(?:点|时|:\d\d)"),
        0.2,
    ),
    (
        re.compile(r"打算|计划|下一步|将如何|怎么处理|如何处理|承诺|plan|will", re.I),
        re.compile(r"将|拟|计划|下一步|准备"),
        0.1,
    ),
    (
        re.compile(r"谁负责|由谁|哪个部门负责|who is responsible", re.I),
        re.compile(r"负责|牵头|主管"),
        0.15,
    ),
    (
        re.compile(r"为什么|为何|原因|问题|困难|why", re.I),
        re.compile(r"由于|因为|因|原因|不符合|无法|不具备|未落实|困难|问题|不足"),
        0.1,
    ),
    (re.compile(r"什么时候|何时|哪年|when", re.I), re.compile(r"\d{4}年|\d+月"), 0.1),
    (
        re.compile(r"采纳|同意|答应|accept", re.I),
        re.compile(r"采纳|同意|已经?(?:实施|完成|落实)"),
        0.1,
    ),
)
# A sentence that acknowledges the suggestion or closes the letter, not an answer.
_BOILERPLATE = re.compile(
    r"收悉|现答复如下|现将[^。]{0,30}答复如下|现将办理情况|感谢您|感谢你|衷心感谢|"
    r"如有(?:意见|疑问)|对以上答复|请填写在|回执|联系人|联系电话|邮政编码"
)
# A line that is only a name or a date (the signature block), never an answer.
_SIGNATURE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}(?:局|委员会|委|厅|政府|办公室|办事处|中心|分局|管委会)$|"
    r"^[\d〇零一二三四五六七八九十○]{2,4}年[\d一二三四五六七八九十]{1,2}月[\d一二三四五六七八九十]{1,3}日$"
)
# The question asks about the suggestion itself (then its acknowledgement is the answer).
_ASKS_SUGGESTION = re.compile(
    r"什么建议|哪个建议|什么提案|哪件|建议的(?:内容|名称|标题)|what suggestion"
)
_BOILERPLATE_FACTOR = 0.5
# Two parts joined by 和/与/及 before 分别/两地/各自: "城管局和公安交警分别采取了什么措施".
_PAIR = re.compile(
    r"(?P<a>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:和|与|及|、)(?P<b>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)"
    r"(?:两地|两家|两个部门|二者|两者)?(?P<how>分别|各自|两地|两家|二者|两者)(?P<rest>.*)"
)
_CLAUSE = re.compile(r"[？?；;!！。]+")
_PART_MIN = 4
# A quote scores at least this share of the best one (0.5 → 0.4 on the dev questions:
# evidence cited 0.7995 → 0.8033, 247 → 256 citations; the quote cap stays `max_quotes`).
RELATIVE_FLOOR = 0.4
# Near-duplicates: a sentence sharing this much of its grams with one already chosen.
_DUPLICATE = 0.7


@dataclass(frozen=True)
class Pick:
    """A chosen quote: its score, letter and exact span."""

    score: float
    letter: Letter
    start: int
    end: int


def question_parts(question: str) -> list[str]:
    """The separately answerable parts of a question (empty when it has only one).

    Clauses split at question marks and semicolons; "A和B分别X" becomes "A X" and "B X".
    """
    parts: list[str] = []
    for clause in (c.strip(" ,，") for c in _CLAUSE.split(question)):
        if len(clause) < _PART_MIN:
            continue
        pieces = re.split(r"[，,]", clause)
        for i, piece in enumerate(pieces):
            m = _PAIR.search(piece)
            if m:
                context = "".join(pieces[:i])
                rest = m["rest"] if m["how"] in ("分别", "各自") else f"{m['how']}{m['rest']}"
                parts += [f"{context}{m['a']}{rest}", f"{context}{m['b']}{rest}"]
                break
        else:
            parts.append(clause)
    return parts if len(parts) >= 2 else []


def choose_sentences(
    question: str,
    query: str,
    hits: Sequence[Hit],
    *,
    max_quotes: int,
    min_overlap: float,
    key_terms: Sequence[str] = (),
    by_parts: bool = True,
    synonyms: str = "",
) -> list[Pick]:
    """The sentences among `hits` that best answer `question`, best first.

    Args:
        question: The question as asked (its cues and parts are read from it).
        query: What quotes are matched against: the question plus synonyms / translations.
        hits: The passages to quote from (the first one's letter gets a small bonus).
        max_quotes: At most this many sentences (before adjacent ones merge); a question
            with several parts may use one more per extra part.
        min_overlap: A sentence must score at least this (and `RELATIVE_FLOOR` of the best).
        key_terms: Topic terms a good sentence contains (a bonus when it does).
        synonyms: Paraphrases of the query's words: a sentence matching them scores half
            as much per match, and a query with many synonyms is not diluted by them.
        by_parts: Answer each part of a many-part question (off for enumeration rows, whose
            quotes are chosen for the topic).
    """
    body = [h for h in hits if h.chunk.section != "文头"] or list(hits)
    if not body:
        return []
    q = grams(query)
    q_syn = grams(synonyms) - q
    cues = [(wanted, bonus) for pattern, wanted, bonus in ANSWER_CUES if pattern.search(question)]
    acknowledge_ok = bool(_ASKS_SUGGESTION.search(question))
    top_letter = body[0].letter.id
    scored: dict[tuple[str, int], Pick] = {}
    # Each sentence's grams, computed once (overlapping passages repeat sentences).
    have_of: dict[tuple[str, int, int], set[str]] = {}
    for h in body:
        for sent in sentences(h.letter.text, h.chunk.start, h.chunk.end):
            if len(sent.text) < 6 or _SIGNATURE.match(sent.text):
                continue
            span = (h.letter.id, sent.start, sent.end)
            have = have_of.get(span)
            if have is None:
                have = have_of[span] = grams(sent.text)
            score = (len(q & have) + 0.5 * len(q_syn & have)) / max(1, len(q))
            score += sum(bonus for wanted, bonus in cues if wanted.search(sent.text))
            score += 0.05 if h.letter.id == top_letter else 0.0
            score += 0.3 if any(t in normalize(sent.text) for t in key_terms) else 0.0
            if not acknowledge_ok and _BOILERPLATE.search(sent.text):
                # It restates the suggestion's title, so it matches any question about it.
                score *= _BOILERPLATE_FACTOR
            key = (h.letter.id, sent.start)
            if key not in scored or scored[key].score < score:
                scored[key] = Pick(score, h.letter, sent.start, sent.end)
    ranked = sorted(scored.values(), key=lambda p: (-p.score, p.letter.id, p.start))
    if not ranked:
        return []
    floor = max(min_overlap, ranked[0].score * RELATIVE_FLOOR)
    parts = question_parts(question) if by_parts else []
    chosen: list[Pick] = []
    seen: list[set[str]] = []

    def take(pick: Pick) -> None:
        g = have_of[(pick.letter.id, pick.start, pick.end)]
        if any(len(g & other) > _DUPLICATE * max(1, min(len(g), len(other))) for other in seen):
            return
        chosen.append(pick)
        seen.append(g)

    # Each part's best sentence first (scored on the part, the whole question breaking ties).
    for part in parts:
        pq = grams(part)
        best = max(
            ranked,
            key=lambda p: (
                covered(pq, have_of[(p.letter.id, p.start, p.end)]) + 0.3 * p.score,
                -p.start,
            ),
        )
        if best.score >= floor * 0.5 and best not in chosen:
            take(best)
    limit = max_quotes + max(0, len(parts) - 1)
    for pick in ranked:
        if len(chosen) >= limit or pick.score < floor:
            break
        if pick not in chosen:
            take(pick)
    return _merge(chosen)


def _merge(chosen: list[Pick]) -> list[Pick]:
    """Adjacent sentences of one letter become one quote (up to `MAX_QUOTE`); best first."""
    merged: list[Pick] = []
    for pick in sorted(chosen, key=lambda p: (p.letter.id, p.start)):
        prev = merged[-1] if merged else None
        gap = (
            pick.letter.text[prev.end : pick.start]
            if prev and prev.letter.id == pick.letter.id and prev.end <= pick.start
            else None
        )
        if prev and gap is not None and not gap.strip() and pick.end - prev.start <= MAX_QUOTE:
            merged[-1] = Pick(max(prev.score, pick.score), pick.letter, prev.start, pick.end)
        else:
            merged.append(pick)
    merged.sort(key=lambda p: -p.score)
    return merged
