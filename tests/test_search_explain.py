"""`replyqa search --explain`: per hit the dense and BM25 scores, fused rank, boosts and filters,
and what the question became. Made-up demo letters, model-free embedder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.config import Settings
from rag.pipeline import build_folder, open_retriever
from rag.search.query import Filters
from rag.search.retrieval import Trace


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    docs = tmp_path_factory.mktemp("explain") / "docs"
    shutil.copytree(demo_dir, docs)
    out = docs.parent / "index"
    build_folder(docs, out, Settings(embedder="hash"))
    return out


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_trace_accounts_for_every_hit_score(index: Path) -> None:
    retriever = open_retriever(index, Settings(embedder="hash"))
    trace = Trace()
    hits = retriever.search("经信委关于软件产业的答复", 5, trace=trace)
    assert trace.query["analysis"]["agencies"] == ["经济和信息化委员会"]
    assert "机构:经济和信息化委员会" in trace.query["bm25_tokens"]
    for hit in hits:
        row = trace.hit(hit)
        assert row["chunk_id"] == hit.chunk.id
        # The final score is the fused score plus the boosts shown: nothing hidden.
        assert row["fused_score"] is not None
        assert row["score"] == pytest.approx(
            row["fused_score"] + sum(row["boosts"].values()), abs=2e-6
        )
    top = trace.hit(hits[0])
    assert top["dense_rank"] is not None and top["bm25_rank"] == 1
    assert "agency" in top["boosts"]
    # Tracing does not change the ranking.
    assert [h.chunk.id for h in retriever.search("经信委关于软件产业的答复", 5)] == [
        h.chunk.id for h in hits
    ]


def test_filters_are_reported(index: Path) -> None:
    retriever = open_retriever(index, Settings(embedder="hash"))
    trace = Trace()
    retriever.search("人才政策", 5, Filters(place="襄阳市"), trace=trace)
    assert trace.filters == {"place": "襄阳市"}


def test_cli_explain_json_and_text(index: Path, hash_settings: Settings) -> None:
    code, out, err = run(
        "search",
        "2024年江北区学校门口接送车辆",
        "--index",
        str(index),
        "-k",
        "3",
        "--json",
        "--explain",
    )
    assert code == 0, err
    result = json.loads(out)
    explain = result["explain"]
    assert explain["query"]["analysis"]["years"] == [2024]
    assert [h["chunk_id"] for h in explain["hits"]] == [h["chunk_id"] for h in result["hits"]]
    assert {"dense_score", "bm25_score", "fused_rank", "boosts"} <= set(explain["hits"][0])
    code, out, _ = run("search", "2024年江北区学校门口接送车辆", "--index", str(index), "-k", "2")
    assert "explain" not in out and "bm25" not in out
    code, out, _ = run(
        "search", "2024年江北区学校门口接送车辆", "--index", str(index), "-k", "2", "--explain"
    )
    assert "normalized: " in out and "bm25 tokens: " in out
    assert out.count("dense #") + out.count("dense -") == 2 and "fused #" in out


def test_typed_question_is_searched_as_written_and_shown(index: Path) -> None:
    retriever = open_retriever(index, Settings(embedder="hash"))
    trace = Trace()
    hits = retriever.search("请问24年江北区学校门口接送车辆咋管的呀", 3, trace=trace)
    assert "24年 → 2024年" in trace.query["rewrites"]
    assert trace.query["analysis"]["years"] == [2024]
    assert retriever.analyze("24年江北区学校门口接送车辆").years == [2024]
    assert hits[0].letter.source.startswith("08")
