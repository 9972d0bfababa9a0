"""Benchmark: FAISS index types at 10^4 / 10^5 (/ 10^6) chunks on real embeddings.

Usage:
    python benchmarks/bench_index_types.py [DOCS_DIR] [--sizes 10000 100000]
        [--kinds flat hnsw ivf ivf-fp16]

The dev letters are embedded once with the real model; their chunk vectors are replicated
with Gaussian jitter (σ = 0.02, re-normalised) to each size. For each index type: build
time, resident memory added, search p50/p95 for the dev questions' real query vectors,
and recall@10 against exact search on the same vectors. Replicas of one chunk are nearly
identical, so `recall@10` compares the passages found (id mod the number of chunks):
finding another copy of the same passage is finding the passage. `ids@10` compares the
vector ids themselves, which also counts a swap between two copies of one passage (what
rounding to half precision could cause).
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
from rag.evaluation.retrieval import percentile  # noqa: E402
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
    ap.add_argument("--kinds", nargs="+", default=list(FaissStore.KINDS))
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
        f"{'chunks':>9} {'index':<8} {'build s':>8} {'+RSS MB':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'recall@10':>9} {'ids@10':>7}"
    )
    for size in args.sizes:
        reps = -(-size // len(base))
        vectors = np.concatenate(
            [base]
            + [base + rng.normal(0, 0.02, base.shape).astype(np.float32) for _ in range(reps - 1)]
        )[:size]
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = np.arange(len(vectors), dtype=np.int64)
        exact = [np.argsort(-(vectors @ q), kind="stable")[:10] for q in queries]
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
            print(
                f"{len(vectors):>9,} {kind:<8} {build_s:>8.1f} {added:>8.0f} "
                f"{statistics.median(lat):>7.2f} {percentile(lat, 0.95):>7.2f} "
                f"{recall(found, exact, len(base)):>9.3f} {recall(found, exact):>7.3f}"
            )
            del store


def recall(found: list[np.ndarray], exact: list[np.ndarray], passages: int = 0) -> float:
    """Mean share of the exact top 10 that was found: as passages (ids mod `passages`) if
    `passages`, else as vector ids."""

    def key(ids: np.ndarray) -> set[int]:
        ids = ids[ids >= 0]
        return set((ids % passages if passages else ids).tolist())

    return statistics.mean(
        len(key(f) & key(e)) / len(key(e)) for f, e in zip(found, exact, strict=True)
    )


if __name__ == "__main__":
    main()
