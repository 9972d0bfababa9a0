"""The lexical side of an index: BM25 over pre-tokenised chunks, plus the token cache.

Rows are the index's chunks in the same order as its chunk table. Tokens come from
the caller (the lexicon-aware tokenizer in `rag.search.lexicon`); this module counts and scores.

Two structures, saved together as the `bm25/` folder of a generation:

- `DocTerms`: per chunk, its distinct token ids and their counts (a CSR table over one
  vocabulary). This is the build-time cache: a chunk whose embedding input is unchanged
  takes its row from the previous generation instead of being tokenised again.
- `BM25Store`: the BM25 score matrix (Lucene variant, as bm25s computes it), one column
  per token: `indptr` (per token), `indices` (chunk rows) and `data` (scores). BM25
  statistics are corpus-wide, so every build recomputes it from the `DocTerms` (numpy,
  ~a second at 10^5 chunks). An opened index reads the columns of a query's tokens from
  the files when it scores (`pread`, ~16 ms a query at 10^6 chunks), so the matrix
  (~0.7 GB at 10^6 chunks) is never resident; the vocabulary is a sorted byte table.

Indexes written before this format (a bm25s folder) are still read.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import IndexStoreError

FOLDER = "bm25"
_FORMAT = "replyqa-bm25/1"
_META = "meta.json"
_VOCAB = "vocab.json"
_MATRIX = ("indptr", "indices", "data")
_TERMS = ("doc_ptr", "doc_ids", "doc_tf")


@dataclass
class DocTerms:
    """Per document: distinct token ids and their counts, over one vocabulary.

    Row i holds `ids[ptr[i]:ptr[i+1]]` (token ids) and `tf[...]` (their counts). An empty
    document is stored as one "" token, as bm25s does, so document lengths agree with it.
    """

    vocab: list[str]
    ptr: np.ndarray  # int64, (n_docs + 1,)
    ids: np.ndarray  # int32, token id per entry
    tf: np.ndarray  # int32, count per entry

    def __len__(self) -> int:
        return len(self.ptr) - 1

    @classmethod
    def from_tokens(cls, docs: Iterable[Sequence[str]], vocab: list[str] | None = None) -> DocTerms:
        """Count the tokens of each document, extending `vocab` (a copy) with new tokens."""
        words = list(vocab or [])
        lookup = {w: i for i, w in enumerate(words)}
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (lens, ids, tf) per block
        flat: list[int] = []
        lens: list[int] = []

        def flush() -> None:
            if not lens:
                return
            n = len(lens)
            doc = np.repeat(np.arange(n, dtype=np.int64), lens)
            width = max(len(words), 1)
            keys, counts = np.unique(
                doc * width + np.asarray(flat, dtype=np.int64), return_counts=True
            )
            parts.append(
                (np.bincount(keys // width, minlength=n), (keys % width).astype(np.int32), counts)
            )
            flat.clear()
            lens.clear()

        for toks in docs:
            toks = list(toks) or [""]
            lens.append(len(toks))
            for t in toks:
                tid = lookup.get(t)
                if tid is None:
                    tid = lookup[t] = len(words)
                    words.append(t)
                flat.append(tid)
            if len(flat) >= 1 << 20:  # bounded memory for large corpora
                flush()
        flush()
        if not parts:
            return cls(words, np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32))
        ptr = np.zeros(sum(len(p[0]) for p in parts) + 1, dtype=np.int64)
        np.cumsum(np.concatenate([p[0] for p in parts]), out=ptr[1:])
        ids = np.concatenate([p[1] for p in parts])
        tf = np.concatenate([p[2] for p in parts]).astype(np.int32)
        return cls(words, ptr, ids, tf)

    def take(self, rows: np.ndarray) -> DocTerms:
        """The documents `rows` (in that order), same vocabulary."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.ptr[rows], self.ptr[rows + 1]
        lens = ends - starts
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lens, out=ptr[1:])
        # Entry j of the result comes from starts[row] + (j - ptr[row]).
        src = np.repeat(starts - ptr[:-1], lens) + np.arange(ptr[-1], dtype=np.int64)
        return DocTerms(self.vocab, ptr, self.ids[src], self.tf[src])

    @classmethod
    def concat(cls, first: DocTerms, second: DocTerms) -> DocTerms:
        """`first`'s rows then `second`'s; `second.vocab` must extend `first.vocab`."""
        if second.vocab[: len(first.vocab)] != first.vocab:
            raise ValueError("the second vocabulary must extend the first")
        ptr = np.concatenate([first.ptr, second.ptr[1:] + first.ptr[-1]])
        return cls(
            second.vocab,
            ptr,
            np.concatenate([first.ids, second.ids]),
            np.concatenate([first.tf, second.tf]),
        )

    def compact(self) -> DocTerms:
        """The same documents over only the tokens they use."""
        used = np.zeros(len(self.vocab), dtype=bool)
        used[self.ids] = True
        if used.all():
            return self
        new_id = np.cumsum(used, dtype=np.int64) - 1
        vocab = [w for w, u in zip(self.vocab, used, strict=True) if u]
        return DocTerms(vocab, self.ptr, new_id[self.ids].astype(np.int32), self.tf)

    def save(self, folder: Path) -> None:
        for name, arr in zip(_TERMS, (self.ptr, self.ids, self.tf), strict=True):
            np.save(folder / f"{name}.npy", arr)

    @classmethod
    def load(cls, folder: Path, vocab: list[str]) -> DocTerms:
        ptr, ids, tf = (np.load(folder / f"{name}.npy") for name in _TERMS)
        return cls(vocab, ptr, ids, tf)


