"""Hybrid retrieval: dense + BM25, fused, field-aware, grouped by letter.

1. Dense: the question's embedding against the FAISS store (top `pool`).
2. Lexical: BM25 over lexicon-aware tokens (agency abbreviations, paraphrase groups,
   whole numbers; English questions translated through the glossary, and the names they
   spell in pinyin looked up as the letters' Chinese words — `rag.search.names`), top `pool`.
3. Fusion: reciprocal-rank fusion of the two rankings.
4. Fields: letters whose fields match what the question names (document number,
   proposal number, agency, place, year, kind) get a boost; explicit `Filters` are
   hard constraints. When a question identifies one letter and asks for a field,
   that letter's header, opening and closing passages join the candidates.
5. Grouping: at most `per_letter` chunks of one letter in the top k, so one long letter
   cannot crowd out the others. A question that asks for several letters (哪些部门…,
   有哪些答复…) gets the best passages of its first few letters before any letter's
   second passage.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from index.folder import LetterIndex
from index.lexical import BM25Store
from rag.chunking import embed_input
from rag.config import RetrievalSettings
from rag.embedding import Embedder
from rag.letters.agencies import merged_cores, place_of
from rag.letters.values import field_value, labelled_dates
from rag.search.lexicon import Tokenizer, default_tokenizer, normalize
from rag.search.names import NameIndex, stored_table
from rag.search.query import (
    Filters,
    QueryInfo,
    agency_core,
    analyze,
    clean_question,
    doc_number_key,
    is_english,
    number_key,
)
from rag.search.records import RecordIndex, RecordMatch, asks_for_records
from rag.search.respell import PlaceSpeller
from rag.search.typed import retype
from rag.types import Chunk, Hit, Letter

log = logging.getLogger(__name__)

_TITLE_NUMBERS = re.compile(r"([A-Za-z]{0,3}\d{1,9})\s*号")


@dataclass(frozen=True, slots=True)
class LetterKeys:
    """What a letter's fields say, in the forms queries are matched with.

    The retriever keeps one per letter (3 x 10^5 at 10^6 chunks), so they are slotted and
    immutable, and letters saying the same thing (an agency, a place, a year) share the value.
    """

    doc_numbers: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    cohandlers: frozenset[str] = frozenset()
    place: str = ""
    years: frozenset[int] = frozenset()
    kind: str | None = None
    category: str | None = None

    @classmethod
    def of(cls, letter: Letter, shared: dict[Hashable, Hashable] | None = None) -> LetterKeys:
        """The keys of `letter`. With `shared`, a value equal to one already there is that
        object (new ones are added), so letters saying the same thing hold it once."""
        f = letter.fields
        head_end = f.spans.get("addressee", (min(len(letter.text), 800), 0))[0]
        doc_numbers = set(doc_number_key(letter.text[:head_end]))
        if f.doc_number:
            doc_numbers |= set(doc_number_key(f.doc_number))
        numbers = {number_key(f.number)} if f.number else set()
        if f.title:
            numbers |= {number_key(n) for n in _TITLE_NUMBERS.findall(f.title)}
        agencies = _with_merged(
            {agency_core(name) for name in (f.agency, f.agency_canonical, *f.agency_aliases) if name}
        )
        place = (
            (place_of(f.agency_canonical or f.agency or "") or "")
            if (f.agency or f.agency_canonical)
            else ""
        )
        years = {int(f.date[:4])} if f.date else set()
        years |= {int(k[:4]) for k in doc_numbers}
        if not years:
            # An undated letter is of the year its page was published or updated in.
            years = {int(v.value[:4]) for _, v in labelled_dates(letter)[:1] if v.value}
        values: tuple[Any, ...] = (
            frozenset(doc_numbers),
            frozenset(numbers),
            agencies,
            _with_merged(agency_core(c) for c in f.cohandlers),
            place,
            frozenset(years),
            f.kind,
            f.category,
        )
        if shared is not None:
            values = tuple(shared.setdefault(v, v) for v in values)
        return cls(*values)


def _with_merged(cores: Iterable[str]) -> frozenset[str]:
    """Agency cores with the bodies merged ones stand for (教育体育局: 教育局 and 体育局 too)."""
    return frozenset(part for core in cores for part in (core, *merged_cores(core)))


@dataclass
class Trace:
    """What one search did, for `replyqa search --explain`: filled in as the stages run.

    Rows are chunk rows of the index.
    """

    query: dict[str, Any] = field(default_factory=dict)  # normalised text, analysis, tokens
    filters: dict[str, Any] = field(default_factory=dict)
    dense: dict[int, tuple[int, float]] = field(default_factory=dict)  # row → (rank, score)
    lexical: dict[int, tuple[int, float]] = field(default_factory=dict)
    fused: dict[int, tuple[int, float]] = field(default_factory=dict)  # before field boosts
    boosts: dict[str, dict[str, float]] = field(default_factory=dict)  # letter → {why: boost}
    bonuses: dict[int, dict[str, float]] = field(default_factory=dict)  # row → {why: bonus}
    notes: list[str] = field(default_factory=list)  # the ranking mode …
    rows: dict[str, int] = field(default_factory=dict)  # chunk id → row, of the candidates

    def hit(self, hit: Hit) -> dict[str, Any]:
        """How `hit` got its place: each ranking's rank and score, the fused rank, boosts."""
        row = self.rows.get(hit.chunk.id)
        dense = self.dense.get(row) if row is not None else None
        lexical = self.lexical.get(row) if row is not None else None
        fused = self.fused.get(row) if row is not None else None
        boosts = dict(self.boosts.get(hit.letter.id, {}))
        boosts.update(self.bonuses.get(row, {}) if row is not None else {})
        return {
            "rank": hit.rank,
            "chunk_id": hit.chunk.id,
            "dense_rank": dense[0] if dense else None,
            "dense_score": round(dense[1], 4) if dense else None,
            "bm25_rank": lexical[0] if lexical else None,
            "bm25_score": round(lexical[1], 4) if lexical else None,
            "fused_rank": fused[0] if fused else None,
            "fused_score": round(fused[1], 6) if fused else None,
            "boosts": {why: round(v, 6) for why, v in boosts.items()},
            "score": round(float(hit.score), 6),
        }

    def to_json(self, hits: Sequence[Hit]) -> dict[str, Any]:
        """The `explain` field of `replyqa search --json --explain`."""
        return {
            "query": self.query,
            "filters": self.filters,
            "notes": self.notes,
            "hits": [self.hit(h) for h in hits],
        }


