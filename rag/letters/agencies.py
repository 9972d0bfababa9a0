"""Agency names: one canonical form per government body, its aliases, and its place.

Letters name the same body many ways: 重庆市人力资源和社会保障局, 市人力社保局, 人社局,
or an old name such as 环境保护局. A name is read as a place prefix (重庆市 / 江津区, or a
bare level word 市 / 区 that stands for the letter's own place) plus a core (人力社保局).
The core is normalised through a table (`rag/data/agencies.tsv`, extensible with a second
TSV) and the prefix is completed from the place, so every spelling of one body meets in
one canonical string. `aliases_of` goes the other way, and `place_of` reads the place a
body belongs to, for place filters.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DEFAULT_TABLE = Path(__file__).parents[1] / "data" / "agencies.tsv"

# A named place token: a short name plus an administrative suffix. The name may not
# contain characters that begin or end an agency core (局, 委, 和 ...), so 城市管理局 or
# 绿化和市容 are never read as places.
_PLACE_TOKEN = re.compile(
    # …though 和 may begin one (和平区, 和田地区).
    r"和?[^\W\d_和与及的局委办厅部]{1,7}?"
    r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|新区|街道|省|市|州|盟|区|县|旗|镇|乡)"
)
_LEVEL_ONLY = re.compile(r"[省市区县州镇乡]")
# Where a place sits in the hierarchy; a lower place may be completed with a higher one.
_RANK = {"省": 0, "区": 2, "县": 2, "旗": 2, "市": 1, "州": 1, "盟": 1, "镇": 3, "乡": 3, "道": 3}
# A body the core of whose name marks it as an agency (used to reject non-names).
AGENCY_SUFFIX = re.compile(
    r"(?:局|委员会|委|厅|办公室|办|人民政府|政府|办事处|中心|站|院|所|队|署|社|联社|会|部|处|馆|团)$"
)
# 重庆市公安局沙坪坝区分局: the city's police bureau's district branch.
_POLICE_BRANCH = re.compile(r"^(?P<city>.+?[市州])公安局(?P<dist>[^局]+?[区县市旗])分局$")
# Cores too generic to name one body when only a level word precedes them (区局, 镇政府).
_SPACES = re.compile(r"\s+")
_GENERIC_CORES = frozenset({"", "局", "委", "政府", "人民政府", "办", "办事处", "街道办事处"})


@dataclass(frozen=True)
class AgencyTable:
    """Core alias → canonical core, plus the reverse index.

    Attributes:
        canonical: Maps every known core spelling (aliases and canonicals) to its canonical core.
        aliases: Maps a canonical core to its known spellings, canonical first.
    """

    canonical: dict[str, str]
    aliases: dict[str, list[str]] = field(default_factory=dict)

    def core_of(self, core: str) -> str:
        """The canonical core for one spelling; unknown cores are returned unchanged."""
        return self.canonical.get(core, core)

    def known_suffix(self, name: str) -> str | None:
        """The longest known core that `name` ends with, if any."""
        best = None
        for key in self.canonical:
            if name.endswith(key) and (best is None or len(key) > len(best)):
                best = key
        return best


def _read_tsv(path: Path, into: dict[str, str]) -> None:
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            continue
        alias, canonical = parts[0], parts[1]
        into[alias] = canonical
        into.setdefault(canonical, canonical)


def load_agency_table(extra: Path | None = None) -> AgencyTable:
    """Load the bundled alias table, optionally extended by a second TSV.

    Args:
        extra: A TSV in the same `alias<TAB>canonical` format; its rows override the
            bundled ones.

    Returns:
        The merged table.
    """
    mapping: dict[str, str] = {}
    _read_tsv(DEFAULT_TABLE, mapping)
    if extra is not None:
        _read_tsv(extra, mapping)
    reverse: dict[str, list[str]] = {}
    for alias, canonical in mapping.items():
        spellings = reverse.setdefault(canonical, [canonical])
        if alias not in spellings:
            spellings.append(alias)
    return AgencyTable(canonical=mapping, aliases=reverse)


@cache
def default_table() -> AgencyTable:
    """The bundled table plus the extra TSV named by `REPLYQA_AGENCY_TABLE` (if set), loaded once."""
    extra = os.environ.get("REPLYQA_AGENCY_TABLE")
    return load_agency_table(Path(extra) if extra else None)


def _next_token(s: str, pos: int) -> int | None:
    """End of the place token starting at `pos` (a named place or a bare level word)."""
    m = _PLACE_TOKEN.match(s, pos)
    if m and not m.group().endswith("园区"):
        end = m.end()
        # 广州市, 开州区: 州 ends the name here, the level word follows it.
        if s[end - 1] == "州" and end < len(s) and s[end] in "市区县":
            end += 1
        return end
    m = _LEVEL_ONLY.match(s, pos)
    return m.end() if m else None


def _tokens(prefix: str) -> list[str] | None:
    """Split a place prefix into tokens (重庆市, 江津区, or a bare 区); None if it is not one."""
    out: list[str] = []
    pos = 0
    while pos < len(prefix):
        end = _next_token(prefix, pos)
        if end is None:
            return None
        out.append(prefix[pos:end])
        pos = end
    return out


# An autonomous place's people and 自治 before its level word (峨山彝族自治县, 恩施土家族苗族自治州).
_AUTONOMOUS = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,4}?)(?:[\u4e00-\u9fff]{1,3}族)+自治[州县旗区]")


def short_place(place: str) -> str:
    """A place without its level word (綦江区 → 綦江, 宁陕县 → 宁陕, 峨山彝族自治县 → 峨山), as
    letters and questions often write it; a two-character name keeps it (城区)."""
    autonomous = _AUTONOMOUS.fullmatch(place)
    if autonomous:
        return autonomous["name"]
    return place[:-1] if len(place) > 2 and place[-1] in "省市区县" else place


def split_place(name: str, table: AgencyTable | None = None) -> tuple[list[str], str]:
    """Split an agency name into place tokens and its core.

    Args:
        name: e.g. `重庆市江津区民政局`, `市人力社保局`, `科技厅`.
        table: Alias table used to recognise known cores; the bundled one by default.

    Returns:
        (tokens, core), e.g. (["重庆市", "江津区"], "民政局") or (["市"], "人力社保局").
    """
    name = _SPACES.sub("", name)
    police = _POLICE_BRANCH.match(name)
    if police:
        return [police["city"], police["dist"]], "公安分局"
    table = table or default_table()
    key = table.known_suffix(name)
    if key is not None:
        toks = _tokens(name[: len(name) - len(key)])
        if toks is not None:
            return toks, key
    toks = []
    pos = 0
    while pos < len(name):
        end = _next_token(name, pos)
        if end is None:
            break
        if end == len(name) and name[end - 1] not in "镇乡":
            break  # the last word is the core (e.g. 区委), unless the name is a town
        toks.append(name[pos:end])
        pos = end
    core = name[pos:]
    if toks and not core and toks[-1][-1] in "镇乡":
        return toks, ""
    return toks, core


def place_of(agency: str, table: AgencyTable | None = None) -> str | None:
    """The place an agency belongs to, read from its name.

    Args:
        agency: A full agency name, e.g. `重庆市江津区民政局`.
        table: Alias table; the bundled one by default.

    Returns:
        The named place prefix (`重庆市江津区`), or None when the name carries no place
        (`科技厅`, or only a level word as in `市水利局`).
    """
    toks, _core = split_place(agency, table)
    named = [t for t in toks if len(t) > 1]
    return "".join(named) or None


def _level(token: str) -> int:
    return _RANK.get(token[-1], 2)


def _complete_prefix(tokens: list[str], place: str | None) -> list[str]:
    """Replace a bare level word by the letter's place, or put a lower place under it."""
    if not place or not tokens:
        return tokens
    place_toks = [t for t in (_tokens(place) or []) if len(t) > 1]
    if not place_toks:
        return tokens
    first = tokens[0]
    if len(first) == 1:
        for i in range(len(place_toks) - 1, -1, -1):
            if place_toks[i][-1] == first:
                return place_toks[: i + 1] + tokens[1:]
        return tokens
    if first in place_toks:
        return place_toks[: place_toks.index(first)] + tokens
    if _level(first) > _level(place_toks[-1]):
        return place_toks + tokens
    return tokens


