"""The langchain retriever (`rag.integrations.langchain`) and the LCEL example that uses it.

Runs over the ten made-up demo letters (`examples/letters`) indexed with the model-free
hash embedder; the chat model in the chain is langchain-core's fake one.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langchain_core", reason="needs langchain-core (langchain extra)")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.language_models.fake_chat_models import FakeListChatModel  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402

from rag.config import Settings  # noqa: E402
from rag.integrations.langchain import ReplyQARetriever  # noqa: E402
from rag.pipeline import build_folder, open_retriever  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "langchain_chain.py"
METADATA = {"letter_id", "source", "start", "end", "section", "score", "title", "doc_number",
            "agency", "date"}  # fmt: skip


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("lc") / "index"
    build_folder(ROOT / "examples" / "letters", index, Settings(embedder="hash"))
    return index


@pytest.fixture(scope="module")
def texts(demo_index: Path) -> dict[str, str]:
    """Letter id → letter text, read from the index (what a citation must match)."""
    letters = open_retriever(demo_index).index.letters
    return {lid: letters[lid].text for lid in letters}


def test_invoke_returns_documents_whose_metadata_rebuilds_the_citation(
    demo_index: Path, texts: dict[str, str]
) -> None:
    retriever = ReplyQARetriever(index=demo_index, k=5)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("哪些部门支持人才政策？")
    assert len(docs) == 5
    assert all(isinstance(d, Document) for d in docs)
    assert any("人才" in d.page_content for d in docs)
    scores = []
    for d in docs:
        m = d.metadata
        assert set(m) >= METADATA
        assert texts[m["letter_id"]][m["start"] : m["end"]] == d.page_content
        assert (
            m["title"]
            and m["doc_number"]
            and m["agency"]
            and re.fullmatch(r"\d{4}-\d\d-\d\d", m["date"])
        )
        scores.append(m["score"])
    assert scores == sorted(scores, reverse=True)
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3, 4, 5]


def test_filters_are_hard_constraints(demo_index: Path) -> None:
    everyone = ReplyQARetriever(index=demo_index, k=10).invoke("人才")
    assert len({d.metadata["agency"] for d in everyone}) > 1
    only = ReplyQARetriever(index=demo_index, k=10, agency="市教委").invoke("人才")
    assert only and {d.metadata["agency"] for d in only} == {"重庆市教育委员会"}
    dated = ReplyQARetriever(index=demo_index, k=10, year=2023).invoke("人才")
    assert all(d.metadata["date"].startswith("2023") for d in dated)
    assert ReplyQARetriever(index=demo_index, k=10, place="北京市").invoke("人才") == []


def test_bad_filter_value_is_refused(demo_index: Path) -> None:
    with pytest.raises(ValueError, match="kind"):
        ReplyQARetriever(index=demo_index, kind="通知")


def test_ainvoke_matches_invoke(demo_index: Path) -> None:
    retriever = ReplyQARetriever(index=demo_index, k=4)

    async def both() -> list[list[Document]]:
        return list(
            await asyncio.gather(retriever.ainvoke("老年食堂"), retriever.ainvoke("加装电梯"))
        )

    canteen, lifts = asyncio.run(both())
    assert canteen == retriever.invoke("老年食堂")
    assert lifts == retriever.invoke("加装电梯")
    assert canteen != lifts


def test_missing_index_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no index at .*replyqa build"):
        ReplyQARetriever(index=tmp_path / "none").invoke("人才")


def test_without_langchain_core_the_import_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "langchain_core.retrievers", None)
    monkeypatch.delitem(sys.modules, "rag.integrations.langchain")
    with pytest.raises(ImportError, match=r"^rag.integrations.langchain needs langchain-core: "
                       r"pip install 'replyqa\[langchain\]'$"):  # fmt: skip
        importlib.import_module("rag.integrations.langchain")


class RecordingFake(FakeListChatModel):
    prompts: list[Any] = []

    def _call(self, messages: Any, *args: Any, **kwargs: Any) -> str:
        self.prompts.append(messages)
        return super()._call(messages, *args, **kwargs)


def test_chain_gives_the_passages_to_the_model(demo_index: Path) -> None:
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        example = importlib.import_module("langchain_chain")
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    model = RecordingFake(responses=["答案[1]"])
    retriever = ReplyQARetriever(index=demo_index, k=3)
    out = example.make_chain(retriever, model).invoke("南岸区社区老年食堂建了多少个？")
    assert out["answer"] == "答案[1]"
    assert len(out["docs"]) == 3
    (messages,) = model.prompts
    human = messages[-1].content
    assert "南岸区社区老年食堂建了多少个？" in human
    for i, d in enumerate(out["docs"], 1):
        assert f'<passage key="[{i}]">' in human and d.page_content in human


def test_example_runs_as_written(demo_index: Path, texts: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's rag, as an installed replyqa would be
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), "--index", str(demo_index), "哪些部门支持人才政策？"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "假模型" in lines[0] and lines[1] == "来源："
    sources = [re.fullmatch(r"  \[(\d)\] (.+) — (\S+) \[(\d+):(\d+)\]", ln) for ln in lines[2:]]
    assert len(sources) == 4 and all(sources)
    letters = open_retriever(demo_index).index.letters
    by_source = {letters[lid].source: text for lid, text in texts.items()}
    for m in sources:
        assert m is not None
        text = by_source[m.group(3)]
        assert "人才" in text[int(m.group(4)) : int(m.group(5))]
