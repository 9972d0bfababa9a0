"""Numbers in any script, as one value token: 3.5万 ↔ 35,000 ↔ 35000 ↔ "35 thousand".

A letter writes a quantity one way (3.5万人, 1.2亿元, 三千户, 35,000) and a question another
(35000人, "120 million yuan", "35 thousand"). `value_tokens` reads every number of a text
whose written form is not already its plain digits — a multiplier (万, 亿, 千, thousand,
million, billion), Chinese numerals (三千, 一万二千), a year in Chinese digits (二〇二三年),
trailing decimal zeros — and gives its value as plain digits (35000, 120000000, 3.5), the
token a number written in plain digits already is. The BM25 tokenizer calls it on the
letters' chunks and on the questions alike, so equal values meet whatever their script.
`fold_thousands` first joins the digit groups of 35,000 (so 35000 is one token, not 35 and
000).

Years and document numbers are plain digits and keep their tokens (2023, 2020〔300); a
single Chinese numeral (一, 十) or a run without a unit (一二三) is no number here (一些,
十分, 统一), nor is a run that does not read as one (十四五), nor 千 before 米/克/瓦 (千米 is
a unit).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

# 35,000 / 1,200,000.5 (ASCII commas between groups of three; 120，300 in Chinese text is a list).
_THOUSANDS = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,]|\.\d*,)")
_MULTIPLIER = {
    "万亿": 10**12,
    "千万": 10**7,
    "百万": 10**6,
    "亿": 10**8,
    "万": 10**4,
    "千": 10**3,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_UNIT_AFTER_QIAN = frozenset("米克瓦伏帕焦卡")
# Digits with a multiplier (3.5万, 1.2亿, 5千, 120 million); 千米, 千克, 千瓦 … are units.
_SCALED = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万亿|千万|百万|亿|万|千(?![米克瓦伏帕焦卡])|"
    r"(?:thousand|million|billion|trillion)\b)"
)
# A decimal written with trailing zeros (35000.00, 3.50).
_DECIMAL = re.compile(r"(?<![\d.])(\d+\.\d*?)0+(?![\d.])")
# Chinese numerals with a unit (三千, 一万二千, 十四); 百/千/万/亿 do not start one (千万 is
# also "by all means", 万一 "in case").
_CN_RUN = re.compile(r"[〇零一二两三四五六七八九十][〇零一二两三四五六七八九十百千万亿]+")
_CN_UNITS = frozenset("十百千万亿")
# A year in Chinese digits (二〇二三年).
_CN_YEAR = re.compile(r"(?<![〇零一二三四五六七八九十])([〇零一二三四五六七八九]{4})年")
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def fold_thousands(text: str) -> str:
    """`text` with the commas of grouped digits removed (35,000 → 35000)."""
    if "," not in text:
        return text
    return _THOUSANDS.sub(lambda m: m.group().replace(",", ""), text)


def plain(value: Decimal) -> str:
    """A value as plain digits, no exponent, no trailing zeros (35000, 3.5)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@cache
def _cn2an():  # type: ignore[no-untyped-def]
    import cn2an

    return cn2an


def chinese_value(run: str) -> int | None:
    """The value of Chinese numerals with a unit (三千 → 3000, 两万 → 20000), else None."""
    if not _CN_UNITS.intersection(run):
        return None
    try:
        value = _cn2an().cn2an(run.replace("两", "二"), "strict")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if value == int(value) else None


def value_tokens(text: str) -> list[str]:
    """The values of the numbers of `text` (normalised: lower case, half-width, commas folded)
    whose written form is not their plain digits, as plain digits: 3.5万 → 35000, 1.2亿 →
    120000000, 120 million → 120000000, 三千 → 3000, 二〇二三年 → 2023, 35000.00 → 35000."""
    out: list[str] = []
    taken: list[tuple[int, int]] = []
    if any(c.isdigit() for c in text):
        for m in _SCALED.finditer(text):
            try:
                out.append(plain(Decimal(m.group(1)) * _MULTIPLIER[m.group(2)]))
            except InvalidOperation:
                continue
            taken.append(m.span())
        for m in _DECIMAL.finditer(text):
            if not any(s <= m.start() < e for s, e in taken):
                out.append(plain(Decimal(m.group(1) + "0")))
    if any(c in _CN_DIGIT or c in "十两" for c in text):
        for m in _CN_YEAR.finditer(text):
            out.append("".join(str(_CN_DIGIT[c]) for c in m.group(1)))
        for m in _CN_RUN.finditer(text):
            if text[m.end() : m.end() + 1] in _UNIT_AFTER_QIAN and m.group().endswith("千"):
                continue  # 三千米: kilometres, not 3000
            value = chinese_value(m.group())
            if value is not None:
                out.append(str(value))
    return out
