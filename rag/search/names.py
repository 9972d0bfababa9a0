"""Chinese names an English question spells in pinyin (Shanghai, Jiulongpo, Nan'an, Shiyou).

An English question names places, streets and projects by their pinyin. Such a word is
capitalised, is not an English word CC-CEDICT or the glossary knows, and splits wholly into
two or more pinyin syllables ("Nan'an" → nan an). Whether the letters name it is read from
their text: every pair of neighbouring syllables must be the toneless pinyin of some pair of
neighbouring characters in the letters (九龙 and 龙坡 for Jiulongpo; any reading of a
character with several). A name no letter writes is one the collection knows nothing of.

The syllable table comes from `pypinyin`'s character table; the letters' character pairs are
read once per index, on the first English question that spells a name.

Retrieval goes one step further (`NameIndex`): the words of the letters (the BM25 vocabulary)
by their toneless pinyin, syllables run together, so the name an English question spells is
looked up as Chinese words ("Shiyoulu", "shiyou lu" → 石油路; "Qijiang" → 綦江) and searched
with the question's other words. The build computes this table (`name_payload`, reusing the
previous generation's for the words it already had) and stores it with the index
(`names.json` in the generation folder); an index without it, or with one made by other code,
has it computed from the vocabulary on the first English question instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import itertools
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from rag.search.dictionary import reverse_cedict

_WORD = re.compile(r"(?<![A-Za-z'’-])([A-Z][a-z]+(?:['’][a-z]+)?)(?![A-Za-z'’-])")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
#: Longest pinyin syllable (zhuang, shuang).
_LONGEST = 6
#: Longest word read as a spelled name: eight syllables of the longest kind.
_LONGEST_NAME = 8 * _LONGEST


@cache
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written v)."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    every = {to_normal(p).replace("ü", "v") for v in pinyin_dict.values() for p in v.split(",")}
    # Not the interjections n, ng, hm.
    return frozenset(s for s in every if re.search(r"[aeiouv]", s))


@cache
def readings(char: str) -> tuple[str, ...]:
    """A character's toneless pinyin readings."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    raw = pinyin_dict.get(ord(char))
    if not raw:
        return ()
    return tuple(dict.fromkeys(to_normal(p).replace("ü", "v") for p in raw.split(",")))


def split_syllables(word: str) -> list[list[str]]:
    """Every way `word` (lowercase, no apostrophe) splits wholly into pinyin syllables."""
    table = syllables()
    out: list[list[str]] = []
    if len(word) > _LONGEST_NAME:
        return out  # no name is that long (and the walk would recurse once per letter)

    def walk(at: int, done: list[str]) -> None:
        if len(out) >= 16:
            return
        if at == len(word):
            out.append(done)
            return
        for end in range(min(len(word), at + _LONGEST), at, -1):
            if word[at:end] in table:
                walk(end, [*done, word[at:end]])

    walk(0, [])
    return out


def spelled_names(question: str) -> list[str]:
    """The words of an English question that spell a Chinese name in pinyin, as written."""
    english = reverse_cedict()
    out = []
    for m in _WORD.finditer(question):
        if m.start() == 0 or not question[: m.start()].strip():
            continue  # the first word is capitalised anyway
        word = re.sub(r"['’]s$", "", m.group(1))  # Guangde's → Guangde
        key = re.sub(r"['’]", "", word.lower())
        if key in english:
            continue  # an English word (Human, Security)
        if any(len(s) >= 2 for s in split_syllables(key)):
            out.append(word)
    return list(dict.fromkeys(out))


