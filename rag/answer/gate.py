"""The constraint check: which letters meet everything a question names, read from records.

Retrieval ranks; the frame decides. A question that names a body (重庆市教委 …答复), a place,
a person (王琴代表), a proposal or document number, a year or a quoted term may only be
answered from a letter that meets each of them:

- a body the question makes the replying one (X答复的 / X对…的复函) must be the letter's
  sender or a co-handler, at the same place and level: 重庆市教委 is not 綦江区教委, and
  市财政局 is not 区财政局; a body it only mentions (…的复函中，市人力社保局提到…) may
  also be named in the letter's text;
- a place must be the sender's or be named in the letter; a person must be the addressee or
  be named; a number must be the letter's (with its kind, 提案 or 建议, when the question
  gives it); a year must be the letter's or be named in it; a quoted term must be in it.

A constraint no letter in the collection meets is the reason to abstain, and the answer
names it ("收录的复函中没有重庆市医疗保障局的答复").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rjieba

from rag.answer.frame import Body, Frame, read_places, region_of
from rag.letters.agencies import (
    aliases_of,
    answers_for,
    canonical_agency,
    in_sector,
    short_place,
    split_place,
)
from rag.letters.gazetteer import (
    all_places,
    divisions,
    is_region,
    known_place,
    provinces,
    regions,
    regions_of,
    within,
)
from rag.search.lexicon import normalize
from rag.search.names import PinyinNames, pinyin_keys, spelled_names
from rag.search.query import agency_core, number_key
from rag.search.retrieval import Retriever
from rag.types import Letter

# A person the question names by role: 王琴代表, 李中宇委员 (not 代表团, not 代表建议).
_ROLE = re.compile(r"(?:代表|委员)(?![团会建议大])")
# Characters that do not begin a personal name (a verb or a word before it: 答复王琴代表).
_NOT_NAME_START = frozenset("答复给对向的了和与及是在由为请位名个些市区县镇省人政会届次级哪谁各该此那这等几有")
# …nor holds a role (有代表委员反映: 代表 before 委员 is a role, not a name).
_NOT_NAME = re.compile(r"[的了和与及对在是哪谁各该此那这位名个些市区县镇省政]|人大|政协|代表|委员")


def persons(question: str) -> list[str]:
    """The personal names written before 代表 / 委员 (王琴代表 → 王琴)."""
    out = []
    for m in _ROLE.finditer(question):
        for size in (3, 2):
            name = question[max(0, m.start() - size) : m.start()]
            if (
                len(name) == size
                and all("\u4e00" <= ch <= "\u9fff" for ch in name)
                and name[0] not in _NOT_NAME_START
                and not _NOT_NAME.search(name)
            ):
                out.append(name)
                break
    return list(dict.fromkeys(out))
# A number with its kind: 第0123号提案, 123号建议.
_NUMBER_KIND = re.compile(r"第?\s*([A-Za-z]{0,3}\d{1,9})\s*号\s*(?:代表|委员)?(提案|建议|议案)")
# Levels of the places a question may put under a county or city body (临沭县财政局…青云镇).
TOWN_LEVELS = ("镇", "乡", "街道")
# Constraints that name a letter's party (a body, a place, a person) rather than a key.
_ENTITY = frozenset({"sender", "mention", "place", "person"})
# Levels that are the same tier: a district and a county are both county-level.
_TIER = {"省": 0, "市": 1, "州": 1, "盟": 1, "区": 2, "县": 2, "旗": 2, "镇": 3, "乡": 3}


@dataclass(frozen=True)
class Constraint:
    """One thing the question names that a letter must meet."""

    kind: str  # sender | mention | place | person | number | doc_number | year | quoted | name | subject
    value: str
    label: str  # how an answer names it (重庆市医疗保障局, 2023年, “258集市”)
    body: Body | None = None
    # Smaller places the question puts under a sender (临沭县财政局答复青云镇…): a letter whose
    # sender is unread or placeless, naming one of them, is at the body's place.
    within: tuple[str, ...] = ()

    @property
    def hard(self) -> bool:
        """Whether no letter meeting it is a reason to abstain. A body, a number, a year and a
        city or province are; a small place, a person or a quoted phrase may be written
        otherwise in the letter, so no letter meeting them only drops them. So may a name an
        English question spells in pinyin: a letter seldom writes its own town (市水利局).
        A field of government (交通部门) names the replying body loosely: it only ranks, but
        lists the letters of that field when the question asks for them."""
        if self.kind in ("person", "quoted", "name"):
            return False
        if self.body is not None and self.body.sector:
            return False  # 交通部门 says who handles it loosely: the reply may be another's
        if self.kind == "place":
            # A city or province, or a district the question writes after its city (杭州西湖区).
            return (
                self.value[-1] in "市省"
                or self.value.endswith("自治区")
                or bool(region_of(self.value))
                or is_region(self.value)  # 河南, 云南 written bare
            )
        return True


@dataclass
class Verdict:
    """Which candidate letters meet every constraint, and which constraint no letter meets."""

    constraints: list[Constraint]
    passing: list[str] = field(default_factory=list)  # letter ids, in candidate order
    failing: dict[str, Constraint] = field(default_factory=dict)  # letter id → first unmet
    absent: Constraint | None = None  # met by no letter in the collection


# How a question writes a place by its bare name (宁陕住建局, 武定万德集镇供水): a body, a town,
# a site or an area follows it closely (a word such as 长寿老人 or 安宁的环境 has none).
_BARE_AFTER = (
    "(?=[\u4e00-\u9fff]{0,8}?(?:局|委|办|厅|镇|乡|村|街道|片区|集镇|县城|城区|小区|路|学校|中学|小学|"
    "医院|卫生院|水库|公交|公安|交警|交巡警|城管|两地))"
)
# …and a province or city by its bare name (河南这边的提案, 云南有哪些答复): where letters are from.
_REGION_AFTER = "(?=这边|那边|这里|那里|一带|地区|境内|各地|的|有没有|有哪些|有什么|[^\u4e00-\u9fff])"
_BRANCH = re.compile(r"局([\u4e00-\u9fff]{2,3}?)区?分局")
_ETHNIC = re.compile(r"(?:[\u4e00-\u9fff]{1,3}族)*自治$|[\u4e00-\u9fff]{1,2}族$")


# Word tags (jieba's) a division's bare name carries when it is used as a place (丹东 ns),
# not as a word (会同 n, 振兴 v).
_PLACE_TAGS = frozenset({"ns", "nr", "nrt", "nz"})
# What a place name may follow: the question's start, a pause, a joining or framing word, a
# wider place (宁陕龙王镇) — not the inside of a longer name (大河口大桥, 衢江城区).
_BEFORE_PLACE = "和与及跟同或的在对是从到往说那这个了把给向由将为就请问省市区县"
# What follows a name that is a road's, a village's or a bridge's (宜川路, 东河村, 泗水关大桥).
_NAMED_AFTER = re.compile(r"路|街|巷|村|桥|大桥|关|社区|小区|佳苑|景区|片区|中学|小学")


def _tagged_places(question: str, written: Callable[[str], bool]) -> list[str]:
    """Divisions a question writes by their bare name as a word of its own, read as a place
    (丹东接梨树小学门口, 新郑褚庄路): the segmenter tags it a name, the table knows it, and it
    is a province or city, or a letter of the collection writes it with its level word
    (`written`) — a bare county name no letter writes (新建, 共和) is more likely a word."""
    out = []
    at = 0
    for word, tag in rjieba.tag(question):
        start, at = at, at + len(word)
        if len(word) < 2 or tag not in _PLACE_TAGS or not known_place(word):
            continue
        before = question[:start]
        if (
            before
            and re.match(r"[\u4e00-\u9fff]", before[-1])
            and before[-1] not in _BEFORE_PLACE
            and not any(known_place(before[i:]) for i in range(max(0, len(before) - 4), len(before) - 1))
        ):
            continue  # inside a longer name
        if _NAMED_AFTER.match(question, at):
            continue
        if is_region(word) or written(word):
            out.append(word)
    return out


class Gate:
    """Constraint checks over one retriever's letters."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self._names: PinyinNames | None = None  # the letters' names by pinyin, on first use
        self._bare: re.Pattern[str] | None = None  # the senders' places by bare name, on first use
        self._written_places: dict[str, bool] = {}  # bare division name → written with its level
        self._source_words: set[str] | None = None  # the words of the letters' file names
        self._file_places: dict[str, tuple[str, ...]] = {}  # letter id → places its file name spells

    def bare_places(self, question: str) -> list[str]:
        """The places `question` writes by their bare name (宁陕 for 宁陕县): the collection's
        senders' places, and divisions the segmenter reads as names (`_tagged_places`). Soft
        place constraints, as a county or district is; a province or city is hard."""
        if self._bare is None:
            senders = {
                name
                for letter in self.retriever.index.letters.values()
                for name in (letter.fields.agency_canonical, letter.fields.agency)
                if name
            }
            names: set[str] = set()
            regions: set[str] = set(provinces())  # 云南: a province, whether or not a letter is from it
            for name in senders:  # a few hundred distinct senders, however many letters
                for place in split_place(name)[0]:
                    if place[-1] in "县区市旗":
                        bare = _ETHNIC.sub("", short_place(place))
                        if len(bare) >= 2:
                            names.add(bare)
                    # …and the provinces and cities holding them (河南 for 泌阳县).
                    regions.update(r for r in regions_of(place) if is_region(r) and r[-1] not in "省市")
                # A city bureau's branch is named by its district (盘锦市公安局大洼分局).
                names.update(_BRANCH.findall(name))
            # …and the places placeless letters' file names spell (011_jixi_shuili: 绩溪).
            names.update(
                p for letter in self.retriever.index.letters.values() for p in self.file_places(letter) if len(p) >= 2
            )
            alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
            wide = "|".join(sorted(map(re.escape, regions - names), key=len, reverse=True))
            self._bare = re.compile(
                "|".join(
                    [rf"(?:{alternatives})(?![县区市旗]){_BARE_AFTER}"] * bool(alternatives)
                    + [rf"(?:{wide})(?![县区市旗省]){_REGION_AFTER}"] * bool(wide)
                )
                or r"(?!)"
            )
        return list(dict.fromkeys([*self._bare.findall(question), *_tagged_places(question, self._written)]))

    def _written(self, place: str) -> bool:
        """Whether a letter of the collection writes the division `place` names with its level
        word (新郑 → 新郑市), remembered per name."""
        if place not in self._written_places:
            full = divisions(place)
            self._written_places[place] = any(
                n in letter.text for letter in self.retriever.index.letters.values() for n in full
            )
        return self._written_places[place]

    # -- reading the constraints -------------------------------------------------------------
    def constraints(self, frame: Frame) -> list[Constraint]:
        info = frame.info
        out: list[Constraint] = []
        body_places = {p for b in frame.bodies for p in b.places}
        # Places an English question names come from a translation table: a hint, not a gate.
        places = [] if info.english else list(dict.fromkeys([*info.places, *frame.places]))
        towns = tuple(p for p in places if p not in body_places and p.endswith(TOWN_LEVELS))
        for body in frame.bodies if not info.english else english_bodies(frame.question):
            kind = "sender" if body.sender else "mention"
            within = towns if body.sender and body.level in ("县", "区", "市", "旗") else ()
            out.append(Constraint(kind, body.core, body.name, body, within))
        if not info.english:
            # A place written by its bare name (宁陕住建局), unless a named place holds it.
            places += [p for p in self.bare_places(frame.question) if not any(p in q for q in places)]
        for place in places:
            if place not in body_places and not any(place in b.name for b in frame.bodies):
                out.append(Constraint("place", place, place))
        if not info.english:
            for name in persons(frame.question):
                if not any(name in b.name for b in frame.bodies):
                    out.append(Constraint("person", name, name))
        else:
            # A Chinese name an English question spells in pinyin (Shanghai, Jiulongpo): a
            # province or city it spells bounds the letters (Wuhan → 武汉) as a Chinese
            # question's would; another name only ranks them.
            for word in spelled_names(frame.question):
                region = _spelled_region(word) if _as_place_en(word).search(frame.question) else None
                if region is not None:
                    out.append(Constraint("place", region, f"{word} ({region})"))
                else:
                    out.append(Constraint("name", word, word))
        kinds = {number_key(n): k for n, k in _NUMBER_KIND.findall(normalize(frame.question))}
        for number in info.numbers:
            label = f"第{number}号" + kinds.get(number, "").replace("议案", "建议")
            out.append(Constraint("number", f"{number}|{kinds.get(number, '')}", label))
        for key in info.doc_numbers:
            out.append(Constraint("doc_number", key, key.replace("〔", "〔") + "号"))
        in_doc = {int(k.split("〔")[0]) for k in info.doc_numbers}
        for year in info.years:
            if year not in in_doc:
                # A range bounds the letters' own dates in a list (2017年及以前的答复); in a
                # lookup it is what the letter says (2016年以来扶持了多少): the year alone.
                op, words = year_range(frame.question, year) if frame.wants_list else ("", "")
                out.append(Constraint("year", f"{year}|{op}" if op else str(year), f"{year}年{words}"))
        for term in frame.quoted:
            out.append(Constraint("quoted", term, f"“{term}”"))
        return out

    # -- checking letters ----------------------------------------------------------------------
    def meets(self, c: Constraint, letter: Letter) -> bool:
        """Whether `letter` meets constraint `c`."""
        f = letter.fields
        text = letter.text
        spelled = self.file_places(letter) if c.kind in ("sender", "place") else ()
        if spelled:
            # A placeless letter names the places its file name spells (011_jixi_shuili: 绩溪).
            text = f"{text}\n{'、'.join(spelled)}"
        if c.kind in ("sender", "mention"):
            assert c.body is not None
            senders = [n for n in (f.agency_canonical, f.agency) if n]
            if any(body_is(c.body, name) for name in senders):
                return True
            sender_places = _places_of(senders[0]) if senders else ()
            if c.kind == "mention" and any(
                body_is(c.body, name, sender_places) for name in f.cohandlers
            ):
                return True  # a co-handler is mentioned, but did not write the reply
            if c.kind == "mention" or not senders:
                # A body merely mentioned; or a letter whose sender the parser could not read,
                # named in its text instead (a heading, the signature, "我局" beside the name)
                # — with its place, when the question gives one, or in a letter naming it.
                if c.kind == "sender" and c.body.places and not _names_place(text, c.body.places[-1]):
                    if not any(_names_place(text, p) for p in c.within):
                        return False
                    # At a town the question puts under the body: the body may call itself
                    # by its bare name (财政局对青云工业园区…高度重视).
                    forms = [f for f in aliases_of(c.body.core) or [c.body.core] if len(f) >= 3]
                    return _writes_as(c.body, text) and any(f in text for f in forms)
                if c.kind == "sender" and not senders and _thanks_as(text, c.body):
                    return _writes_as(c.body, text)
                if c.kind == "sender" and not senders and self._file_names_body(letter, c.body, text):
                    return _writes_as(c.body, text)  # 011_jixi_shuili, writing 我局: a 水利局's
                return _mentions_body(text, c.body) and (
                    c.kind == "mention" or _writes_as(c.body, text)
                )
            if any(_same_kind_elsewhere(c.body, name) for name in senders):
                return False  # the letter's own sender is this kind of body, at another place
            placeless = not any(_places_of(name) for name in senders)
            if placeless:
                if not _writes_as(c.body, text):
                    return False  # a sender without a place, writing as another level (我县)
                if (
                    c.body.places
                    and (_names_own_place(text, c) or _holds_own_place(c.body.places[-1], letter, ()))
                    and any(_body_is(c.body.core, (), c.body.level, name, (), c.body.sector) for name in senders)
                ):
                    # 水利局, in a letter that names the county the question gives; 科技厅, in
                    # one whose title names a city of the province the question gives.
                    return True
            # The sender may be written in the heading or the signature in another form — and
            # a placeless one may name its own place there (请与丘北县教育体育局联系).
            edges = text[:300] + text[-300:]
            if placeless and c.body.places and _named_elsewhere(edges, c.body):
                return False
            if c.body.places and not any(
                _body_is(c.body.core, (), None, name, (), c.body.sector) for name in senders
            ):
                # Another kind of body wrote it (重庆市经信委, naming 市人力社保局 among those it
                # consulted): the asked body counts as written at its edges only with its own
                # place, or in a letter that names that place (无锡市人社局 is in no such letter).
                return _mentions_body(edges, c.body, named_only=True) or (
                    _names_place(text, c.body.places[-1]) and _mentions_body(edges, c.body)
                )
            return _mentions_body(edges, c.body)
        if c.kind == "place":
            sender_places = _sender_places(letter)
            mine = {short_place(p) for p in sender_places}
            if any(v in mine or v in text for v in _place_forms(c.value)):
                return True
            return _holds_own_place(c.value, letter, sender_places)
        if c.kind == "person":
            return c.value in (f.addressee or "") or c.value in text
        if c.kind == "number":
            number, kind = c.value.split("|")
            if number not in self.retriever.keys[letter.id].numbers and not re.search(
                rf"(?<![\dA-Za-z])0*{re.escape(number)}\s*号", normalize(text[:800])
            ):
                return False
            # A letter of no stated kind (其他: a co-handler's opinion) may answer either.
            return not kind or f.kind in (None, "", kind, "其他") or kind == "议案"
        if c.kind == "doc_number":
            return c.value in self.retriever.keys[letter.id].doc_numbers
        if c.kind == "year":
            if "|" in c.value:  # a range (2017年及以前) bounds the letter's own date
                return in_range(c.value, self.retriever.keys[letter.id].years)
            year = int(c.value)
            return year in self.retriever.keys[letter.id].years or bool(
                re.search(rf"{year}\s*(?:年|-|—|－|\.)", text)
            )
        if c.kind == "quoted":
            return normalize(c.value) in normalize(text)
        if c.kind == "name":
            return _writes(letter.id, text, c.value)
        return True

    def check(
        self, frame: Frame, candidates: Sequence[str], any_entity: bool = False, soft_places: bool = False
    ) -> Verdict:
        """Check `candidates` (letter ids, best first) against the frame's hard constraints
        (a soft one — a small place, a person, a quoted phrase — only ranks: `soft_score`).

        With `any_entity` (a comparison of several named bodies, places or people), a letter
        needs to meet one of the entity constraints, not all: each names a different letter;
        with `soft_places`, the small places it names count among them.
        """
        letters = self.retriever.index.letters
        verdict = Verdict(self.constraints(frame))
        hard = [c for c in verdict.constraints if c.hard]
        named = [c for c in verdict.constraints if c.hard or soft_places and c.kind == "place"]
        entities = [c for c in named if c.kind in _ENTITY] if any_entity else []
        rest = [c for c in hard if c not in entities]
        for lid in dict.fromkeys(candidates):
            letter = letters[lid]
            unmet = next((c for c in rest if not self.meets(c, letter)), None)
            if unmet is None and entities and not any(self.meets(c, letter) for c in entities):
                unmet = entities[0]
            if unmet is None:
                verdict.passing.append(lid)
            else:
                verdict.failing[lid] = unmet
        if not verdict.passing:
            verdict.absent = next((c for c in hard if not self.exists(c, candidates)), None)
        elif not any_entity:
            verdict.absent = next((c for c in verdict.constraints if self._nowhere(c, candidates)), None)
        return verdict

    def _nowhere(self, c: Constraint, seen: Iterable[str]) -> bool:
        """Whether `c` is a county, district or town the question names that no letter of the
        collection writes in any form (西畴县, 西畴): a small place only ranks the letters while
        some letter may write it otherwise, but one no letter names at all is what the
        collection lacks — an answer from the next county's letter is about another place."""
        if c.kind != "place" or c.hard:
            return False
        if not (known_place(c.value) or c.value.endswith(TOWN_LEVELS)):
            return False
        if self.exists(c, seen) or self._spelled_in_sources(c.value):
            return False
        level = next((t for t in TOWN_LEVELS if c.value.endswith(t)), "")
        stem = c.value[: -len(level)] if level else ""
        # A town written at another level (横山乡 for the letter's 横山镇) is still named.
        return len(stem) < 2 or not any(stem in h.letter.text for h in self.retriever.search(stem, 20))

    def _spelled_in_sources(self, place: str) -> bool:
        """Whether a letter's file name spells `place` in pinyin (huanxian, jixi): a letter
        that writes only 我县 is still that county's when its file is named for it."""
        if self._source_words is None:
            self._source_words = {
                w for letter in self.retriever.index.letters.values() for w in _file_words(letter.source)
            }
        forms = {place, *_place_forms(place)}
        return any(k in self._source_words for f in forms if len(f) >= 2 for k in pinyin_keys(f))

    def _file_names_body(self, letter: Letter, body: Body, text: str) -> bool:
        """Whether an unsigned letter's file name spells the body's kind in pinyin (shuili for
        水利局) and the letter speaks as such a body (我局)."""
        if f"我{body.core[-1]}" not in text:
            return False
        stems = {f[:-1] for f in aliases_of(body.core) or [body.core] if f[-1] in "局委厅办" and len(f) >= 3}
        words = set(_file_words(letter.source))
        return any(k in words for stem in stems for k in pinyin_keys(stem))

    def file_places(self, letter: Letter) -> tuple[str, ...]:
        """The divisions a placeless letter's file name spells in pinyin (011_jixi_shuili →
        绩溪, 鸡西), bare; none for a letter whose sender has a place, and none for a word
        that spells a word of the lexicon (gongjiao is 公交, not 贡觉)."""
        if _sender_places(letter):
            return ()
        if letter.id not in self._file_places:
            lexicon = self.retriever.tokenizer.lexicon
            common = _word_spellings(lexicon.version, lexicon.words())
            found = [p for word in _file_words(letter.source) if word not in common for p in _spelled_divisions(word)]
            self._file_places[letter.id] = tuple(dict.fromkeys(found))
        return self._file_places[letter.id]

    def fielded(self, frame: Frame) -> list[str]:
        """Every letter in the collection that a list with no topic of its own asks for, its
        fields deciding (so the list is complete), in collection order: written by one of the
        bodies the question makes the replying ones, dated in the year or range it names
        (2017年及以前的答复). Empty when it names neither."""
        letters = self.retriever.index.letters
        constraints = self.constraints(frame)
        senders = [c for c in constraints if c.kind == "sender" and c.body]
        years = [c for c in constraints if c.kind == "year"]
        places = [c for c in constraints if c.kind == "place"]
        if not senders and not years and not places:
            return []
        return [
            lid
            for lid, k in self.retriever.keys.items()
            if all(in_range(c.value, k.years) for c in years)
            and all(_sent_from(c.value, letters[lid]) for c in places)
            and (
                not senders
                # A letter whose sender the parser could not read may still be the body's, by
                # its text (`meets`).
                or any(
                    (not k.agencies or _of_body(c.body, k.agencies, True)) and self.meets(c, letters[lid])
                    for c in senders
                )
            )
        ]

    def soft_score(self, verdict: Verdict, letter: Letter) -> float:
        """The share of the soft constraints a letter meets (1.0 when there are none)."""
        soft = [c for c in verdict.constraints if not c.hard]
        if not soft:
            return 1.0
        return sum(self.meets(c, letter) for c in soft) / len(soft)

    def exists(self, c: Constraint, seen: Iterable[str] = ()) -> bool:
        """Whether any letter in the collection meets `c`: the candidates first, then the
        letters whose fields could (senders, numbers), then those a search for the name finds."""
        letters = self.retriever.index.letters
        if any(self.meets(c, letters[lid]) for lid in seen):
            return True
        if c.kind in ("sender", "mention", "number", "doc_number", "year", "person", "place"):
            # Fields decide these for every letter at once (cheap: keys are in memory).
            keys = self.retriever.keys
            for lid, k in keys.items():
                if c.kind in ("sender", "mention") and c.body is not None:
                    if (_of_body(c.body, k.agencies, True) or _of_body(c.body, k.cohandlers, True)) and self.meets(
                        c, letters[lid]
                    ):
                        return True
                elif c.kind == "number" and c.value.split("|")[0] in k.numbers:
                    if self.meets(c, letters[lid]):
                        return True
                elif c.kind == "doc_number" and c.value in k.doc_numbers or c.kind == "year" and in_range(c.value, k.years) or c.kind == "place" and any(f in k.place for f in _place_forms(c.value)):
                    return True
        if c.kind == "name":
            if self._names is None:
                self._names = PinyinNames(lt.text for lt in letters.values())
            return self._names.written(c.value)
        if c.kind in ("mention", "place", "person", "quoted", "year"):
            # Named in some letter's text: a search for the name reaches it if anything does.
            found = self.retriever.search(c.label, 20)
            return any(self.meets(c, h.letter) for h in found)
        return False