def matches(keys: LetterKeys, filters: Filters) -> bool:
    """Whether a letter passes every explicit filter."""
    if (
        filters.agency
        and agency_core(filters.agency) not in keys.agencies
        and filters.agency not in keys.agencies
    ):
        return False
    if filters.place and filters.place not in keys.place:
        return False
    if filters.year and filters.year not in keys.years:
        return False
    if filters.kind and filters.kind != keys.kind:
        return False
    return not (filters.category and filters.category.upper() != (keys.category or ""))


class Retriever:
    """Answers `search(question, k)` against one index with one embedder."""

    def __init__(
        self,
        index: LetterIndex,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.tokenizer = tokenizer or default_tokenizer()
        shared: dict[Hashable, Hashable] = {}
        self.keys = {lid: LetterKeys.of(letter, shared) for lid, letter in index.letters.items()}
        self._filter_cache: dict[Filters, set[str]] = {}
        # The letters' words by their pinyin, for the names English questions spell: the table
        # the build stored, read on the first English question (else made from the BM25
        # vocabulary then: an older index, or BM25 re-tokenised below).
        self._names = NameIndex(
            lambda: self.index.bm25.words() if self.index.bm25 else (),
            lambda: stored_table(
                self.index.stored_names(), self.index.bm25.vocab_size if self.index.bm25 else 0
            ),
        )
        self._glossary_words: frozenset[str] | None = None  # what the glossary translates
        # Places a question misspells by sound (邱北县), against the places senders name.
        self._speller = PlaceSpeller(
            lambda: (
                n
                for letter in self.index.letters.values()
                for n in (letter.fields.agency_canonical, letter.fields.agency)
                if n
            )
        )
        self._record_index: RecordIndex | None = None  # built on the first record question
        # The last record question's matches: the answerer asks for what search just found.
        self._last_records: tuple[tuple[str, frozenset[str] | None], list[RecordMatch]] | None = (
            None
        )
        # Letters by document / proposal number. Most numbers name one letter, so the letters
        # are tuples (a set costs 216 bytes however few it holds; a 1-tuple 48).
        by_doc_number: dict[str, list[str]] = defaultdict(list)
        by_number: dict[str, list[str]] = defaultdict(list)
        for lid, keys in self.keys.items():
            for key in keys.doc_numbers:
                by_doc_number[key].append(lid)
            for key in keys.numbers:
                by_number[key].append(lid)
        self._by_doc_number = {key: tuple(lids) for key, lids in by_doc_number.items()}
        self._by_number = {key: tuple(lids) for key, lids in by_number.items()}
        if index.manifest.lexicon != self.tokenizer.version:
            # Built without BM25, or with another lexicon: re-tokenise in memory so query and
            # document tokens agree (cheap next to embedding; a rebuild makes it permanent).
            log.info(
                "index %s: rebuilding BM25 in memory (lexicon %r -> %r)",
                index.path,
                index.manifest.lexicon,
                self.tokenizer.version,
            )
            index.bm25 = BM25Store.build(
                [
                    self.tokenizer.tokenize(embed_input(index.letters[c.letter_id], c))
                    for c in index.chunks
                ]
            )
            self._names = NameIndex(index.bm25.words)  # the stored table is of other words

    # -- the stages --------------------------------------------------------------------------
    def _dense(
        self,
        question: str,
        pool: int,
        rows: np.ndarray | None = None,
        trace: Trace | None = None,
    ) -> list[int]:
        names = self.spelled_names(question)
        # The Chinese names beside their pinyin: the encoder reads Chinese names better than
        # their spelling (validation recall@10 of English questions 0.979 → 1.0).
        query = self.embedder.embed_query(f"{question} ({' '.join(names)})" if names else question)
        subset = None if rows is None else self.index.vector_ids[rows]
        scores, ids = self.index.store.search(query.reshape(1, -1), pool, subset)
        out = []
        for vid, score in zip(ids[0], scores[0], strict=True):
            row = self.index.row_for_vector(int(vid)) if vid >= 0 else None
            if row is not None:
                out.append(row)
                if trace is not None:
                    trace.dense.setdefault(row, (len(out), float(score)))
        return out

    def _lexical(
        self,
        question: str,
        pool: int,
        rows: np.ndarray | None = None,
        trace: Trace | None = None,
    ) -> list[int]:
        if self.index.bm25 is None:
            return []
        mask = None
        if rows is not None:
            mask = np.zeros(self.index.bm25.n_docs, dtype=np.float32)
            mask[rows] = 1.0
        scores = self.index.bm25.scores(self.query_tokens(question), mask)
        n = min(pool, len(scores))
        if not n:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.lexsort((top, -scores[top]))]
        out = [int(r) for r in top if scores[r] > 0]
        if trace is not None:
            for rank, row in enumerate(out, 1):
                trace.lexical.setdefault(row, (rank, float(scores[row])))
        return out

    def spelled_names(self, question: str) -> list[str]:
        """The Chinese names an English question spells in pinyin, as the letters write them
        (Shiyoulu → 石油路); none for a Chinese question."""
        return list(dict.fromkeys(n for group in self.spelled_name_groups(question) for n in group))

    def spelled_name_groups(self, question: str) -> list[list[str]]:
        """`spelled_names`, one group per name the question spells."""
        if not is_english(question):
            return []
        if self._glossary_words is None:
            self._glossary_words = frozenset(
                w for phrase, _ in self.tokenizer.lexicon.glossary for w in phrase.split()
            )
        return self._names.name_groups(question, self._glossary_words)

    def query_tokens(self, question: str) -> list[str]:
        """The question's BM25 tokens; an English question's pinyin names join as the Chinese
        words the letters write."""
        tokens = self.tokenizer.query_tokens(question)
        names = self.spelled_names(question)
        if names:
            frame = self.tokenizer.lexicon.frame
            tokens += [t for t in self.tokenizer.tokenize(" ".join(names)) if t not in frame]
        return tokens

    def respell(self, question: str) -> str:
        """`question` with the places it misspells by sound written as the letters write them
        (`rag.search.respell`)."""
        return self._speller.respell(question)[0]

    def analyze(self, question: str) -> QueryInfo:
        """`rag.search.query.analyze` of the question as written formally (`retype`), plus the
        places an English question names (via the gazetteer)."""
        info = analyze(retype(question)[0])
        if info.english:
            gazetteer = self.tokenizer.lexicon.places
            info.places += [t for t in self.tokenizer.translate(question).split() if t in gazetteer]
        return info

    def describe(self, question: str, info: QueryInfo | None = None) -> dict[str, Any]:
        """What the question became: its normalised text, what analysis read in it, the BM25
        tokens (frame words dropped), and for English the Chinese words it was translated to."""
        info = info or self.analyze(question)
        out: dict[str, Any] = {
            "question": question,
            "normalized": normalize(question),
            "analysis": {
                k: v
                for k, v in asdict(info).items()
                if k != "text" and v not in (None, False, [], "")
            },
            # An agency named without a place is every place's body of that kind.
            "agency_places": ("as named" if info.places else "any") if info.agencies else None,
            "bm25_tokens": self.query_tokens(question),
        }
        if info.english:
            out["translated"] = self.tokenizer.translate(question)
            out["pinyin_names"] = self.spelled_names(question)
        return out

    def lexical_scores(self, question: str) -> dict[str, float]:
        """BM25 score of every chunk that shares a token with `question`, by chunk id."""
        if self.index.bm25 is None:
            return {}
        scores = self.index.bm25.scores(self.query_tokens(question))
        return {self.index.chunks[int(r)].id: float(scores[r]) for r in np.flatnonzero(scores)}

    def lexical_top_letter(self, text: str) -> str | None:
        """The letter whose chunk BM25 scores highest for `text` (no embedding: cheap enough to
        ask of each side of a question), or None when no chunk shares a token with it."""
        if self.index.bm25 is None:
            return None
        scores = self.index.bm25.scores(self.query_tokens(retype(clean_question(text))[0]))
        if not scores.size or scores.max() <= 0:
            return None
        return self.index.chunks[int(np.argmax(scores))].letter_id

    def _allowed(self, filters: Filters) -> set[str]:
        """Letters passing explicit filters (cached per distinct filter set)."""
        if filters not in self._filter_cache:
            if len(self._filter_cache) > 256:
                self._filter_cache.clear()
            self._filter_cache[filters] = {
                lid for lid, keys in self.keys.items() if matches(keys, filters)
            }
        return self._filter_cache[filters]

    def _rows_of(self, letters: set[str]) -> np.ndarray:
        if not letters:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate([self.index.rows_of_letter(lid) for lid in letters]))

    def _named_letters(self, info: QueryInfo) -> set[str]:
        named: set[str] = set()
        for key in info.doc_numbers:
            named.update(self._by_doc_number.get(key, ()))
        if info.numbers and len(named) == 0:
            hits = [self._by_number.get(n, ()) for n in info.numbers]
            named = set().union(*hits)
            if len(named) > 20:  # a bare small number (第4号) names too many letters to help
                named = set()
        return named

    def _field_boost(self, info: QueryInfo, keys: LetterKeys) -> float:
        return sum(self._field_boosts(info, keys).values())

    def _field_boosts(self, info: QueryInfo, keys: LetterKeys) -> dict[str, float]:
        """The boosts a letter's fields earn for what the question names, by reason."""
        s, unit = self.settings, 1.0 / (self.settings.rrf_k + 1)
        boost: dict[str, float] = {}
        if info.doc_numbers and keys.doc_numbers & set(info.doc_numbers):
            boost["doc_number"] = s.boost_doc_number * unit
        if info.numbers and keys.numbers & set(info.numbers):
            boost["number"] = s.boost_number * unit
        if info.agencies:
            if keys.agencies & set(info.agencies):
                boost["agency"] = s.boost_agency * unit
            elif keys.cohandlers & set(info.agencies):
                boost["cohandler"] = 0.5 * s.boost_agency * unit
        if info.places and keys.place and any(p in keys.place for p in info.places):
            boost["place"] = s.boost_place * unit
        if info.years and keys.years & set(info.years):
            boost["year"] = s.boost_year * unit
        return boost

    def _landmark_rows(self, letter_id: str) -> list[int]:
        """The header, opening and closing chunks of a letter (where its fields are written)."""
        rows = self.index.rows_of_letter(letter_id).tolist()
        return list(dict.fromkeys(rows[:2] + rows[-1:]))

    def record_matches(
        self, question: str, info: QueryInfo, allowed: Collection[str] | None = None
    ) -> list[RecordMatch]:
        """`RecordIndex.matches` over this index's letters (one `RecordIndex`, built on the
        first record question), remembered for the last question (the answer asks for what
        search just found)."""
        key = (question, None if allowed is None else frozenset(allowed))
        last = self._last_records
        if last is None or last[0] != key:
            if self._record_index is None:
                self._record_index = RecordIndex(self.index.letters.values())
            matches = self._record_index.matches(question, info, key[1])
            last = self._last_records = (key, matches)
        return last[1]

    def _record_rows(
        self,
        question: str,
        info: QueryInfo,
        allowed: set[str] | None,
        ranked: Collection[int],
        limit: int,
    ) -> list[int]:
        """Rows holding the cited fields of the letters a record question selects: those that
        are `ranked` first, then the lowest, at most `limit` (thousands of letters match at
        scale; locating each one's fields took ~0.6 s a question at 10^6 chunks).

        A letter's rows are never below its first row, so the other letters are visited by
        first row, and the visit stops once the lowest rows are certain.
        """
        if not asks_for_records(question, info):
            return []
        matches = self.record_matches(question, info, allowed)
        ranked_letters = {self.index.chunks[row].letter_id for row in ranked}
        chosen: set[int] = set()  # rows in `ranked`
        lowest: set[int] = set()  # the others
        for match in matches:  # a ranked row is in a ranked row's letter
            if match.letter.id in ranked_letters:
                for row in self._field_rows(match):
                    (chosen if row in ranked else lowest).add(row)
        need = limit - len(chosen)
        others = []  # (first row, match) of the other letters
        for match in matches:
            rows = self.index.rows_of_letter(match.letter.id)
            if len(rows) and match.letter.id not in ranked_letters:
                others.append((int(rows[0]), match))
        others.sort(key=lambda t: t[0])
        for first, match in others:
            if len(lowest) >= need and (need <= 0 or first > sorted(lowest)[need - 1]):
                break  # every row still to come is above the lowest `need`
            lowest.update(self._field_rows(match))
        return sorted(chosen)[:limit] + sorted(lowest)[: max(need, 0)]

    def _field_rows(self, match: RecordMatch) -> list[int]:
        """The rows where a matching letter writes the fields (or evidence) it is cited for."""
        values = [field_value(match.letter, name) for name in match.cite]
        starts = [v.start for v in values if v.value is not None]
        starts += [match.evidence[0]] if match.evidence else []
        rows: list[int] = []
        letter_rows = self.index.rows_of_letter(match.letter.id).tolist()
        for start in starts:
            for row in letter_rows:
                chunk = self.index.chunks[row]
                if chunk.start <= start < chunk.end:
                    rows.append(row)
                    break
        return list(dict.fromkeys(rows))

    # -- the whole pipeline ------------------------------------------------------------------
    def search(
        self,
        question: str,
        k: int = 10,
        filters: Filters | None = None,
        only_letters: Collection[str] | None = None,
        exclude_letters: Collection[str] = (),
        trace: Trace | None = None,
    ) -> list[Hit]:
        """The top-`k` chunks for `question`, best first.

        Args:
            question: The question as asked.
            k: How many hits to return.
            filters: Hard constraints on letter fields.
            only_letters: Restrict to these letter ids (a follow-up about "this letter").
            exclude_letters: Leave these letters out ("anything else?").
            trace: Filled in with how each hit got its place (`--explain`).
        """
        question, rewrites = retype(clean_question(question))
        question, respelt = self._speller.respell(question)
        rewrites += respelt
        if trace is not None:
            trace.query["rewrites"] = rewrites
        return self._search(question, k, filters, only_letters, exclude_letters, trace)

    def _search(
        self,
        question: str,
        k: int,
        filters: Filters | None,
        only_letters: Collection[str] | None,
        exclude_letters: Collection[str],
        trace: Trace | None = None,
    ) -> list[Hit]:
        """Dense + lexical, fused, field-aware, grouped by letter."""
        s = self.settings
        info = self.analyze(question)
        filters = filters or Filters()
        if trace is not None and "normalized" not in trace.query:
            trace.query.update(self.describe(question, info))
            trace.filters = {k: v for k, v in asdict(filters).items() if v is not None}
            if only_letters is not None:
                trace.filters["only_letters"] = len(set(only_letters))
            if exclude_letters:
                trace.filters["exclude_letters"] = len(set(exclude_letters))
        allowed = self._allowed(filters) if filters.active() else None
        if only_letters is not None:
            allowed = (set(only_letters) if allowed is None else allowed & set(only_letters)) & set(
                self.keys
            )
        if exclude_letters:
            allowed = (set(self.keys) if allowed is None else allowed) - set(exclude_letters)
        if allowed is not None and not allowed:
            return []
        rows = None if allowed is None else self._rows_of(allowed)
        pool = s.pool * (2 if info.enumeration else 1)
        fused: dict[int, float] = defaultdict(float)
        for weight, ranking in (
            (s.dense_weight, self._dense(question, pool, rows, trace)),
            (s.lexical_weight, self._lexical(question, pool, rows, trace)),
        ):
            for rank, row in enumerate(ranking, 1):
                fused[row] += weight / (s.rrf_k + rank)
        # Letters the question identifies by number join the candidates even if neither
        # ranking reached them (at scale, a number is a needle in a large haystack).
        named = self._named_letters(info)
        if allowed is not None:
            named &= allowed
        if trace is not None:
            order = sorted(fused, key=lambda r: (-fused[r], r))
            for rank, row in enumerate(order, 1):
                trace.fused.setdefault(row, (rank, fused[row]))
        for lid in named:
            for row in self._landmark_rows(lid):
                fused.setdefault(row, 0.0)
                if trace is not None:
                    trace.bonuses.setdefault(row, {})["named_by_number"] = 0.0
        # Record questions (which letters were co-handled by X, came from a town government,
        # were proposed by a party …) are answered by fields: the passages where the matching
        # letters write those fields lead.
        for row in self._record_rows(question, info, allowed, fused.keys(), pool):
            fused[row] = fused.get(row, 0.0) + s.record_bonus / (s.rrf_k + 1)
            if trace is not None:
                trace.bonuses.setdefault(row, {})["record"] = s.record_bonus / (s.rrf_k + 1)
        candidates = {self.index.chunks[row].letter_id for row in fused}
        reasons = {lid: self._field_boosts(info, self.keys[lid]) for lid in candidates}
        boosts = {lid: sum(why.values()) for lid, why in reasons.items()}
        focus = None
        if info.intents and not info.enumeration and fused:
            # A field question (文号, 审签, 日期 …) about one letter: the best-matching letter's
            # header, opening and closing passages, where fields are written, come first.
            best = max(fused, key=lambda r: (fused[r] + boosts[self.index.chunks[r].letter_id], -r))
            focus = self.index.chunks[best].letter_id
            for row in self._landmark_rows(focus):
                fused[row] += s.landmark_bonus / (s.rrf_k + 1)
                if trace is not None:
                    trace.bonuses.setdefault(row, {})["landmark"] = s.landmark_bonus / (s.rrf_k + 1)
        if trace is not None:
            for lid, why in reasons.items():
                if why:
                    trace.boosts.setdefault(lid, why)
            for row in fused:
                trace.rows.setdefault(self.index.chunks[row].id, row)
        scored = [
            (score + boosts[self.index.chunks[row].letter_id], row) for row, score in fused.items()
        ]
        scored.sort(key=lambda t: (-t[0], t[1]))
        if info.lists_letters:
            if trace is not None and s.list_letters_first:
                trace.notes.append(f"list question: {s.list_letters_first} letters first")
            return self._group(scored, k, s.per_letter_list, focus, s.list_letters_first, trace)
        return self._group(scored, k, s.per_letter, focus)

    def _group(
        self,
        scored: Sequence[tuple[float, int]],
        k: int,
        per_letter: int,
        focus: str | None = None,
        letters_first: int = 0,
        trace: Trace | None = None,
    ) -> list[Hit]:
        """The best chunks, at most `per_letter` of one letter (more of the `focus` letter);
        with `letters_first`, the best chunks of that many different letters lead.

        A question that asks for several letters is answered by letters: its first hits reach
        as many letters as they can (each letter's best passage, letters ranked by it), then
        the letters' further passages compete by score, where a letter's evidence often sits
        in its second passage (the first holds its title and header).
        """
        head: list[tuple[float, int]] = []
        if letters_first:
            seen: set[str] = set()
            for score, row in scored:
                lid = self.index.chunks[row].letter_id
                if lid not in seen:
                    seen.add(lid)
                    head.append((score, row))
                    if len(head) == letters_first:
                        break
        taken = list(head)
        count: dict[str, int] = defaultdict(int)
        for _, row in head:
            count[self.index.chunks[row].letter_id] += 1
        chosen = {row for _, row in head}
        for score, row in scored:
            lid = self.index.chunks[row].letter_id
            cap = max(per_letter, 4) if lid == focus else per_letter
            if row not in chosen and count[lid] < cap:
                count[lid] += 1
                taken.append((score, row))
        if len(taken) < k:  # few letters: fill with their further chunks, best first
            chosen = {row for _, row in taken}
            taken += [item for item in scored if item[1] not in chosen][: k - len(taken)]
        floor = float("inf")  # scores fall with the rank, the letters-first head included
        hits = []
        for rank, (score, row) in enumerate(taken[:k], 1):
            if score > floor and trace is not None:
                trace.bonuses.setdefault(row, {})["below_letters_first"] = floor - score
            floor = min(floor, score)
            hits.append(self._hit(self.index.chunks[row], floor, rank))
        return hits

    def _hit(self, chunk: Chunk, score: float, rank: int) -> Hit:
        return Hit(chunk=chunk, letter=self.index.letters[chunk.letter_id], score=score, rank=rank)

    def search_many(self, questions: Sequence[str], k: int = 10) -> list[list[Hit]]:
        return [self.search(q, k) for q in questions]
