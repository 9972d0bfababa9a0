"""Where a place lies: China's provinces, cities and counties, by their codes.

A question bounds the letters by a province or a city (河南这边的提案, 云南有哪些…); a letter
names its own place at the county or district level (泌阳县卫生健康体育委员会, 个旧市). The
table `rag/data/places.tsv` (6-digit division codes: two for the province, two for the city,
two for the county) links the two: 泌阳县 is 411726, under 驻马店市 (411700) and 河南省
(410000). A name several divisions share (西湖区 in 杭州市 and 南昌市) lies in each of them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from rag.letters.agencies import short_place

TABLE = Path(__file__).parents[1] / "data" / "places.tsv"


@cache
def _codes() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """Name (full and short: 河南省, 河南) → codes, and code → full name."""
    by_name: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for raw in TABLE.read_text(encoding="utf-8").splitlines():
        if not raw or raw.startswith("#"):
            continue
        code, name = raw.split("\t")
        names[code] = name
        for form in {name, short_place(name), _bare(name)}:
            if len(form) >= 2:
                by_name.setdefault(form, set()).add(code)
    return {n: frozenset(c) for n, c in by_name.items()}, names


def _bare(name: str) -> str:
    """A division's name without its level word (河南省 → 河南, 驻马店市 → 驻马店)."""
    for suffix in ("特别行政区", "自治区", "自治州", "地区", "省", "市", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            bare = name[: -len(suffix)]
            # 广西壮族自治区 → 广西; 新疆维吾尔自治区 → 新疆.
            return re.sub(r"(?:维吾尔|回族|壮族)$", "", bare) if suffix == "自治区" else bare
    return name


def is_region(name: str) -> bool:
    """Whether `name` is a province or a city (prefecture level) of the table, as written or bare."""
    codes = _codes()[0].get(name, frozenset())
    return any(c.endswith("00") for c in codes)


@cache
def provinces() -> frozenset[str]:
    """The provinces, autonomous regions and municipalities, bare (河南, 内蒙古, 重庆)."""
    _, names = _codes()
    return frozenset(short_place(_bare(n)) for c, n in names.items() if c.endswith("0000"))


@cache
def all_places() -> frozenset[str]:
    """Every division of the table, bare (河南, 武汉, 泌阳)."""
    _, names = _codes()
    return frozenset(short_place(_bare(n)) for n in names.values())


@cache
def regions() -> frozenset[str]:
    """The provinces and cities (prefecture level) of the table, bare (河南, 武汉, 驻马店)."""
    _, names = _codes()
    return frozenset(short_place(_bare(n)) for c, n in names.items() if c.endswith("00"))


def regions_of(place: str) -> frozenset[str]:
    """The provinces and cities `place` lies in (itself included), each as written and bare:
    泌阳县 → 泌阳县, 驻马店市, 驻马店, 河南省, 河南. Empty for a name the table lacks."""
    by_name, names = _codes()
    out: set[str] = set()
    # A name read with a word before it (创建郑州市): its longest known ending.
    known = next((place[i:] for i in range(len(place) - 1) if place[i:] in by_name), place)
    for code in by_name.get(known, frozenset()) | by_name.get(short_place(known), frozenset()):
        for up in (code, code[:4] + "00", code[:2] + "0000"):
            name = names.get(up)
            if name:
                out |= {name, _bare(name), short_place(name)}
    return frozenset(n for n in out if len(n) >= 2)


def within(place: str, region: str) -> bool:
    """Whether `place` (a county, a city) lies in the province or city `region`."""
    return region in regions_of(place)


def divisions(name: str) -> list[str]:
    """The full names of the divisions `name` names, as written or bare (新郑 → 新郑市)."""
    by_name, names = _codes()
    return sorted({names[c] for c in by_name.get(name, ())})


def known_place(name: str) -> bool:
    """Whether `name` is a division of the table, as written or without its level word."""
    return name in _codes()[0]


def rural_word(place: str, after: str) -> bool:
    """Whether a place read as a township (…乡) is the word 乡村 or 乡镇 run into the name
    before it (铜梁乡村振兴, 内蒙古乡镇卫生院): `after` is what the question writes next.
    A division the table knows keeps its name."""
    return place.endswith("乡") and after.startswith(("村", "镇")) and not known_place(place)