# A year that bounds a range: 2017年及以前, 2020年以后, 2019年以来.
_RANGE = (
    ("<=", r"(?:及|和)(?:以前|之前)|(?:以前|之前)(?:及当年|含当年)"),
    ("<", r"以前|之前|前"),
    (">=", r"(?:及|和)(?:以后|之后)|以来|起|至今"),
    (">", r"以后|之后|后"),
)


def year_range(question: str, year: int) -> tuple[str, str]:
    """The comparison a question puts on `year` ("<=" for 2017年及以前) and the words that
    say it, or ("", "") when it names the year alone."""
    for op, words in _RANGE:
        m = re.search(rf"{year}\s*年?\s*({words})", question)
        if m:
            return op, m.group(1)
    return "", ""


def in_range(value: str, years: Iterable[int]) -> bool:
    """Whether one of a letter's own years meets a year constraint's value (2017, 2017|<=)."""
    year, _, op = value.partition("|")
    bound = int(year)
    test = {
        "": bound.__eq__, "<=": bound.__ge__, "<": bound.__gt__, ">=": bound.__le__, ">": bound.__lt__
    }[op]
    return any(test(y) for y in years)


@lru_cache(maxsize=4096)
def _writes(letter_id: str, text: str, word: str) -> bool:
    """Whether one letter writes the name `word` spells in pinyin."""
    return PinyinNames([text]).written(word)


