"""Chinese names an English question spells in pinyin (Shanghai, Jiulongpo, Nan'an, Shiyou).

An English question names places, streets and projects by their pinyin. Such a word is
capitalised, is not an English word CC-CEDICT or the glossary knows, and splits wholly into
two or more pinyin syllables ("Nan'an" → nan an). Whether the letters name it is read from
their text: every pair of neighbouring syllables must be the toneless pinyin of some pair of
neighbouring characters in the letters (九龙 and 龙坡 for Jiulongpo; any reading of a
character with several). A name no letter writes is one the collection knows nothing of.

The syllable table comes from `pypinyin`'s character table; the letters' character pairs are
read once per index, on the first English question that spells a name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import cache

from rag.search.dictionary import reverse_cedict

_WORD = re.compile(r"(?<![A-Za-z'’-])([A-Z][a-z]+(?:['’][a-z]+)?)(?![A-Za-z'’-])")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
#: Longest pinyin syllable (zhuang, shuang).
_LONGEST = 6


@cache
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written v)."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    every = {to_normal(p).replace("ü", "v") for v in pinyin_dict.values() for p in v.split(",")}
    return frozenset(s for s in every if re.search(r"[aeiouv]", s))  # not the interjections n, ng, hm


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
            if len(split) >= 2 and all(f"{a} {b}" in pairs for a, b in zip(split, split[1:], strict=False)):
                return True
        return False
