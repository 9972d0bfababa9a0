"""Comparisons across letters: "A那件跟B那件哪个答复得早", "A和B都要新建校舍，哪个规划的面积更大".

A comparing question names two things, each its own letter, and asks which is earlier, later,
larger or smaller. It is answered as two questions — each thing with the compared quantity
asked of it (its date; the amount the comparison names) — and the two values the answers
state are then set side by side in a line of their own that says which one is, citing both.
Nothing is compared that the letters do not state: a value missing on either side leaves the
two answers as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.compose import date_zh
from rag.answer.spans import asked_unit
from rag.letters.dates import CJK_DATE, ISO_DATE, parse_date

# The comparing ask at the end of a question: 哪个答复得早, 谁先答复的, 哪个规划的面积更大.
_COMPARING = re.compile(
    r"(?:哪个|哪一个|哪封|哪份|哪件|哪家|哪边|谁)(?P<what>[^，,。？?；;]{0,14}?)"
    r"(?:更|比较|较)?(?P<adj>早|晚|先|后|迟|多|少|大|小|高|低|长|短)"
    r"(?P<rest>[^，,。？?；;]{0,6}?)(?:一些|一点|些)?[的呢啊呀吗]?[？?]?\s*$"
)
# A date comparison (早/先/晚/后) asks when each letter replied; other adjectives a quantity.
_EARLIER = frozenset("早先")
_LATER = frozenset("晚后迟")
_MORE = frozenset("多大高长")
# Two things joined in one clause (A和B都要…, A跟B…).
_JOIN = re.compile(r"(?P<a>[^，,。？?；;和跟与同及]{2,30}?)(?:和|跟|与|同|及|以及)(?P<b>[^，,。？?；;]{2,60})")
_LEAD = re.compile(r"^(?:跟|和|与|同|及|以及|还有)")
_BOTH = re.compile(r"^(?:都要|都在|都|均|两个都|二者都)")
_CLAUSE = re.compile(r"[，,；;]+")
# A number with its unit, as a letter writes an amount (4288平方米, 1070万元, 3.5亿元).
_AMOUNT = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<x>万|亿|千)?\s*(?P<u>平方米|平方公里|公里|千米|米|亩|元|人|户|个|所|座|辆|台|张|名|间|栋|吨|%|％)"
)
_SCALE = {"千": 1e3, "万": 1e4, "亿": 1e8}


@dataclass(frozen=True)
class Comparison:
    """Two things compared and what is compared of them."""

    items: tuple[str, str]
    ask: str  # the question put to each item: 是哪天答复的 / 规划的面积是多少
    dates: bool  # a comparison of when each replied
    adj: str  # the adjective asked (早, 大 …)


def read_comparison(question: str) -> Comparison | None:
    """The comparison `question` asks for, if it names two things and asks which is more."""
    m = _COMPARING.search(question)
    if m is None:
        return None
    head = question[: m.start()].strip(" ，,；;")
    what = (m["what"] + m["rest"]).strip()
    adj = m["adj"]
    dates = adj in _EARLIER or adj in _LATER
    if not dates and not re.search(r"[\u4e00-\u9fff]{2}", what):
        return None  # 哪个更大 with nothing named to measure
    clauses = [c for c in _CLAUSE.split(head) if c.strip()]
    items: list[str] = []
    if len(clauses) >= 2:
        items = [_LEAD.sub("", c.strip()) for c in clauses[-2:]]
    elif clauses:
        j = _JOIN.search(clauses[0])
        if j is None:
            return None
        a, b = j["a"].strip(), j["b"].strip()
        # A shared predicate after the second thing (…东塘中学都要新建校舍) goes with both.
        tail = ""
        for cut in range(len(b)):
            if _BOTH.match(b[cut:]):
                b, tail = b[:cut], _BOTH.sub("", b[cut:])
                break
        items = [f"{a}{tail}", f"{b}{tail}"]
    if len(items) != 2 or not all(len(i) >= 2 for i in items):
        return None
    ask = "是哪天答复的" if dates else f"{what}是多少"
    return Comparison((items[0], items[1]), ask, dates, adj)


def stated_value(comparison: Comparison, text: str) -> tuple[float, str, str] | None:
    """The compared value a sub-answer states first: (sortable value, unit, as written)."""
    if comparison.dates:
        for pattern in (CJK_DATE, ISO_DATE):
            m = pattern.search(text)
            if m:
                iso = parse_date(m.group())
                if iso:
                    return float(iso.replace("-", "")), "date", date_zh(iso)
        return None
    # The amount in the unit the comparison asks for (面积 → 平方米), else the first one.
    asked = asked_unit(comparison.ask)
    found = list(_AMOUNT.finditer(text))
    if asked is not None:
        found = [m for m in found if asked[0].search(m.group())] or ([] if asked[1] else found)
    if not found:
        return None
    m = found[0]
    value = float(m["n"]) * _SCALE.get(m["x"] or "", 1.0)
    return value, m["u"], m.group()


def verdict(comparison: Comparison, values: list[tuple[float, str, str]], names: list[str]) -> str | None:
    """The line that says which of the two is earlier or more, or None if the values do not
    compare (another unit, or equal)."""
    (va, ua, ta), (vb, ub, tb) = values
    if ua != ub or va == vb:
        return None
    adj = comparison.adj
    shown = [ta, tb]
    if comparison.dates:
        first = 0 if va < vb else 1
        winner = first if adj in _EARLIER else 1 - first
        other = 1 - winner
        word = "早于" if adj in _EARLIER else "晚于"
        return f"{names[winner]}的答复（{shown[winner]}）{word}{names[other]}的答复（{shown[other]}）。"
    bigger = 0 if va > vb else 1
    winner = bigger if adj in _MORE else 1 - bigger
    other = 1 - winner
    return f"{names[winner]}（{shown[winner]}）比{names[other]}（{shown[other]}）{adj}。"