def body_is(body: Body, name: str, home: Sequence[str] = ()) -> bool:
    """Whether the agency `name` (as a letter states it) is the body the question names: the
    same core, and the same place and level when the question gives them. `home`: the places
    of the letter's sender, for a co-handler written with a bare level word (区公安局)."""
    return _body_is(body.core, body.places, body.level, name, tuple(home), body.sector)


def _of_body(body: Body, cores: Iterable[str], expanded: bool = False) -> bool:
    """Whether one of the agency `cores` (a letter's senders or co-handlers) is the body's kind.
    `expanded`: the cores already hold the bodies merged ones stand for (`LetterKeys`)."""
    if body.sector:
        return any(in_sector(core, body.core) for core in cores)
    if expanded:
        return body.core in cores  # a set lookup: this runs for every letter of a collection
    return any(answers_for(core, body.core) for core in cores)


@lru_cache(maxsize=65536)
def _body_is(
    core: str,
    places: tuple[str, ...],
    level: str | None,
    name: str,
    home: tuple[str, ...],
    sector: bool = False,
) -> bool:
    canonical = canonical_agency(name) or name
    if sector:
        if not (in_sector(agency_core(canonical), core) or in_sector(agency_core(name), core)):
            return False
    elif not (answers_for(agency_core(canonical), core) or answers_for(agency_core(name), core)):
        return False  # another body (a merged one holding it answers for it: 教育体育局, 教育局)
    mine = [p for p in split_place(canonical)[0] if len(p) >= 2] or list(home)
    if places:
        # The question may run places together (上海徐汇区, 重庆綦江区): its innermost place
        # ends with the letter's.
        want = places[-1]
        if not any(_ends_with_place(want, p) for p in mine):
            return False
        # The innermost place the question names is the body's own: 重庆市教委 is the city's,
        # not a district's under it (whose innermost place is the district).
        own = [p for p in split_place(canonical)[0] if len(p) >= 2]
        return not own or _ends_with_place(want, own[-1])
    if level:
        named = split_place(canonical)[0]
        last = named[-1] if named else ""
        mine_level = last[-1] if last and last[-1] in _TIER else None
        if mine_level is not None and _TIER[mine_level] != _TIER.get(level, _TIER[mine_level]):
            return False
    return True


