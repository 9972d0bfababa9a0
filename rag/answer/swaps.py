"""Follow-ups that swap one name for another: the place, agency, year or number they name.

`swap(prev, new, …)` rewrites the previous question with the words of one kind replaced
by what the follow-up names ("那九龙坡区呢?" after "南岸区老年食堂建了多少个?" gives
"九龙坡区老年食堂建了多少个?"), and says whether the replaced words were an agency's (a
filter follows them) or stood free in the question. It also finds agency names and free
places in Chinese text (`mentions_zh`, `places_zh`) and English agency phrases
(`en_agencies`) for `rag.answer.conversation`, which decides when a follow-up is a swap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rag.letters.agencies import canonical_agency, default_table, place_of, split_place
from rag.search.lexicon import build_lexicon
from rag.search.query import Filters, agency_core

_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_PLACE = re.compile(r"([a-z]+) (district|county)", re.I)
_EN_PLACE_IN = re.compile(r"\b[A-Z][a-z]+ (?:District|County)\b")
# Characters that end a place prefix when reading an agency name leftwards (对江北区教委).
_NOT_PLACE = frozenset("对向在的和与及是由给于那这请问了就把将从，、,：: ")


@cache
def _core_re() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(default_table().canonical, key=len)[::-1])))


def mentions_zh(text: str) -> list[tuple[int, int]]:
    """Spans of agency names in Chinese text, each with the longest place prefix before it."""
    spans = []
    for m in _core_re().finditer(text):
        start = m.start()
        for s in range(m.start() - 1, max(-1, m.start() - 13), -1):
            if text[s] in _NOT_PLACE:
                break
            toks, core = split_place(text[s : m.end()])
            if core == m.group() and "".join(toks) == text[s : m.start()]:
                start = s
        spans.append((start, m.end()))
    return spans


@cache
def _glossary() -> dict[str, list[str]]:
    return dict(build_lexicon().glossary)


@cache
def en_agencies() -> tuple[re.Pattern[str], dict[str, str]]:
    """English agency phrases of the glossary (longest first) and their canonical cores."""
    known = default_table().canonical
    cores = {
        en: agency_core(zh[0]) for en, zh in _glossary().items() if split_place(zh[0])[1] in known
    }
    alternation = "|".join(re.escape(p) for p in sorted(cores, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b", re.I), cores


def is_place(name: str) -> bool:
    # 老旧小区 parses as a place, but 小区 is a residential compound, never a district.
    return (
        2 <= len(name) <= 12 and not name.endswith("小区") and place_of(name + "人民政府") == name
    )


# Where a place sits: a district and a county are one level (a follow-up swaps one for the
# other), a city and a prefecture another, a town or a street office a third.
_LEVEL = {"省": 0, "市": 1, "州": 1, "盟": 1, "区": 2, "县": 2, "旗": 2, "镇": 3, "乡": 3, "道": 3}
# Words that end in a level character but name a kind of area, not a place (老旧小区, 产业园区,
# 中心城区): questions about housing estates and parks are common, and they are never swapped.
_AREA_WORDS = (
    "小区",
    "社区",
    "园区",
    "景区",
    "城区",
    "校区",
    "片区",
    "街区",
    "辖区",
    "山区",
    "矿区",
)
# Characters a free-standing place name never contains, read leftwards from its level word:
# function words and punctuation end it, and so does a higher place's level word (重庆市|南岸区).
_PLACE_STOP = _NOT_PLACE | frozenset("市省年月日中上下里内外为有于的")


def _level(place: str) -> int:
    return _LEVEL.get(place[-1], 2)


def places_zh(text: str) -> list[tuple[int, int]]:
    """Spans of place names standing free in Chinese text (南岸区老年食堂 → 南岸区), each read
    leftwards from its level word to a stop character; 2-7 characters before the level word."""
    spans = []
    for m in re.finditer(r"(?:街道|[区县市州旗镇乡])", text):
        end, s = m.end(), m.start()
        while (
            s > 0
            and m.start() - s < 7
            and text[s - 1] not in _PLACE_STOP
            and _CJK.match(text[s - 1])
        ):
            s -= 1
        name = text[s:end]
        if m.start() - s >= 2 and not name.endswith(_AREA_WORDS) and is_place(name):
            spans.append((s, end))
    return spans


def _replace_place(prev: str, new: str) -> str | None:
    """`prev` with its free-standing place of `new`'s level replaced by `new`, or `new` put
    under a higher place it names (重庆市老年食堂 → 重庆市九龙坡区老年食堂); None if no place."""
    spans = places_zh(prev)
    same = [(s, e) for s, e in spans if _level(prev[s:e]) == _level(new)]
    if same:
        s, e = same[0]
        return prev[:s] + new + prev[e:]
    higher = [(s, e) for s, e in spans if _level(prev[s:e]) < _level(new)]
    if higher:
        e = higher[-1][1]
        return prev[:e] + new + prev[e:]
    if spans:
        s, e = spans[0]
        return prev[:s] + new + prev[e:]
    return None


# A follow-up that names only a year: 2023年 / 去年 / 2023 / last year.
_RELATIVE_YEARS = {
    "大前年": -3, "前年": -2, "去年": -1, "今年": 0, "本年": 0, "明年": 1,
    "this year": 0, "last year": -1, "next year": 1, "the year before last": -2,
}  # fmt: skip
_YEAR_ONLY = re.compile(
    r"(?:in\s+)?(?:(?P<abs>(?:19|20)\d\d)\s*年?度?|(?P<rel>大前年|前年|去年|今年|本年|明年"
    r"|this year|last year|next year|the year before last))",
    re.I,
)
# A year in the previous question (not inside a document number's 〔2020〕).
_YEAR_IN_ZH = re.compile(r"(?<![〔\[(（\d])(?:19|20)\d\d\s*年度?|大前年|前年|去年|今年|本年|明年")
_YEAR_IN_EN = re.compile(
    r"(?<![〔\[(\d])\b(?:19|20)\d\d\b|\b(?:this|last|next) year\b|\bthe year before last\b", re.I
)
# A follow-up that names only a proposal/suggestion number, and such a number in a question.
_NUMBER_ONLY = re.compile(
    r"(?:第\s*(?P<zh>[A-Za-z]{0,3}\d{1,9})\s*号|(?P<zh2>[A-Za-z]{0,3}\d{1,9})\s*号)(?P<kind>提案|建议)?"
    r"|(?P<kind_en>proposal|suggestion|motion)?\s*(?:no\.?|number|#)\s*(?P<en>[A-Za-z]{0,3}\d{1,9})"
    r"|(?P<kind_en2>proposal|suggestion|motion)\s+(?P<en2>[A-Za-z]{0,3}\d{1,9})",
    re.I,
)
_NUMBER_IN = re.compile(
    r"第\s*[A-Za-z]{0,3}\d{1,9}\s*号(?P<kind>提案|建议)?|[A-Za-z]{0,3}\d{1,9}\s*号(?P<kind2>提案|建议)"
    r"|(?P<kind_en>proposal|suggestion|motion)?\s*(?:no\.?|number|#)\s*[A-Za-z]{0,3}\d{1,9}\b"
    r"|(?P<kind_en2>proposal|suggestion|motion)\s+[A-Za-z]{0,3}\d{1,9}\b",
    re.I,
)


def _swap_year(prev: str, new: str, this_year: int) -> str | None:
    """`prev` asked of the year `new` names (absolute, or relative to `this_year`)."""
    if not (m := _YEAR_ONLY.fullmatch(new.strip())):
        return None
    year = int(m.group("abs")) if m.group("abs") else this_year + _RELATIVE_YEARS[m["rel"].lower()]
    if _CJK.search(prev):
        old = _YEAR_IN_ZH.search(prev)
        return prev[: old.start()] + f"{year}年" + prev[old.end() :] if old else f"{year}年{prev}"
    old = _YEAR_IN_EN.search(prev)
    return prev[: old.start()] + str(year) + prev[old.end() :] if old else f"In {year}: {prev}"


def _swap_number(prev: str, new: str) -> str | None:
    """`prev` asked of the proposal/suggestion number `new` names; its kind is kept unless
    `new` names one (第0123号提案 + 那第0124号呢 → 第0124号提案)."""
    if not (m := _NUMBER_ONLY.fullmatch(new.strip())) or not (old := _NUMBER_IN.search(prev)):
        return None
    number = m.group("zh") or m.group("zh2") or m.group("en") or m.group("en2")
    if m.group("zh") or m.group("zh2"):
        kind = m.group("kind") or old.group("kind") or old.group("kind2") or ""
        phrase = f"第{number}号{kind}"
    else:
        kind = m.group("kind_en") or m.group("kind_en2") or old.group("kind_en") or ""
        kind = kind or old.group("kind_en2") or ""
        phrase = f"{kind} No. {number}".strip()
    if old.group().startswith(" "):
        phrase = " " + phrase
    return prev[: old.start()] + phrase + prev[old.end() :]


@dataclass(frozen=True)
class Swap:
    """A follow-up's replacement: the new question, the rule, and the filter it implies.

    `binding` is False when the replaced words stand free in the question (a place that
    names no agency, a year, a number): the new words then change a filter only where an
    inferred one of that field was already in force, as the question typed afresh would.
    """

    text: str
    reason: str
    filters: Filters = Filters()
    binding: bool = True


def swap(prev: str, new: str, old_place: str | None, this_year: int) -> Swap | None:
    """`prev` with its agency, place, year or number replaced by `new`."""
    if (text := _swap_year(prev, new, this_year)) is not None:
        return Swap(text, "year_swap", binding=False)
    if (text := _swap_number(prev, new)) is not None:
        return Swap(text, "number_swap", binding=False)
    if not _CJK.search(new):
        if place := _EN_PLACE.fullmatch(new):
            zh = _glossary().get(place.group(1).lower())
            suffix = "区" if place.group(2).lower() == "district" else "县"
            old = _EN_PLACE_IN.search(prev)
            text = prev[: old.start()] + new + prev[old.end() :] if old else f"In {new}: {prev}"
            return Swap(text, "place_swap", Filters(place=zh[0] + suffix if zh else None), False)
        pattern, cores = en_agencies()
        if not (m := pattern.search(new)) or m.end() != len(new):
            return None
        old = pattern.search(prev)
        text = prev[: old.start()] + new + prev[old.end() :] if old else f"For the {new}: {prev}"
        return Swap(text, "agency_swap", Filters(agency=cores[m.group().lower()]))
    if is_place(new):
        if old_place and old_place in prev:
            return Swap(prev.replace(old_place, new, 1), "place_swap", Filters(place=new))
        reason, swapped = "place_swap", Filters(place=new)
    elif (canonical := canonical_agency(new)) and split_place(new)[1] in default_table().canonical:
        reason, swapped = "agency_swap", Filters(agency=agency_core(new), place=place_of(canonical))
    else:
        return None
    if not (spans := mentions_zh(prev)):
        if reason == "place_swap":
            # A place standing free in a question (南岸区老年食堂) is its own words, not an
            # agency's: the new place replaces it, or leads the question.
            return Swap(_replace_place(prev, new) or new + prev, reason, swapped, False)
        return Swap(new + prev, reason, swapped)
    s, e = spans[0]
    toks, core = split_place(prev[s:e])
    if reason == "place_swap":  # 重庆市江北区教委 → 重庆市江津区教委; 市教委 → 江津区教委
        same = [i for i, t in enumerate(toks) if _level(t) == _level(new)]
        name = "".join(toks[: same[0]]) + new + core if same else new + core
    else:
        new_toks, new_core = split_place(new)
        if any(len(t) > 1 for t in new_toks):  # the new name brings its own place
            name = new
        elif named := "".join(t for t in toks if len(t) > 1):  # 南岸区民政局 → 南岸区卫健委
            name = named + new_core
        else:  # 市教委 → 市交通局
            name = "".join(toks) + new
    return Swap(prev[:s] + name + prev[e:], reason, swapped)
