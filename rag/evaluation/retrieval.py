"""Retrieval evaluation: evidence recall@k, MRR and letter recall, by question type.

Questions follow the dev set's format (`id, question, type, evidence: [{file, quote}]`).
An evidence quote counts as found at rank r when the hit at rank r comes from that
file and its chunk covers at least half of the quote's characters. Per question:
recall@k is the share of its quotes found in the top k; MRR is 1/rank of the first
hit that covers any quote (0 if none in the top k); letter recall@5 is the share of
its evidence files among the top-5 hits' letters. Scores are averaged over the
questions that have evidence (negative questions without evidence are skipped).
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from rag.types import Hit, Letter

Searcher = Callable[[str, int], list[Hit]]


def same_file(source: str, file: str) -> bool:
    return source == file or PurePosixPath(source).name == PurePosixPath(file).name


def quote_spans(letter: Letter, quote: str) -> list[tuple[int, int]]:
    """Every occurrence of `quote` in the letter text."""
    spans, pos = [], letter.text.find(quote)
    while pos >= 0 and quote:
        spans.append((pos, pos + len(quote)))
        pos = letter.text.find(quote, pos + 1)
    return spans


def covers(hit: Hit, file: str, quote: str) -> bool:
    """Whether `hit` is from `file` and covers at least half of one occurrence of `quote`."""
    if not same_file(hit.letter.source, file):
        return False
    need = math.ceil(len(quote) / 2)
    spans = quote_spans(hit.letter, quote)
    if not spans:  # the text was extracted differently (e.g. from HTML): fall back to text
        half = len(quote) // 2
        return quote[: half or 1] in hit.chunk.text or quote[half:] in hit.chunk.text
    return any(min(e, hit.chunk.end) - max(s, hit.chunk.start) >= need for s, e in spans)


@dataclass
class QuestionScore:
    id: str
    type: str
    recall: dict[int, float]
    rr: float
    letter_recall5: float
    latency_ms: float


def score_question(
    row: dict[str, Any], hits: Sequence[Hit], ks: Sequence[int] = (5, 10)
) -> QuestionScore | None:
    """Score one question's ranked hits; None if it has no evidence to find."""
    evidence = [(e["file"], e["quote"]) for e in row.get("evidence") or []]
    if not evidence:
        return None
    first_rank = {
        i: next((h.rank for h in hits if covers(h, f, q)), None)
        for i, (f, q) in enumerate(evidence)
    }
    recall = {
        k: sum(1 for r in first_rank.values() if r is not None and r <= k) / len(evidence)
        for k in ks
    }
    ranks = [r for r in first_rank.values() if r is not None]
    files = {f for f, _ in evidence}
    top5 = [h.letter.source for h in hits if h.rank <= 5]
    letter_recall = sum(1 for f in files if any(same_file(s, f) for s in top5)) / len(files)
    return QuestionScore(
        str(row.get("id")),
        str(row.get("type", "all")),
        recall,
        1 / min(ranks) if ranks else 0.0,
        letter_recall,
        0.0,
    )


@dataclass
class RetrievalReport:
    scores: list[QuestionScore] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    skipped: int = 0

    @staticmethod
    def _summary(scores: Sequence[QuestionScore]) -> dict[str, float]:
        if not scores:
            return {}
        return {
            "n": len(scores),
            "recall@5": round(statistics.mean(s.recall[5] for s in scores), 4),
            "recall@10": round(statistics.mean(s.recall[10] for s in scores), 4),
            "mrr": round(statistics.mean(s.rr for s in scores), 4),
            "letter_recall@5": round(statistics.mean(s.letter_recall5 for s in scores), 4),
        }

    def to_json(self) -> dict[str, Any]:
        by_type: dict[str, list[QuestionScore]] = defaultdict(list)
        for s in self.scores:
            by_type[s.type].append(s)
        return {
            "overall": self._summary(self.scores),
            "by_type": {t: self._summary(v) for t, v in sorted(by_type.items())},
            "latency_ms": {
                "p50": round(percentile(self.latencies_ms, 0.5), 2),
                "p95": round(percentile(self.latencies_ms, 0.95), 2),
            },
            "questions": len(self.scores) + self.skipped,
            "without_evidence": self.skipped,
            "misses": [s.id for s in self.scores if s.recall[10] < 1.0],
        }

    def to_text(self) -> str:
        data = self.to_json()
        lines = [f"{'type':<12}{'n':>4}{'R@5':>8}{'R@10':>8}{'MRR':>8}{'LetR@5':>8}"]
        for name, row in [("ALL", data["overall"]), *data["by_type"].items()]:
            if row:
                lines.append(
                    f"{name:<12}{row['n']:>4}{row['recall@5']:>8.3f}{row['recall@10']:>8.3f}"
                    f"{row['mrr']:>8.3f}{row['letter_recall@5']:>8.3f}"
                )
        lat = data["latency_ms"]
        lines.append(
            f"search latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms over {data['questions']} questions"
            f" ({data['without_evidence']} without evidence not scored)"
        )
        if data["misses"]:
            lines.append("not fully found in top 10: " + ", ".join(data["misses"]))
        return "\n".join(lines)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def evaluate_retrieval(
    search: Searcher, questions: Sequence[dict[str, Any]], k: int = 10
) -> RetrievalReport:
    """Run every question through `search` and score the hits."""
    report = RetrievalReport()
    for row in questions:
        t0 = time.perf_counter()
        hits = search(row["question"], max(k, 10))
        report.latencies_ms.append((time.perf_counter() - t0) * 1000)
        score = score_question(row, hits)
        if score is None:
            report.skipped += 1
        else:
            score.latency_ms = report.latencies_ms[-1]
            report.scores.append(score)
    return report