def _place_forms(place: str) -> list[str]:
    """Ways a letter may write a place the question runs together with a wider one:
    綦江横山镇 → 横山镇, 上海普陀区 → 普陀区 (and each without its level word)."""
    suffix = 2 if place.endswith(("街道", "地区", "新区")) else 1
    forms = [place[i:] for i in range(len(place)) if len(place) - i >= suffix + 2] or [place]
    return list(dict.fromkeys([*forms, *(short_place(f) for f in forms if len(short_place(f)) >= 2)]))


@lru_cache(maxsize=4096)
def _places_of(name: str) -> tuple[str, ...]:
    """The places an agency's name holds (宁陕县 of 宁陕县水利局), once per name."""
    return tuple(p for p in split_place(canonical_agency(name) or name)[0] if len(p) >= 2)


def _sender_places(letter: Letter) -> list[str]:
    """The places of the letter's sender, by its record (宁陕县 for 宁陕县水利局)."""
    f = letter.fields
    return [p for n in (f.agency_canonical, f.agency) if n for p in _places_of(n)]


def _ends_with_place(want: str, place: str) -> bool:
    """Whether the question's place `want` is the letter's `place` or ends with it
    (上海徐汇区 ends with 徐汇区), with or without their level words."""
    return any(
        len(b) >= 2 and a.endswith(b) for a, b in ((want, place), (short_place(want), short_place(place)))
    )