def canonical_agency(
    name: str, place: str | None = None, table: AgencyTable | None = None
) -> str | None:
    """The one canonical spelling of an agency name.

    Short forms and old names map to the current full core (市人力社保局 →
    人力资源和社会保障局); a bare level word takes the letter's place (市X in a Chongqing
    letter → 重庆市X).

    Args:
        name: The name as written, e.g. `市经济信息委` or `重庆市江津区民政局`.
        place: The letter's place (`重庆市`, `重庆市江津区`), used to complete the prefix.
        table: Alias table; the bundled one by default.

    Returns:
        The canonical name, or None when `name` does not look like an agency.
    """
    table = table or default_table()
    tokens, core = split_place(name, table)
    if not core and tokens and tokens[-1][-1] in "镇乡":
        core = "人民政府"
    if not core or not (core in table.canonical or AGENCY_SUFFIX.search(core)):
        return None
    canon_core = table.core_of(core)
    tokens = _complete_prefix(tokens, place)
    if canon_core == "公安分局" and len(tokens) >= 2 and _level(tokens[-1]) == 2:
        return "".join(tokens[:-1]) + "公安局" + tokens[-1] + "分局"
    return "".join(tokens) + canon_core


def aliases_of(canonical: str, table: AgencyTable | None = None) -> list[str]:
    """Every known way to write one agency, the name itself first.

    Args:
        canonical: A full agency name, e.g. `重庆市经济和信息化委员会`.
        table: Alias table; the bundled one by default.

    Returns:
        The name itself, then each combination of a place variant (重庆市 / 市, or
        重庆市江津区 / 江津区 / 区) with a known spelling of its core. Generic forms such as
        区局 or 镇政府 are left out.
    """
    table = table or default_table()
    tokens, core = split_place(canonical, table)
    canon_core = table.core_of(core)
    cores = list(dict.fromkeys([core, *table.aliases.get(canon_core, [canon_core])]))
    if canon_core in ("人民政府", "办事处", "街道办事处"):
        cores.append("")  # 巴南区圣灯山镇 names the town's government
    named = [t for t in tokens if len(t) > 1]
    prefixes: list[tuple[str, int]] = []  # (prefix, number of named tokens in it)
    for i in range(len(named)):
        prefixes.append(("".join(named[i:]), len(named) - i))
    if tokens:
        last = tokens[-1]
        prefixes.append(("街道" if last.endswith("街道") else last[-1], 0))
    out = [canonical]
    for prefix, n_named in prefixes:
        for c in cores:
            if n_named == 0 and c in _GENERIC_CORES:
                continue
            if c == "" and n_named < 2:
                continue  # 圣灯山镇 alone names the town, not its government
            cand = prefix + c
            if cand and cand not in out:
                out.append(cand)
    if not tokens:
        out.extend(c for c in cores if c and c not in out)
    return out