class _NpyColumn:
    """A 1-d `.npy` file read a slice at a time (nothing of it is held in memory)."""

    def __init__(self, path: Path) -> None:
        header = np.load(path, mmap_mode="r")  # parses the header only
        self.dtype, self.size, offset = header.dtype, len(header), header.offset
        del header
        self._fh = open(path, "rb")  # noqa: SIM115 - open as long as the store lives
        self._offset = offset

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, part: slice) -> np.ndarray:
        start, stop, _ = part.indices(self.size)
        width = self.dtype.itemsize
        data = os.pread(self._fh.fileno(), width * (stop - start), self._offset + width * start)
        return np.frombuffer(data, dtype=self.dtype)

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        return self[0 : self.size]


class _SortedVocab:
    """token -> id by binary search over one UTF-8 byte table (~20 bytes a token, where a
    dict of 5 x 10^5 tokens takes ~60 MB)."""

    def __init__(self, words: Sequence[str]) -> None:
        order = sorted(range(len(words)), key=words.__getitem__)
        encoded = [words[i].encode("utf-8") for i in order]
        self._blob = b"".join(encoded)
        self._ends = np.cumsum([len(w) for w in encoded], dtype=np.int64)
        self._ids = np.asarray(order, dtype=np.int32)

    def __len__(self) -> int:
        return len(self._ids)

    def _word(self, k: int) -> bytes:
        start = int(self._ends[k - 1]) if k else 0
        return self._blob[start : int(self._ends[k])]

    def get(self, token: str, default: int | None = None) -> int | None:
        key = token.encode("utf-8")  # UTF-8 byte order is code point order
        lo, hi = 0, len(self._ids)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._word(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self._ids) and self._word(lo) == key:
            return int(self._ids[lo])
        return default

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self.get(token) is not None

    def words(self) -> list[str]:
        """Every token, in id order."""
        out = [""] * len(self._ids)
        for k, tid in enumerate(self._ids):
            out[int(tid)] = self._word(k).decode("utf-8")
        return out