def _names_place(text: str, place: str) -> bool:
    """Whether a letter's text names `place` (舒城县, or 舒城 without its level word)."""
    return any(form in text for form in _place_forms(place) if len(form) >= 2)


def _sent_from(place: str, letter: Letter) -> bool:
    """Whether the letter's sender, by its record, is at `place` (宁陕县 for 宁陕县水利局)."""
    mine = {short_place(p) for p in _sender_places(letter)}
    return any(short_place(form) in mine for form in _place_forms(place))


def _holds_own_place(region: str, letter: Letter, sender_places: Sequence[str]) -> bool:
    """Whether a province or city holds the letter's own place (河南 holds 泌阳县): its
    sender's place, else the places its title names, else those of its opening."""
    if not is_region(region):
        return False
    f = letter.fields
    own = (
        set(sender_places)
        or set(read_places(f.title or ""))
        or set(read_places(letter.text[:300]))  # unsigned, untitled: the places its opening names
    )
    return any(within(p, region) for p in own)


def _names_own_place(text: str, c: Constraint) -> bool:
    """Whether a letter names the asked body's place, or a smaller place the question puts
    under it."""
    assert c.body is not None
    return _names_place(text, c.body.places[-1]) or any(_names_place(text, p) for p in c.within)


def _same_kind_elsewhere(body: Body, name: str) -> bool:
    """Whether the agency `name` is the body's kind at a place of its own that is not the
    body's (重庆市江津区民政局 for 重庆市民政局): then it is another body, whatever its text says."""
    canonical = canonical_agency(name) or name
    if not body.places or not _of_body(body, (agency_core(canonical), agency_core(name))):
        return False
    own = _places_of(name)
    return bool(own) and not _ends_with_place(body.places[-1], own[-1])


