"""An index whose vectors live in Milvus: same answers as FAISS, incremental, filters pushed down.

Runs against a real milvus-lite server (the session's `milvus_uri`); the letters are the
made-up demo letters, embedded with the model-free hasher.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.builder import open_index
from index.manifest import MANIFEST
from rag.config import Settings
from rag.pipeline import build_folder, open_retriever
from rag.search.query import Filters

QUESTIONS = [
    "哪些部门支持人才政策?",
    "老旧小区加装电梯补贴",
    "渝科局函〔2024〕131号",
    "学校门口交通安全",
]


@pytest.fixture()
def docs(tmp_path: Path, demo_dir: Path) -> Path:
    shutil.copytree(demo_dir, tmp_path / "docs")
    return tmp_path / "docs"


def results(
    index: Path, settings: Settings, filters: Filters | None = None
) -> list[list[tuple[str, float]]]:
    retriever = open_retriever(index, settings)
    return [
        [(h.chunk.id, round(h.score, 4)) for h in retriever.search(q, 5, filters)]
        for q in QUESTIONS
    ]


def test_milvus_backed_index_matches_faiss_and_updates_incrementally(
    docs: Path, tmp_path: Path, milvus_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    faiss_settings = Settings(embedder="hash")
    milvus_settings = Settings(embedder="hash", store="milvus", milvus_uri=milvus_uri)
    build_folder(docs, tmp_path / "faiss", faiss_settings)
    summary = build_folder(docs, tmp_path / "milvus", milvus_settings)
    manifest = json.loads((tmp_path / "milvus" / MANIFEST).read_text())
    assert manifest["store"] == "milvus" and manifest["milvus"]["uri"] == milvus_uri
    gen = tmp_path / "milvus" / manifest["generation"]
    assert not (gen / "vectors.faiss").exists()
    # The pinyin name table is stored with the rest of the generation, as for FAISS.
    assert (
        open_index(tmp_path / "milvus").stored_names()
        == open_index(tmp_path / "faiss").stored_names()
    )
    assert (gen / "names.json").is_file()
    assert len(open_index(tmp_path / "milvus").store) == summary.chunks
    assert results(tmp_path / "milvus", milvus_settings) == results(
        tmp_path / "faiss", faiss_settings
    )
    # Hard filters are pushed into Milvus.
    only = Filters(agency="市经济信息委")
    assert {
        c.split(":")[0] for r in results(tmp_path / "milvus", milvus_settings, only) for c, _ in r
    } == {c.split(":")[0] for r in results(tmp_path / "faiss", faiss_settings, only) for c, _ in r}

    changed = sorted(docs.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8").replace("。", "；"), encoding="utf-8")
    sorted(docs.glob("*.txt"))[1].unlink()
    again = build_folder(docs, tmp_path / "milvus", milvus_settings)
    assert (again.updated, again.removed) == (1, 1) and again.embedded_chunks < again.chunks
    # The replaced vectors are gone from the server once the new generation is committed.
    assert len(open_index(tmp_path / "milvus").store) == again.chunks
    build_folder(docs, tmp_path / "faiss", faiss_settings)
    assert results(tmp_path / "milvus", milvus_settings) == results(
        tmp_path / "faiss", faiss_settings
    )


def test_milvus_store_needs_a_server(docs: Path, tmp_path: Path) -> None:
    from rag.errors import ReplyQAError

    with pytest.raises(ReplyQAError, match="--milvus-uri"):
        build_folder(docs, tmp_path / "i", Settings(embedder="hash", store="milvus"))
