"""English renderings for English questions: numbers, dates, agency names, status words.

The letters are Chinese; an English question still gets its direct answer in English where
the fact allows it: an amount converted (3.5万 → 35,000; 1.2亿元 → 120 million yuan; 75.37万元 →
753,700 yuan), a date in ISO form (2024年7月10日 → 2024-07-10), an agency named through the
glossary with its Chinese name beside it (江津区民政局 → Jiangjin District Civil Affairs Bureau
(江津区民政局)), a status in plain words (已… → done, 将… → will be done). What cannot be
rendered faithfully stays Chinese, quoted.
"""

from __future__ import annotations

import re
from functools import cache

from rag.letters.agencies import split_place
from rag.letters.dates import parse_date
from rag.search.lexicon import default_tokenizer

_SCALE = {"万": 10_000, "亿": 100_000_000, "千": 1_000, "百": 100}
_AMOUNT = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*)\s*(?P<approx>余|多)?\s*(?P<scale>万|亿|千)?\s*(?P<unit>元|人|户|亩|吨|个|家|所|座|条|名|项|处|张|台|辆|盏|块|%|％|米|公里|平方米)?"
)
_UNITS_EN = {
    "元": "yuan", "人": "people", "户": "households", "亩": "mu", "吨": "tonnes", "%": "%", "％": "%",
    "米": "m", "公里": "km", "平方米": "m²", "盏": "lamps", "辆": "vehicles", "台": "units",
    "张": "", "个": "", "家": "", "所": "", "座": "", "条": "", "名": "", "项": "", "处": "", "块": "",
}
_LEVEL_EN = {"省": "Province", "市": "City", "区": "District", "县": "County", "镇": "Town",
             "乡": "Township", "街道": "Subdistrict", "州": "Prefecture"}
_STATUS_EN = (
    (re.compile(r"暂不|暂时不|暂无|无法|不具备|不予|不能|不符合"), "Not for now: the letter says it cannot be done at present"),
    (re.compile(r"已经?(?:完成|建成|投入使用|开通|实施|采纳|落实)|已"), "Already done or under way"),
    (re.compile(r"将|拟|计划|争取|下一步"), "Planned: the letter says it will be done"),
    (re.compile(r"正在"), "In progress"),
)


_RANGE = re.compile(r"(?P<lo>\d+(?:\.\d+)?)\s*[-~～—至到]\s*(?=\d)")


def number_en(span: str) -> str | None:
    """An amount in English figures (75.37万元 → 753,700 yuan; 2-5万元 → 20,000–50,000 yuan),
    or None if it is not one."""
    lo = _RANGE.match(span.strip())
    if lo:
        rest = span.strip()[lo.end() :]
        high = number_en(rest)
        m = _AMOUNT.search(rest)
        if high and m and m["num"]:
            low = float(lo["lo"]) * _SCALE.get(m["scale"] or "", 1)
            for word, size in ((" billion", 1e9), (" million", 1e6)):
                if word in high:
                    low /= size  # 1-2亿元 → 100–200 million yuan
                    break
            text = f"{int(low):,}" if low == int(low) else f"{low:,.6g}"
            return f"{text}–{high}"
    m = _AMOUNT.search(span)
    if not m or not m["num"]:
        return None
    try:
        value = float(m["num"].replace(",", ""))
    except ValueError:
        return None
    value *= _SCALE.get(m["scale"] or "", 1)
    unit = _UNITS_EN.get(m["unit"] or "", "")
    if value >= 1_000_000_000 and m["scale"]:
        text = f"{value / 1e9:,.6g} billion"
    elif value >= 1_000_000 and m["scale"]:
        text = f"{value / 1e6:,.6g} million"
    elif value == int(value):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.6g}"
    approx = "more than " if m["approx"] else ""
    return f"{approx}{text}{'' if unit in ('', '%') else ' '}{unit}".strip()


def date_en(span: str) -> str | None:
    """A date in ISO form (2024年7月10日 → 2024-07-10), or None."""
    return parse_date(span)


@cache
def _reverse_glossary() -> dict[str, str]:
    """Chinese term → its English glossary phrase (the first phrase that lists it)."""
    out: dict[str, str] = {}
    for phrase, terms in default_tokenizer().lexicon.glossary:
        for term in terms:
            out.setdefault(term, phrase)
    return out


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).capitalize()


def agency_en(name: str) -> str:
    """An agency's English name with the Chinese beside it, as far as the glossary knows it."""
    places, core = split_place(name)
    words = []
    for place in places:
        level = "街道" if place.endswith("街道") else place[-1]
        stem = place[: -len(level)] if place.endswith(level) and len(place) > len(level) else place
        if len(stem) >= 1 and stem != place and level in _LEVEL_EN:
            words.append(f"{_pinyin(stem)} {_LEVEL_EN[level]}")
    core_en = _reverse_glossary().get(core)
    if core_en is None:
        return name
    words.append(" ".join(w.capitalize() if w not in ("and", "of", "for") else w for w in core_en.split()))
    return f"{' '.join(words)} ({name})"


def status_en(clause: str) -> str | None:
    """The letter's status words in plain English, or None if the clause has none."""
    for pattern, text in _STATUS_EN:
        if pattern.search(clause):
            return text
    return None