# How a writer names its own place: 我县, 本区 (the reply's own jurisdiction).
_SELF_PLACE = re.compile(r"(?:我|本)([省市区县镇乡])(?![场级委政长民])")


def _writes_as(body: Body, text: str) -> bool:
    """Whether a letter may be the body's by the level it writes itself at: a letter that
    calls its place 我县 is a county's, not the city bureau the question names. True when
    the body has no level or the letter never names its own."""
    if body.level not in _TIER:
        return True
    counts = Counter(_TIER[level] for level in _SELF_PLACE.findall(text))
    return not counts or counts.most_common(1)[0][0] == _TIER[body.level]


def _named_elsewhere(text: str, body: Body) -> bool:
    """Whether a letter names this kind of body with a place, never the body's own: the place
    a sender without one writes itself at (以上答复如不满意，请与丘北县教育体育局联系)."""
    mine = {f for p in body.places for f in _place_forms(p)}
    seen = False
    for form in aliases_of(body.core) or [body.core]:
        if len(form) < 3:
            continue
        for m in re.finditer(rf"([\u4e00-\u9fff]{{2,8}}[省市区县])(?:{re.escape(form)})", text):
            lead = m.group(1)
            place = next(
                (p for i in range(len(lead) - 1) if (p := split_place(lead[i:] + form)[0])), []
            )
            if not place:
                continue
            if any(p.endswith(f) or f.endswith(short_place(p)) for p in place for f in mine):
                return False
            seen = True
    return seen


