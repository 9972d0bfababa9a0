"""The government lexicon and the Chinese tokenizer built on it.

Text is normalised (traditional → simplified with opencc, full-width → half-width
letters and digits, lower case) and segmented with rjieba's search mode. The lexicon
adds three things plain jieba lacks:

- agency names and their abbreviations (`rag/data/agencies.tsv`: 市经信委, 经济信息委,
  经济和信息化委员会 …) become whole words *and* emit one shared concept token, so a
  question that says 经信委 matches a letter that says 市经济信息委;
- paraphrase groups (`rag/data/terms.tsv`: 老楼装电梯 | 既有住宅增设电梯 …) likewise
  share a concept token;
- numbers stay whole: 〔2020〕300号 yields `2020〔300`, 第0310号 yields `no310`, and
  every digit run is its own token, so exact document/proposal-number lookups hit;
- a number written otherwise than in plain digits (3.5万, 35,000, 1.2亿, "120 million",
  三千) also yields its value in plain digits (`rag.search.numbers`), so equal values
  match whatever their script.

English questions are translated term by term through `rag/data/glossary_en.tsv`
before tokenising, so the lexical side can match Chinese letters too.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rag.search.dictionary import translate_words
from rag.search.numbers import fold_thousands, value_tokens

DATA = Path(__file__).parents[1] / "data"

# Function words and question words that carry no topic: a question's 哪些 / 是否 / which
# match every letter alike, so they only add noise to BM25.
STOPWORDS = frozenset(
    """的 了 和 与 及 或 是 在 对 为 将 把 被 由 从 向 于 以 等 并 也 都 而 就 其 这 那 之 着 给 让 有 个 中 上 下 我 你 您
    他 她 它 我们 你们 他们 哪些 哪个 哪家 哪 什么 怎么 怎样 如何 是否 多少 几 谁 吗 呢 吧 啊 请问 请 一下 一些 有没有 有无 关于
    对于 方面 情况 问题 进行 开展 工作 相关 有关 一 二 三 可以 能 能否 会 要 需要 已经 已 还 又 再 来 去 说 讲 提到 提出 目前 现在
    哪里 何时 什么样 为什么 the a an of to in on for and or is are was were be by with what
    which who whom how does do did about from that this these those any there
    their its it at as""".split()
)

_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# A Chinese document number is an issuer, a bracketed year and a serial (渝经信复函〔2020〕300号);
# people type the brackets in any style. The year and serial together name one document.
_DOC_NUMBER = re.compile(r"[〔\[【(（]\s*((?:19|20)\d\d)\s*[〕\]】)）]\s*(\d{1,5})\s*号")
# A proposal or suggestion is numbered (第0310号, DH370号), written with or without the leading
# zeros and the 第: one token whatever the form.
_SERIAL = re.compile(r"(?:第\s*|[A-Za-z]{1,3})?0*(\d{1,9})\s*号")
# Any other digit run is its own token, without leading zeros (0310 and 310 are one number).
_DIGITS = re.compile(r"\d+")
_ASCII_WORD = re.compile(r"[a-z][a-z'\-]*")


def normalize(text: str) -> str:
    """Simplified, half-width (letters/digits), lower-case text for matching."""
    text = _t2s(text)
    # NFKC folds full-width letters/digits (２０２０ → 2020) but also punctuation; that is
    # fine here: matching text is never shown or used for offsets.
    return unicodedata.normalize("NFKC", text).lower()


@cache
def _opencc():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def _t2s(text: str) -> str:
    return _opencc().convert(text) if text else text


def _read_rows(path: Path) -> Iterable[list[str]]:
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            yield [p.strip() for p in line.split("\t")]


@dataclass
class Lexicon:
    """Surface forms → concept tokens, plus the English glossary."""

    concepts: dict[str, str] = field(default_factory=dict)  # normalised surface → concept token
    # English phrase → Chinese terms, longest phrase first.
    glossary: list[tuple[str, list[str]]] = field(default_factory=list)
    # Chinese place names of the glossary's gazetteer section.
    places: set[str] = field(default_factory=set)
    # Words that frame a question, not its topic (dropped from question tokens).
    frame: frozenset[str] = frozenset()
    version: str = ""

    def words(self) -> list[str]:
        """Every surface form, to register with the segmenter."""
        return list(self.concepts)


def build_lexicon(
    agency_tsv: Path | None = None,
    terms_tsv: Path | None = None,
    glossary_tsv: Path | None = None,
    extra_agencies: Path | None = None,
    question_words: Path | None = None,
) -> Lexicon:
    """Read the data files into a `Lexicon` (missing files contribute nothing)."""
    lex = Lexicon()
    digest = hashlib.sha256()
    for path in (agency_tsv or DATA / "agencies.tsv", extra_agencies):
        if path is None:
            continue
        digest.update(path.read_bytes() if path.is_file() else b"")
        for row in _read_rows(path):
            if len(row) >= 2 and row[0] and row[1]:
                concept = "机构:" + normalize(row[1])
                for surface in (row[0], row[1]):
                    if len(surface) >= 2:
                        lex.concepts.setdefault(normalize(surface), concept)
    terms = terms_tsv or DATA / "terms.tsv"
    digest.update(terms.read_bytes() if terms.is_file() else b"")
    for row in _read_rows(terms):
        group = [normalize(t) for t in row[0].split("|") if len(t.strip()) >= 2]
        if len(group) >= 2:
            concept = "同义:" + group[0]
            for surface in group:
                lex.concepts.setdefault(surface, concept)
    gloss = glossary_tsv or DATA / "glossary_en.tsv"
    digest.update(gloss.read_bytes() if gloss.is_file() else b"")
    entries = {}
    in_places = False
    for raw in gloss.read_text(encoding="utf-8-sig").splitlines() if gloss.is_file() else []:
        line = raw.strip()
        if line.startswith("#"):
            # The glossary's last section, headed "(e) place names", is a gazetteer.
            in_places = in_places or bool(re.match(r"#\s*\(e\)", line))
            continue
        row = [p.strip() for p in line.split("\t")]
        if len(row) >= 2 and row[0] and row[1]:
            terms = [t.strip() for t in row[1].split("|") if t.strip()]
            entries[row[0].lower()] = terms
            if in_places:
                lex.places.update(terms)
    frame = question_words or DATA / "question_words.txt"
    digest.update(frame.read_bytes() if frame.is_file() else b"")
    lex.frame = frozenset(
        normalize(w) for row in _read_rows(frame) for line in row for w in line.split()
    )
    # Longest phrases first, so "street light" wins over "light".
    lex.glossary = sorted(entries.items(), key=lambda kv: -len(kv[0]))
    lex.version = digest.hexdigest()[:16]
    return lex


class Tokenizer:
    """Lexicon-aware Chinese tokenizer for BM25 (documents and queries alike)."""

    def __init__(self, lexicon: Lexicon) -> None:
        import rjieba

        # A private segmenter: the lexicon's words do not leak into other users of rjieba.
        self._jieba = rjieba.Jieba()
        self.lexicon = lexicon
        for word in lexicon.words():
            if not self._jieba.has_word(word):
                self._jieba.add_word(word, None, None)
        for word in lexicon.frame:
            # Frame words must win over the words they overlap (各自由谁: 由谁, not 自由).
            if len(word) >= 2:
                self._jieba.add_word(word, 10**6, None)
        self.version = lexicon.version

    def tokenize(self, text: str) -> list[str]:
        """Tokens of `text`: words, concept tokens, whole-number tokens and number values."""
        norm = normalize(fold_thousands(text))
        tokens = [f"{m.group(1)}〔{int(m.group(2))}" for m in _DOC_NUMBER.finditer(norm)]
        tokens += [f"no{int(m.group(1))}" for m in _SERIAL.finditer(norm)]
        tokens += value_tokens(norm)
        concepts = self.lexicon.concepts
        for tok in self._jieba.cut_for_search(norm, True):
            tok = tok.strip()
            if not tok or tok in STOPWORDS or not _TOKEN_OK.search(tok):
                continue
            if _DIGITS.fullmatch(tok) and len(tok) > 1:
                tok = str(int(tok))  # 0310 and 310 are one number
            tokens.append(tok)
            concept = concepts.get(tok)
            if concept:
                tokens.append(concept)
        return tokens

    def translate(self, question: str) -> str:
        """Chinese terms for the English words of `question` (empty if none known)."""
        low = " " + re.sub(r"[^a-z0-9]+", " ", re.sub(r"['’]", "", question.lower())) + " "
        found: list[str] = []
        for phrase, terms in self.lexicon.glossary:
            key = f" {phrase} "
            if key in low:
                found += terms
                low = low.replace(key, " ")
        # Everyday words the glossary lacks ("leaning elm trees") through CC-CEDICT.
        found += translate_words(low.split())
        return " ".join(found)

    def expansions(self, tokens: list[str]) -> list[str]:
        """Every surface form of the paraphrase groups among `tokens` (agency groups excluded)."""
        wanted = {t for t in tokens if t.startswith("同义:")}
        return [surface for surface, concept in self.lexicon.concepts.items() if concept in wanted]

    def query_tokens(self, question: str) -> list[str]:
        """Tokens for a question, without its frame words (哪几封, 由谁, 一起 …); English words
        are translated through the glossary."""
        tokens = self.tokenize(question)
        if _ASCII_WORD.search(question.lower()):
            tokens += self.tokenize(self.translate(question))
        return [t for t in tokens if t not in self.lexicon.frame]


@cache
def default_tokenizer(extra_agencies: Path | None = None) -> Tokenizer:
    """The process-wide tokenizer over the bundled lexicon (built once)."""
    return Tokenizer(build_lexicon(extra_agencies=extra_agencies))


def tokens_key(lexicon_version: str) -> str:
    """What BM25 document tokens depend on: the lexicon, the tokenizer's code, the segmenter."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update((Path(__file__).parent / "numbers.py").read_bytes())
    for package in ("rjieba", "cn2an"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(importlib.metadata.version(package).encode())
    return f"{lexicon_version}:{digest.hexdigest()[:16]}"
