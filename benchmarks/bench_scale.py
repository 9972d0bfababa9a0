"""Scale check: hybrid search latency at ~10^5 chunks on this machine.

Usage:
    python benchmarks/bench_scale.py [DOCS_DIR] [--chunks 100000] [--rounds 3]

The dev letters are indexed once with the real embedder; the index is then replicated
in memory until it holds about `--chunks` chunks. Each replica perturbs the text (every
digit replaced at random, so numbers and dates differ but offsets stay exact) and its
vectors (Gaussian noise, re-normalised). Search latency is measured end to end
(question embedding + dense + BM25 + fusion + grouping) over the dev questions, with the
share of each stage.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.folder import LetterIndex  # noqa: E402
from index.lexical import BM25Store  # noqa: E402
from index.store import FaissStore  # noqa: E402
from rag.chunking import embed_input  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.evaluation.retrieval import percentile  # noqa: E402
from rag.pipeline import build_folder, open_retriever  # noqa: E402
from rag.search.retrieval import Retriever  # noqa: E402
from rag.types import Chunk  # noqa: E402


def perturb(text: str, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in text)


def replicate(base: LetterIndex, target: int, seed: int = 0) -> LetterIndex:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    vectors = base.store.get(base.vector_ids)
    copies = max(1, target // len(base.chunks))
    letters, chunks, vids, all_vecs = {}, [], [], []
    for r in range(copies):
        for letter in base.letters.values():
            text = letter.text if r == 0 else perturb(letter.text, rng)
            lid = f"{letter.id}-{r}"
            letters[lid] = replace(letter, id=lid, source=f"r{r}/{letter.source}", text=text)
        for row, chunk in enumerate(base.chunks):
            lid = f"{chunk.letter_id}-{r}"
            text = letters[lid].text[chunk.start : chunk.end]
            chunks.append(
                Chunk(
                    f"{lid}:{chunk.ordinal}",
                    lid,
                    text,
                    chunk.start,
                    chunk.end,
                    chunk.section,
                    chunk.ordinal,
                )
            )
            vids.append(len(vids))
            vec = (
                vectors[row]
                if r == 0
                else vectors[row] + nrng.normal(0, 0.02, vectors.shape[1]).astype(np.float32)
            )
            all_vecs.append(vec / np.linalg.norm(vec))
    store = FaissStore(base.store.dim)
    store.add(np.arange(len(all_vecs), dtype=np.int64), np.stack(all_vecs))
    manifest = replace(base.manifest, lexicon="")
    return LetterIndex(
        base.path, manifest, letters, chunks, np.asarray(vids, dtype=np.int64), store
    )


def main() -> None:
    defaults = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="?", type=Path, default=defaults.corpus_dir)
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    questions = [
        json.loads(line)["question"]
        for line in (args.docs / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]

    with tempfile.TemporaryDirectory() as tmp:
        build_folder(args.docs, Path(tmp) / "index", defaults)
        small = open_retriever(Path(tmp) / "index", defaults)
    t0 = time.perf_counter()
    big = replicate(small.index, args.chunks)
    t_rep = time.perf_counter() - t0
    t0 = time.perf_counter()
    tok = small.tokenizer
    big.bm25 = BM25Store.build(
        [tok.tokenize(embed_input(big.letters[c.letter_id], c)) for c in big.chunks]
    )
    big.manifest = replace(big.manifest, lexicon=tok.version)
    t_bm25 = time.perf_counter() - t0
    t0 = time.perf_counter()
    retriever = Retriever(big, small.embedder, small.settings, tok)
    t_open = time.perf_counter() - t0

    stages: dict[str, list[float]] = {"embed": [], "dense": [], "lexical": []}
    embed_query, dense, lexical = (
        retriever.embedder.embed_query,
        retriever._dense,
        retriever._lexical,
    )

    def timed(name, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **kw):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            out = fn(*a, **kw)
            stages[name].append((time.perf_counter() - t) * 1000)
            return out

        return wrapper

    retriever.embedder.embed_query = timed("embed", embed_query)  # type: ignore[method-assign]
    retriever._dense = timed("dense", dense)  # type: ignore[method-assign]
    retriever._lexical = timed("lexical", lexical)  # type: ignore[method-assign]
    retriever.search(questions[0], 10)
    for values in stages.values():
        values.clear()
    lat = []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, 10)
            lat.append((time.perf_counter() - t) * 1000)
    print(
        f"chunks {len(big.chunks):,}  letters {len(big.letters):,}  (replicated in {t_rep:.1f}s, "
        f"BM25 built in {t_bm25:.1f}s, retriever ready in {t_open:.1f}s)"
    )
    print(
        f"search (embed + dense + bm25 + fusion + grouping): p50 {statistics.median(lat):.1f} ms, "
        f"p95 {percentile(lat, 0.95):.1f} ms over {len(lat)} searches"
    )
    for name, values in stages.items():
        print(
            f"  {name:<8} p50 {statistics.median(values):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms"
        )
    from rag.answer.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(retriever)
    answer_lat = []
    for q in questions:
        t = time.perf_counter()
        answerer.answer(q)
        answer_lat.append((time.perf_counter() - t) * 1000)
    print(
        f"extractive answer end to end: p50 {statistics.median(answer_lat):.1f} ms, "
        f"p95 {percentile(answer_lat, 0.95):.1f} ms over {len(answer_lat)} questions"
    )
    retrieval_only = [t - e for t, e in zip(lat, stages["embed"], strict=False)]
    print(
        f"retrieval without the question embedding: p50 {statistics.median(retrieval_only):.1f} ms, "
        f"p95 {percentile(retrieval_only, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
