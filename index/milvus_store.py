"""Milvus backend: the `VectorStore` protocol over a Milvus collection (pymilvus).

`MilvusStore` keeps one row per vector: an INT64 primary key `id` (the vector id),
a FLOAT_VECTOR `vector`, and scalar fields (`letter_id`, `agency`, `place`, `year`,
`kind`, `category`) so hard filters run inside Milvus as a boolean expression built
by `filter_expr`. Inner product over unit vectors is cosine; with the default
`FLAT` index results equal `FaissStore`'s. `HNSW` (params `M`, `efConstruction`;
search `ef`, raised to at least k) and `AUTOINDEX` trade exactness for speed on a
real server. Every request uses Strong consistency, so a count, get or search sees
all writes made before it. `MilvusBM25Store` is the optional lexical side:
server-side BM25 over raw text, tokenised by Milvus's jieba analyzer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from rag.errors import IndexStoreError

from .store import checked_batch

# Scalar fields and the VARCHAR byte limit of each (Milvus counts UTF-8 bytes).
STRING_FIELDS = {"letter_id": 256, "agency": 1024, "place": 256, "kind": 64, "category": 256}
INT_FIELDS = ("year",)
METADATA_FIELDS = (*STRING_FIELDS, *INT_FIELDS)
# Unknown metadata is stored as "" (strings) or 0 (year), so filters never match it.

# Build and search parameters per index type; FLAT is exact, the others approximate.
INDEX_PARAMS: dict[str, dict[str, Any]] = {"HNSW": {"M": 16, "efConstruction": 200}}
SEARCH_PARAMS: dict[str, dict[str, Any]] = {"HNSW": {"ef": 64}}
JIEBA_ANALYZER: dict[str, Any] = {"tokenizer": "jieba"}

MAX_TOPK = 16384  # Milvus rejects a larger limit
BATCH = 1000  # rows or ids per request, far below gRPC's message limit
_PAD_SCORE = np.finfo(np.float32).min  # what FAISS reports for an empty slot
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """`value` as a double-quoted Milvus string literal, escaped so it stays one literal.

    Raises:
        ValueError: The value holds a control character that the expression grammar of
            milvus-lite cannot escape (other than newline, carriage return and tab).
    """
    if _CONTROL.search(value):
        raise ValueError(f"filter value {value!r} holds a control character; strip it first")
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in value) + '"'


def filter_expr(
    agency: str | Sequence[str] | None = None,
    place: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    kind: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    letter_id: str | Sequence[str] | None = None,
) -> str:
    """A Milvus boolean expression that ANDs the given scalar filters ("" if none).

    A single value tests equality; a sequence means "any of these" (an empty one
    matches nothing). Strings are quoted and escaped, so no value can change the
    expression's structure.

    Example:
        >>> filter_expr(agency="市教育局", year=[2023, 2024])
        'agency == "市教育局" and year in [2023, 2024]'

    Raises:
        ValueError: A value of the wrong type (`year` takes ints, the rest strings).
    """
    parts: list[str] = []
    given = {"agency": agency, "place": place, "year": year, "kind": kind}
    for field, value in {**given, "category": category, "letter_id": letter_id}.items():
        if value is None:
            continue
        if isinstance(value, str | int | np.integer):  # one value
            parts.append(f"{field} == {_literal(field, value)}")
        else:
            parts.append(f"{field} in [{', '.join(_literal(field, v) for v in value)}]")
    return " and ".join(parts)


def _literal(field: str, value: object) -> str:
    if field in INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"filter {field} takes integers, got {value!r}")
        return str(int(value))
    if not isinstance(value, str):
        raise ValueError(f"filter {field} takes strings, got {value!r}")
    return quote(value)


def _and(*exprs: str | None) -> str:
    return " and ".join(f"({e})" for e in exprs if e)


def _id_list(ids: np.ndarray) -> str:
    return f"id in [{', '.join(str(int(i)) for i in ids)}]"


def _redact(uri: str) -> str:
    """The URI without any user:password part, fit for an error message."""
    parts = urlsplit(uri)
    if parts.password is None and parts.username is None:
        return uri
    host = parts.hostname or ""
    return urlunsplit(parts._replace(netloc=host if parts.port is None else f"{host}:{parts.port}"))


def _pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError as exc:
        raise IndexStoreError("pymilvus is not installed: pip install pymilvus") from exc
    return pymilvus


class _MilvusCollection:
    """Connection, error translation and the operations both stores share."""

    def __init__(self, uri: str, collection: str, token: str | None, timeout: float) -> None:
        self._pm = _pymilvus()
        self.uri = uri
        self.collection = collection
        with self._errors("connect"):
            self._client = self._pm.MilvusClient(uri=uri, token=token or "", timeout=timeout)

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._pm.exceptions.MilvusException as exc:
            detail = getattr(exc, "message", "") or exc.__class__.__name__
            hint = (
                "is the server running and the URI right?"
                if what == "connect"
                else "check the server's log"
            )
            raise IndexStoreError(
                f"Milvus at {_redact(self.uri)}: {what} (collection {self.collection!r}) failed: "
                f"{detail}; {hint}"
            ) from exc

    def _open(self, schema: Any, index_params: Any, check: Mapping[str, int | None]) -> None:
        """Create the collection, or check an existing one has `check`'s fields and load it."""
        with self._errors("open"):
            if not self._client.has_collection(self.collection):
                self._client.create_collection(
                    self.collection,
                    schema=schema,
                    index_params=index_params,
                    consistency_level="Strong",
                )
                return
            info = self._client.describe_collection(self.collection)
            fields = {f["name"]: f.get("params", {}) for f in info["fields"]}
            for name, dim in check.items():
                found = fields.get(name)
                if found is None or (dim is not None and int(found.get("dim", -1)) != dim):
                    raise IndexStoreError(
                        f"Milvus collection {self.collection!r} at {_redact(self.uri)} has another "
                        f"schema (field {name!r}{f' with dim {dim}' if dim else ''} expected); "
                        f"drop it or use another collection name"
                    )
            self._client.load_collection(self.collection)

    def _metadata_field_schema(self, schema: Any) -> None:
        dt = self._pm.DataType
        for name, max_length in STRING_FIELDS.items():
            schema.add_field(name, dt.VARCHAR, max_length=max_length)
        for name in INT_FIELDS:
            schema.add_field(name, dt.INT64)

    def _rows(
        self, ids: np.ndarray, metadata: Sequence[Mapping[str, Any]] | None
    ) -> list[dict[str, Any]]:
        """One row per id with every metadata field set (unknown: "" or 0)."""
        if len(np.unique(ids)) != len(ids):
            raise IndexStoreError(f"duplicate vector ids in one add to {self.collection!r}")
        if metadata is not None and len(metadata) != len(ids):
            raise IndexStoreError(f"{len(metadata)} metadata records for {len(ids)} ids")
        rows = []
        for row, vid in enumerate(ids):
            meta = metadata[row] if metadata is not None else {}
            unknown = set(meta) - set(METADATA_FIELDS)
            if unknown:
                raise IndexStoreError(
                    f"unknown metadata field(s) {sorted(unknown)} for vector {int(vid)}; "
                    f"known: {list(METADATA_FIELDS)}"
                )
            out: dict[str, Any] = {"id": int(vid)}
            for name, max_length in STRING_FIELDS.items():
                value = str(meta.get(name) or "")
                if len(value.encode("utf-8")) > max_length:
                    raise IndexStoreError(
                        f"metadata {name} of vector {int(vid)} is over {max_length} bytes: {value[:40]!r}…"
                    )
                out[name] = value
            for name in INT_FIELDS:
                out[name] = int(meta.get(name) or 0)
            rows.append(out)
        return rows

    def _upsert(self, rows: list[dict[str, Any]]) -> None:
        with self._errors("upsert"):
            for start in range(0, len(rows), BATCH):
                self._client.upsert(self.collection, rows[start : start + BATCH])

    def __len__(self) -> int:
        with self._errors("count"):
            res = self._client.query(
                self.collection, filter="", output_fields=["count(*)"], consistency_level="Strong"
            )
        return int(res[0]["count(*)"]) if res else 0

    def _present(self, ids: np.ndarray) -> list[int]:
        found: list[int] = []
        with self._errors("query"):
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                rows = self._client.query(
                    self.collection,
                    filter=_id_list(batch),
                    output_fields=["id"],
                    consistency_level="Strong",
                )
                found += [int(r["id"]) for r in rows]
        return found

    def remove(self, ids: np.ndarray) -> int:
        """Remove the given ids; returns how many were present."""
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        present = self._present(ids) if len(ids) else []
        with self._errors("delete"):
            for start in range(0, len(present), BATCH):
                self._client.delete(self.collection, ids=present[start : start + BATCH])
        return len(present)

    def remove_from(self, first_id: int) -> None:
        """Delete every row whose id is `first_id` or above (vectors of a build that died)."""
        with self._errors("delete"):
            self._client.delete(self.collection, filter=f"id >= {int(first_id)}")

    def flush(self) -> None:
        """Seal written rows into segments; call once after a bulk build, not per add.

        Writes are visible without it (Strong consistency), but milvus-lite scans
        unflushed rows about 20x slower, and real Milvus rate-limits flushes.
        """
        with self._errors("flush"):
            self._client.flush(self.collection)

    def drop(self) -> None:
        """Delete the whole collection from the server."""
        with self._errors("drop"):
            self._client.drop_collection(self.collection)

    def close(self) -> None:
        self._client.close()