# A letter thanks the deputy for caring about its own field of work (感谢你对我县住房和城乡建设工作
# 的关心和支持): the field names the body that wrote it.
_THANKS_FIELD = re.compile(
    r"感谢[^。！!]{0,16}?对(?:我[县市区省镇乡州旗])?([\u4e00-\u9fff]{2,12}?)工作的?(?:关心|支持|关注|理解)"
)


def _thanks_as(text: str, body: Body) -> bool:
    """Whether the letter's thanks name the body's field as its own work."""
    fields = {m.group(1) for m in _THANKS_FIELD.finditer(text)}
    if not fields:
        return False
    stems = {form[:-1] for form in aliases_of(body.core) or [body.core] if form[-1] in "局委厅办"}
    return any(len(stem) >= 2 and stem in fields for stem in stems)


def _mentions_body(text: str, body: Body, named_only: bool = False) -> bool:
    """Whether a letter's text names the body (as the question writes it, or by an alias);
    `named_only`: with a place the question names before it, not a bare level word."""
    places = {f for p in body.places for f in _place_forms(p)}
    if named_only and not places:
        return False
    if body.name in text:
        return True
    level = body.level or ""
    forms = aliases_of(body.core) or [body.core]
    prefixes = places if named_only else places | {level} if body.places or level else {""}
    for form in forms:
        if len(form) < 3:
            continue
        for prefix in prefixes:
            if f"{prefix}{form}" in text:
                return True
    return False


