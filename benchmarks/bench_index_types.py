"""Benchmark: FAISS index types at 10^4 / 10^5 (/ 10^6) chunks on real embeddings.

Usage:
    python benchmarks/bench_index_types.py [DOCS_DIR] [--sizes 10000 100000] [--kinds flat hnsw ivf]

The dev letters are embedded once with the real model; their chunk vectors are replicated
with Gaussian jitter (σ = 0.02, re-normalised) to each size. For each index type: build
time, resident memory added, search p50/p95 for the dev questions' real query vectors,
and recall@10 against exact search on the same vectors. Replicas of one chunk are nearly
identical, so ids are compared as the chunk they replicate (id mod the number of chunks):
finding another copy of the same passage is finding the passage.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.store import FaissStore  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluation import percentile  # noqa: E402
from rag.pipeline import build_folder, open_retriever  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def main() -> None:
    defaults = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="?", type=Path, default=defaults.corpus_dir)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_folder(args.docs, Path(tmp) / "index", defaults)
        retriever = open_retriever(Path(tmp) / "index", defaults)
    base = retriever.index.store.get(retriever.index.vector_ids)
    questions = [
        json.loads(line)["question"]
        for line in (args.docs / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    queries = np.stack([retriever.embedder.embed_query(q) for q in questions])
    rng = np.random.default_rng(0)
    print(
        f"{'chunks':>9} {'index':<6} {'build s':>8} {'+RSS MB':>8} {'p50 ms':>7} {'p95 ms':>7} {'recall@10':>9}"
    )
    for size in args.sizes:
        reps = -(-size // len(base))
        vectors = np.concatenate(
            [base]
            + [base + rng.normal(0, 0.02, base.shape).astype(np.float32) for _ in range(reps - 1)]
        )[:size]
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = np.arange(len(vectors), dtype=np.int64)
        exact = None
        for kind in args.kinds:
            before = rss_mb()
            t0 = time.perf_counter()
            store = FaissStore.build(vectors.shape[1], ids, vectors, kind)
            build_s = time.perf_counter() - t0
            added = rss_mb() - before
            lat, found = [], []
            for q in queries:
                t0 = time.perf_counter()
                _, got = store.search(q, 10)
                lat.append((time.perf_counter() - t0) * 1000)
                found.append(got[0])
            if kind == "flat" or exact is None:
                exact = (
                    exact
                    if exact is not None
                    else (
                        found
                        if kind == "flat"
                        else [np.argsort(-(vectors @ q))[:10] for q in queries]
                    )
                )
            recall = statistics.mean(
                len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)
            )
            print(
                f"{len(vectors):>9,} {kind:<6} {build_s:>8.1f} {added:>8.0f} {statistics.median(lat):>7.2f} "
                f"{percentile(lat, 0.95):>7.2f} {recall:>9.3f}"
            )
            del store


if __name__ == "__main__":
    main()