class PinyinNames:
    """The letters' neighbouring character pairs, reachable by their toneless pinyin."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = texts
        self._pairs: set[str] | None = None
        self._lock = threading.Lock()

    def _build(self) -> set[str]:
        with self._lock:
            if self._pairs is None:
                chars: set[str] = set()
                for text in self._texts:
                    for run in _CJK.findall(text):
                        chars.update(a + b for a, b in zip(run, run[1:], strict=False))
                pairs = set()
                for pair in chars:
                    for x in readings(pair[0]):
                        for y in readings(pair[1]):
                            pairs.add(x + " " + y)
                self._pairs = pairs
        return self._pairs

    def written(self, word: str) -> bool:
        """Whether some letter writes the name `word` spells (Jiulongpo → 九龙坡)."""
        pairs = self._build()
        key = re.sub(r"['’]", "", word.lower())
        for split in split_syllables(key):
            if len(split) >= 2 and all(
                f"{a} {b}" in pairs for a, b in zip(split, split[1:], strict=False)
            ):
                return True
        return False


# Chinese place names end in a generic word — a road, a street, a village, a town, a district
# ("Shiyoulu" is 石油 + 路). The letters' vocabulary may hold such a name only cut in two
# (石油 | 路), so a spelled name whose last syllables read as a generic is looked up without
# them; other single syllables are not cut off (lu alone is 路, 陆, 鲁, 录 …).
_GENERIC = {
    "lu": "路",
    "jie": "街",
    "jiedao": "街道",
    "shequ": "社区",
    "cun": "村",
    "zhen": "镇",
    "xiang": "乡",
    "qu": "区",
    "xian": "县",
    "shi": "市",
    "sheng": "省",
    "shan": "山",
    "he": "河",
    "jiang": "江",
    "hu": "湖",
    "qiao": "桥",
    "wan": "湾",
    "ba": "坝",
    "ping": "坪",
    "yuan": "园",
}
_EN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,8}")
#: A word with more readings than this (several polyphones) is keyed by its first ones only.
_MAX_READINGS = 8


def pinyin_keys(word: str) -> list[str]:
    """A Chinese word's toneless pinyin, syllables run together, one key per reading of its
    characters (石油路 → shiyoulu; a polyphone gives each of its readings, at most eight)."""
    options = [readings(c) for c in word]
    if not all(options):
        return []
    keys = ("".join(p) for p in itertools.product(*options))
    return list(dict.fromkeys(itertools.islice(keys, _MAX_READINGS)))


def name_candidates(question: str, known: Collection[str] = ()) -> list[list[str]]:
    """Runs of neighbouring words of an English question that could spell a Chinese name:
    not an English word CC-CEDICT knows nor one of `known` (the glossary's: a name it
    translates already, Chongqing → 重庆), and wholly pinyin syllables. Case and spaces are
    not trusted ("Shiyou Lu", "shiyou lu", "Shiyoulu" alike)."""
    english = reverse_cedict()
    runs: list[list[str]] = []
    last_end = -2
    for m in _EN_WORD.finditer(question):
        word = re.sub(r"['’]s$", "", m.group())  # Guangde's → Guangde
        key = re.sub(r"['’]", "", word.lower())
        if key in english or key in known or len(key) < 2 or not split_syllables(key):
            last_end = -2
            continue
        if runs and question[last_end : m.start()].strip(" -") == "" and last_end >= 0:
            runs[-1].append(key)
        else:
            runs.append([key])
        last_end = m.end()
    return runs


def word_keys(word: str) -> list[str]:
    """The pinyin keys a word of the letters is reached by: its own, and, for a name with a
    generic, its name's (广德市 is reached from "Guangde" too: a name is often spelled without
    its generic — Guangde, Jiangjin for 江津区)."""
    if not _CJK_WORD.fullmatch(word):
        return []
    keys = pinyin_keys(word)
    stem = next((word[: -len(g)] for g in _GENERIC.values() if word.endswith(g)), "")
    if len(stem) >= 2:
        keys += pinyin_keys(stem)
    return keys


def name_table(
    words: Iterable[str], previous: Mapping[str, Sequence[str]] | None = None
) -> dict[str, list[str]]:
    """The words by their pinyin keys (`word_keys`), in the order of `words`; the keys of a
    word `previous` (an earlier table made by this code) holds are taken from it."""
    known: dict[str, list[str]] = defaultdict(list)
    for key, ws in (previous or {}).items():
        for w in ws:
            known[w].append(key)
    table: dict[str, list[str]] = defaultdict(list)
    for word in words:
        keys = known.get(word)
        for key in keys if keys is not None else word_keys(word):
            table[key].append(word)
    return dict(table)


_FORMAT = "replyqa-names/1"


@cache
def names_key() -> str:
    """What a stored table depends on: this module's code and pypinyin's tables."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        digest.update(importlib.metadata.version("pypinyin").encode())
    return digest.hexdigest()[:16]