_MERGER = re.compile(r"[和与及、]")
_MERGED_SUFFIX = re.compile(r"(?:委员会|局|委|厅)$")


@cache
def merged_cores(core: str) -> frozenset[str]:
    """The bodies a merged one stands for, as canonical cores a question may name it by:
    教育体育局 → 教育局, 体育局; 林业和草原局 → 林业局, 草原局; 自然资源和规划局 → 自然资源局,
    规划和自然资源局 (the table's name for 规划局). A stem without 和 splits in two only
    where both halves are bodies the table knows (农业农村局 stays whole)."""
    table = default_table()
    m = _MERGED_SUFFIX.search(core)
    if m is None:
        return frozenset()
    stem, suffix = core[: m.start()], m.group()
    parts = [p for p in _MERGER.split(stem) if p]
    if len(parts) == 1 and len(stem) == 4 and all(stem[i : i + 2] + suffix in table.canonical for i in (0, 2)):
        parts = [stem[:2], stem[2:]]
    if len(parts) < 2:
        return frozenset()
    own = table.core_of(core)
    return frozenset(c for c in (table.core_of(p + suffix) for p in parts if len(p) >= 2) if c != own)


def answers_for(core: str, asked: str) -> bool:
    """Whether a body of canonical `core` answers for the body a question names by canonical
    `asked`: the same body, a merged one holding it (教育体育局 for 教育局), or the same
    merger named in another order (规划和自然资源局 for 自然资源和规划局)."""
    if core == asked:
        return True
    parts = merged_cores(core)
    return asked in parts or bool(merged_cores(asked)) and merged_cores(asked) <= parts | {core}


def in_sector(core: str, word: str, table: AgencyTable | None = None) -> bool:
    """Whether the agency `core` (no place) is of the field `word` names, as a question says
    "交通部门" or "文化旅游部门": a spelling of it begins with the word (交通 → 交通运输局, 住建 →
    住房和城乡建设局 by its alias 住建局), or, for a longer word, begins with its first two
    characters and holds each further pair (文化旅游 → 文化和旅游发展委员会)."""
    table = table or default_table()
    canon = table.core_of(core)
    if len(word) < 2 or canon in _GENERIC_CORES or canon == "人民政府":
        return False
    pairs = [word[i : i + 2] for i in range(0, len(word) - 1, 2)]
    for spelling in dict.fromkeys([core, canon, *table.aliases.get(canon, [])]):
        if spelling.startswith(word):
            return True
        if len(word) >= 4 and spelling.startswith(pairs[0]) and all(p in spelling for p in pairs):
            return True
    return False


@cache
def is_sector(word: str) -> bool:
    """Whether `word` names a field of government that some known agency is of (交通, 文化旅游;
    not 相关, 有关, 政府)."""
    table = default_table()
    return any(in_sector(core, word, table) for core in table.aliases)