class MilvusStore(_MilvusCollection):
    """Id-addressed unit vectors in a Milvus collection, searched by inner product.

    Args:
        uri: The server, e.g. ``http://127.0.0.1:19530`` (a ``*.db`` path runs
            milvus-lite in process).
        collection: Collection name; created if missing, else checked and loaded.
        dim: Vector dimension; an existing collection with another one is an error.
        token: ``user:password`` or an API key, if the server wants one.
        index_type: ``FLAT`` (exact, the default), ``HNSW`` or ``AUTOINDEX`` (approximate;
            any index type the server knows can be named, with `index_params`).
        index_params: Overrides `INDEX_PARAMS[index_type]` (build parameters).
        search_params: Overrides `SEARCH_PARAMS[index_type]` (e.g. HNSW ``ef``).
        timeout: Seconds for connecting and for each request.

    Raises:
        IndexStoreError: The server is unreachable, or the collection does not fit.
    """

    def __init__(
        self,
        uri: str,
        collection: str,
        dim: int,
        token: str | None = None,
        index_type: str = "FLAT",
        *,
        index_params: Mapping[str, Any] | None = None,
        search_params: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(uri, collection, token, timeout)
        self._dim = dim
        self.index_type = index_type.upper()
        self._search_params = dict(
            SEARCH_PARAMS.get(self.index_type, {}) if search_params is None else search_params
        )
        dt = self._pm.DataType
        schema = self._pm.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", dt.INT64, is_primary=True)
        schema.add_field("vector", dt.FLOAT_VECTOR, dim=dim)
        self._metadata_field_schema(schema)
        params = self._client.prepare_index_params()
        params.add_index(
            field_name="vector",
            index_type=self.index_type,
            metric_type="IP",
            params=dict(
                INDEX_PARAMS.get(self.index_type, {}) if index_params is None else index_params
            ),
        )
        self._open(schema, params, {"id": None, "vector": dim, **dict.fromkeys(METADATA_FIELDS)})

    @property
    def dim(self) -> int:
        return self._dim

    def add(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Add `vectors` (n, dim) under int64 `ids` (n,), with optional per-row metadata.

        Re-adding an existing id replaces its row (an upsert); ids within one call
        must be distinct.
        """
        ids, vectors = checked_batch(ids, vectors, self._dim)
        rows = self._rows(ids, metadata)
        for row, vector in zip(rows, vectors, strict=True):
            row["vector"] = vector.tolist()
        self._upsert(rows)

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors for `ids`, shape (n, dim), in the order asked."""
        ids = np.asarray(ids, dtype=np.int64)
        wanted = np.unique(ids)
        found: dict[int, np.ndarray] = {}
        with self._errors("get"):
            for start in range(0, len(wanted), BATCH):
                batch = [int(i) for i in wanted[start : start + BATCH]]
                for row in self._client.get(self.collection, ids=batch, output_fields=["vector"]):
                    found[int(row["id"])] = np.asarray(row["vector"], dtype=np.float32)
        missing = [int(i) for i in wanted if int(i) not in found]
        if missing:
            raise IndexStoreError(
                f"vector ids {missing[:10]} are not in Milvus collection {self.collection!r}; "
                f"rebuild the index"
            )
        out = np.empty((len(ids), self._dim), dtype=np.float32)
        for row, vid in enumerate(ids):
            out[row] = found[int(vid)]
        return out

    def search(
        self,
        queries: np.ndarray,
        k: int,
        subset: np.ndarray | None = None,
        expr: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k per query: (scores, ids), each (n_queries, width); missing slots have id -1.

        The width follows `FaissStore`: min(k, len(subset)) with a subset, otherwise
        min(k, number of matches). `subset` restricts the search to those vector ids;
        `expr` (see `filter_expr`) to the rows whose metadata it accepts; both together
        must hold.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        empty = np.zeros((n, 1), dtype=np.float32), -np.ones((n, 1), dtype=np.int64)
        if queries.shape[1] != self._dim:
            raise IndexStoreError(f"queries have shape {queries.shape}, expected (n, {self._dim})")
        if subset is not None:
            subset = np.unique(np.asarray(subset, dtype=np.int64))
            if not len(subset):
                return empty
        k = max(1, k if subset is None else min(k, len(subset)))
        if k > MAX_TOPK:
            k = min(k, max(1, len(self)))
            if k > MAX_TOPK:
                raise IndexStoreError(f"k={k} is over Milvus's top-k limit of {MAX_TOPK}")
        where = _and(None if subset is None else _id_list(subset), expr)
        params: dict[str, Any] = dict(self._search_params)
        if "ef" in params:
            params["ef"] = max(int(params["ef"]), k)  # HNSW needs ef >= k
        hits: list[list[dict[str, Any]]] = []
        with self._errors("search"):
            for start in range(0, n, BATCH):
                hits += self._client.search(
                    self.collection,
                    data=queries[start : start + BATCH].tolist(),
                    anns_field="vector",
                    filter=where,
                    limit=k,
                    output_fields=["id"],
                    search_params={"metric_type": "IP", "params": params},
                    consistency_level="Strong",
                )
        found = max((len(h) for h in hits), default=0)
        if subset is None and not expr and not found:
            return empty  # an empty collection, as FaissStore answers it
        width = k if subset is not None else max(1, min(k, found))
        scores = np.full((n, width), _PAD_SCORE, dtype=np.float32)
        ids = -np.ones((n, width), dtype=np.int64)
        for row, row_hits in enumerate(hits):
            for col, hit in enumerate(row_hits[:width]):
                scores[row, col] = hit["distance"]
                ids[row, col] = hit["id"]
        return scores, ids


class MilvusBM25Store(_MilvusCollection):
    """Server-side BM25 over raw chunk text (Milvus 2.5+ full-text search, or milvus-lite).

    Milvus tokenises the text with `analyzer_params` (default: jieba, which the server
    must have; milvus-lite needs the `jieba` package) and keeps the sparse vectors
    itself. BM25 statistics are per segment in milvus-lite, so its scores can differ
    from a single global BM25 as a collection grows; the ranking of one small
    segment matches.
    """

    TEXT_BYTES = 65535  # Milvus's VARCHAR maximum

    def __init__(
        self,
        uri: str,
        collection: str,
        token: str | None = None,
        analyzer_params: Mapping[str, Any] | None = None,
        *,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(uri, collection, token, timeout)
        pm, dt = self._pm, self._pm.DataType
        schema = pm.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", dt.INT64, is_primary=True)
        schema.add_field(
            "text",
            dt.VARCHAR,
            max_length=self.TEXT_BYTES,
            enable_analyzer=True,
            analyzer_params=dict(analyzer_params or JIEBA_ANALYZER),
        )
        schema.add_field("sparse", dt.SPARSE_FLOAT_VECTOR)
        self._metadata_field_schema(schema)
        schema.add_function(
            pm.Function(
                name="text_bm25",
                function_type=pm.FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        params = self._client.prepare_index_params()
        params.add_index(
            field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25"
        )
        self._open(schema, params, {"id": None, "text": None, "sparse": None})

    def add(
        self,
        ids: np.ndarray,
        texts: Sequence[str],
        metadata: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Index `texts` under int64 `ids`; re-adding an id replaces its text."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if len(ids) != len(texts):
            raise IndexStoreError(f"{len(ids)} ids for {len(texts)} texts")
        rows = self._rows(ids, metadata)
        for row, text in zip(rows, texts, strict=True):
            if len(text.encode("utf-8")) > self.TEXT_BYTES:
                raise IndexStoreError(
                    f"text of id {row['id']} is over {self.TEXT_BYTES} bytes; chunk it smaller"
                )
            row["text"] = text
        self._upsert(rows)

    def bm25_search(
        self, text: str, k: int, subset: np.ndarray | None = None, expr: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The (at most k) best matches for `text`: (scores, ids), best first; only hits."""
        if subset is not None:
            subset = np.unique(np.asarray(subset, dtype=np.int64))
            if not len(subset):
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        where = _and(None if subset is None else _id_list(subset), expr)
        with self._errors("bm25 search"):
            (hits,) = self._client.search(
                self.collection,
                data=[text],
                anns_field="sparse",
                filter=where,
                limit=max(1, min(k, MAX_TOPK)),
                output_fields=["id"],
                search_params={"metric_type": "BM25"},
                consistency_level="Strong",
            )
        # Milvus reports the BM25 score; milvus-lite its negation. The score is never
        # negative, so its magnitude is the score either way.
        scores = np.array([abs(h["distance"]) for h in hits], dtype=np.float32)
        return scores, np.array([int(h["id"]) for h in hits], dtype=np.int64)