class BM25Store:
    """Scores every chunk against a bag of query tokens (BM25, Lucene idf, k1 1.2, b 0.75)."""

    def __init__(
        self,
        vocab: dict[str, int] | _SortedVocab,
        indptr: np.ndarray,
        indices: np.ndarray | _NpyColumn,
        data: np.ndarray | _NpyColumn,
        n_docs: int,
        terms: DocTerms | None = None,
        tokens_key: str = "",
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self._vocab = vocab
        self._indptr, self._indices, self._data = indptr, indices, data
        self.n_docs = n_docs
        self.terms = terms  # the token cache this matrix was made from (None when loaded)
        self.tokens_key = tokens_key  # what the tokens were made with ("" = unknown)
        self.k1, self.b = k1, b

    @classmethod
    def build(
        cls, corpus_tokens: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75
    ) -> BM25Store:
        """Index one token list per chunk."""
        return cls.from_terms(DocTerms.from_tokens(corpus_tokens), k1=k1, b=b)

    @classmethod
    def from_terms(
        cls, terms: DocTerms, *, tokens_key: str = "", k1: float = 1.2, b: float = 0.75
    ) -> BM25Store:
        """The score matrix of `terms` (scores equal bm25s' `method="lucene"` ones)."""
        terms = terms.compact()
        n, n_vocab = len(terms), len(terms.vocab)
        lens = np.diff(terms.ptr)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lens)
        df = np.bincount(terms.ids, minlength=n_vocab)
        dl = np.bincount(doc_of, weights=terms.tf, minlength=n).astype(np.float64)
        avg = dl.mean() if n else 1.0
        idf = np.zeros(n_vocab, dtype=np.float32)
        seen = df > 0
        idf[seen] = np.log(1 + (n - df[seen] + 0.5) / (df[seen] + 0.5))
        tf = terms.tf.astype(np.float64)
        scores = (
            idf[terms.ids].astype(np.float64) * (tf / (k1 * ((1 - b) + b * dl / avg)[doc_of] + tf))
        ).astype(np.float32)
        order = np.argsort(terms.ids, kind="stable")  # by token, then by chunk row
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        vocab = {w: i for i, w in enumerate(terms.vocab)}
        return cls(
            vocab,
            indptr,
            doc_of[order].astype(np.int32),
            scores[order],
            n,
            terms,
            tokens_key,
            k1,
            b,
        )

    def scores(self, query_tokens: Sequence[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every chunk (zeros when no query token is known)."""
        ids = (self._vocab.get(t) for t in dict.fromkeys(query_tokens) if t)
        known = [tid for tid in ids if tid is not None]
        out = np.zeros(self.n_docs, dtype=np.float32)
        if not known or not self.n_docs:
            return out
        for tid in known:
            start, end = int(self._indptr[tid]), int(self._indptr[tid + 1])
            # A token's column names each chunk once, so plain fancy-index += is exact.
            out[self._indices[start:end]] += self._data[start:end]
        if mask is not None:
            out *= mask
        return out

    @property
    def vocab_size(self) -> int:
        """How many tokens the vocabulary holds."""
        return len(self._vocab)

    def words(self) -> list[str]:
        """Every token of the vocabulary (in no particular order)."""
        vocab = self._vocab
        return vocab.words() if isinstance(vocab, _SortedVocab) else list(vocab)

    def idf(self, token: str) -> float:
        """Inverse document frequency of `token` (unknown tokens get the maximum)."""
        tid = self._vocab.get(token)
        indptr = self._indptr
        df = 0 if tid is None or tid + 1 >= len(indptr) else int(indptr[tid + 1] - indptr[tid])
        return float(np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def save(self, generation: Path) -> None:
        """Write `bm25/` (matrix, vocabulary, token cache) into a generation folder."""
        folder = generation / FOLDER
        folder.mkdir(exist_ok=True)
        for name, arr in zip(_MATRIX, (self._indptr, self._indices, self._data), strict=True):
            np.save(folder / f"{name}.npy", np.asarray(arr))
        vocab = self._vocab
        words = (
            vocab.words()
            if isinstance(vocab, _SortedVocab)
            else sorted(vocab, key=lambda w: vocab[w])
        )
        _write_json(folder / _VOCAB, words)
        if self.terms is not None:
            self.terms.save(folder)
        meta = {
            "format": _FORMAT,
            "n_docs": self.n_docs,
            "k1": self.k1,
            "b": self.b,
            "tokens_key": self.tokens_key if self.terms is not None else "",
        }
        _write_json(folder / _META, meta)  # written last: the folder is complete

    @classmethod
    def load(cls, generation: Path, n_docs: int) -> BM25Store:
        """Open `bm25/` of a generation; the score matrix stays in its files."""
        folder = generation / FOLDER
        if not (folder / _META).is_file():
            return cls._load_bm25s(folder, n_docs)
        try:
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
            words = json.loads((folder / _VOCAB).read_text(encoding="utf-8"))
            indptr = np.load(folder / "indptr.npy")
            indices, data = (_NpyColumn(folder / f"{n}.npy") for n in _MATRIX[1:])
        except (OSError, ValueError) as exc:
            raise IndexStoreError(
                f"cannot read the BM25 index in {folder} ({exc}); rebuild the index"
            ) from exc
        if meta.get("format") != _FORMAT or int(meta.get("n_docs", -1)) != n_docs:
            raise IndexStoreError(
                f"the BM25 index in {folder} does not match its chunk table; rebuild the index"
            )
        if len(indices) != int(indptr[-1]) or len(data) != len(indices):
            raise IndexStoreError(f"the BM25 index in {folder} is truncated; rebuild the index")
        return cls(_SortedVocab(words), indptr, indices, data, n_docs, k1=meta["k1"], b=meta["b"])

    @classmethod
    def _load_bm25s(cls, folder: Path, n_docs: int) -> BM25Store:
        """An index folder written by the bm25s-based format (before the token cache)."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        try:
            retriever = bm25s.BM25.load(str(folder), mmap=False)
        except (OSError, ValueError) as exc:
            raise IndexStoreError(
                f"cannot read the BM25 index in {folder} ({exc}); rebuild the index"
            ) from exc
        s = retriever.scores
        return cls(
            dict(retriever.vocab_dict),
            np.asarray(s["indptr"], dtype=np.int64),
            np.asarray(s["indices"]),
            np.asarray(s["data"], dtype=np.float32),
            n_docs,
        )


def load_terms(generation: Path, tokens_key: str) -> DocTerms | None:
    """The token cache of a generation, if it was made with `tokens_key` (else None)."""
    folder = generation / FOLDER
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        if not tokens_key or meta.get("format") != _FORMAT or meta.get("tokens_key") != tokens_key:
            return None
        words = json.loads((folder / _VOCAB).read_text(encoding="utf-8"))
        terms = DocTerms.load(folder, words)
    except (OSError, ValueError):
        return None  # no usable cache: every chunk is tokenised anew
    return terms if len(terms) == int(meta.get("n_docs", -1)) else None


def _write_json(path: Path, payload: object) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