def _file_words(source: str) -> list[str]:
    """The words of a file's name that could spell a place in pinyin (four letters or more)."""
    return [w for w in re.split(r"[^a-z]+", Path(source).stem.lower()) if len(w) >= 4]


_SPELLINGS: dict[str, frozenset[str]] = {}


def _word_spellings(version: str, words: Sequence[str]) -> frozenset[str]:
    """The pinyin of the lexicon's words and of agency names' stems (公交 gongjiao, 城管局 →
    城管 chengguan), once per lexicon version."""
    if version not in _SPELLINGS:
        stems = {w[:-1] for w in words if len(w) >= 3 and w[-1] in "局委厅办"}
        _SPELLINGS[version] = frozenset(
            k for w in {*words, *stems} if 2 <= len(w) <= 4 for k in pinyin_keys(w)
        )
    return _SPELLINGS[version]


@lru_cache(maxsize=4096)
def _spelled_divisions(word: str) -> tuple[str, ...]:
    """The divisions a word of a file name spells in pinyin, bare, in a stable order."""
    return tuple(sorted(_divisions_by_pinyin().get(word, ())))


@lru_cache(maxsize=1)
def _divisions_by_pinyin() -> dict[str, frozenset[str]]:
    """Every division of the table, bare, by its toneless pinyin (wuhan → 武汉)."""
    out: dict[str, set[str]] = {}
    for name in all_places():
        for key in pinyin_keys(name):
            out.setdefault(key, set()).add(name)
    return {k: frozenset(v) for k, v in out.items()}


def _spelled_region(word: str) -> str | None:
    """The province or city an English word spells in pinyin (Wuhan → 武汉) when no other
    division is spelled so (Fuzhou is 福州 and 抚州; Pingxiang 萍乡 and 凭祥), else None."""
    names = _divisions_by_pinyin().get(re.sub(r"[^a-z]", "", word.lower()), frozenset())
    name = next(iter(names)) if len(names) == 1 else None
    return name if name is not None and name in regions() else None


def _as_place_en(word: str) -> re.Pattern[str]:
    """Where an English question writes `word` as the place a letter is from (Wuhan's, in
    Wuhan, Wuhan city) — not as a modifier run into another name (Shanghai–Yunnan cooperation)."""
    w = re.escape(word)
    return re.compile(
        rf"(?:\b(?:in|from|of|at)\s+{w}\b(?![-–—]))|\b{w}['’]s\b|\b{w}\s+(?:city|province|municipality|prefecture)\b",
        re.I,
    )


@lru_cache(maxsize=1024)
def english_bodies(question: str) -> tuple[Body, ...]:
    """The bodies an English question names, in Chinese (…Bureau (医保局)) or by a glossary
    phrase (Medical Security Bureau): each is a body the letter must be from or name. Its
    places come from a translation table, so they are left to rank letters, not to gate them."""
    from rag.answer.frame import read_bodies
    from rag.answer.swaps import en_agencies

    found: dict[str, Body] = {}
    for body in read_bodies(" ".join(re.findall(r"[\u4e00-\u9fff]{2,}", question))):
        if not body.sector:
            found.setdefault(body.core, Body(body.name, body.core))
    pattern, cores = en_agencies()
    by_phrase: dict[str, str] = {}
    for en, c in cores.items():
        by_phrase.setdefault(en.lower(), c)  # the first phrase of a spelling, as the glossary lists them
    for m in pattern.finditer(question):
        core = by_phrase.get(m.group().lower())
        if core:
            found.setdefault(core, Body(m.group(), core))
    return tuple(found.values())