def name_payload(words: Sequence[str], previous: Any = None) -> dict[str, Any]:
    """What the build stores with the index for `words` (the BM25 vocabulary): the name table,
    reusing `previous` (the previous generation's payload) when this code made it."""
    return {
        "format": _FORMAT,
        "key": names_key(),
        "words": len(words),
        "names": name_table(words, stored_table(previous)),
    }


def stored_table(payload: Any, words: int | None = None) -> dict[str, list[str]] | None:
    """The name table of a stored payload, if this code made it (and over `words` words, when
    given); else None."""
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        return None
    if payload.get("key") != names_key() or not isinstance(payload.get("names"), dict):
        return None
    if words is not None and payload.get("words") != words:
        return None
    return payload["names"]


class NameIndex:
    """The letters' words by their toneless pinyin (syllables run together): the table the
    build stored (`stored`), else one computed on first use from `words` (the BM25
    vocabulary: ~7,000 Chinese words at development scale, 0.3 s)."""

    def __init__(
        self,
        words: Callable[[], Iterable[str]],
        stored: Callable[[], Mapping[str, Sequence[str]] | None] | None = None,
    ) -> None:
        self._words = words
        self._stored = stored
        self._keys: dict[str, tuple[str, ...]] | None = None
        self._lock = threading.Lock()

    def _build(self) -> dict[str, tuple[str, ...]]:
        with self._lock:
            if self._keys is None:
                table = self._stored() if self._stored is not None else None
                if table is None:
                    table = name_table(self._words())
                self._keys = {k: tuple(v) for k, v in table.items()}
        return self._keys

    def spelled(self, key: str) -> list[str]:
        """The Chinese words `key` (lowercase pinyin, no spaces) spells: the letters' words
        with that reading, else, for a name and a generic the letters' words hold apart, the
        name's words (shiyoulu → 石油, when no word reads shiyoulu; which 路 or 石 follows is
        the letters' to say)."""
        keys = self._build()
        if key in keys:
            return list(dict.fromkeys(keys[key]))
        for cut in range(2, len(key) - 1):
            head, tail = key[:cut], key[cut:]
            if tail in _GENERIC and head in keys:
                return list(dict.fromkeys(keys[head]))
        return []

    def names(self, question: str, known: Collection[str] = ()) -> list[str]:
        """The Chinese names an English question spells in pinyin, as the letters write them
        (words in `known` left out); the longest run of words that spells one wins
        ("Shiyou Lu" → 石油路, not 石油 and 路)."""
        return list(dict.fromkeys(n for group in self.name_groups(question, known) for n in group))

    def name_groups(self, question: str, known: Collection[str] = ()) -> list[list[str]]:
        """`names`, one group per name the question spells (Xindian → [心电, 新店]: the
        letters' words that read alike)."""
        out: list[list[str]] = []
        for run in name_candidates(question, known):
            i = 0
            while i < len(run):
                for j in range(min(len(run), i + 3), i, -1):
                    key = "".join(run[i:j])
                    # One syllable alone is not a name (an, he, ma are too ambiguous).
                    if not any(len(s) >= 2 for s in split_syllables(key)):
                        continue
                    found = self.spelled(key)
                    if found:
                        out.append(found)
                        i = j
                        break
                else:
                    i += 1
        return out
