"""Answer evaluation: verbatim citations, abstention on negatives, evidence cited.

Each question of the dev set's format is answered once; its citations are checked
against the letter text (a quote must equal `text[start:end]`), its evidence quotes
against the citations (covered when a citation spans at least half of a quote), and a
negative question (type `negative`, or no evidence) must be abstained on.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.evaluation.retrieval import percentile, quote_spans, same_file
from rag.types import Letter


def cited(
    citation_spans: Sequence[tuple[str, int, int]],
    letters_by_source: dict[str, Letter],
    file: str,
    quote: str,
) -> bool:
    """Whether a citation (source, start, end) covers at least half of an evidence quote."""
    need = math.ceil(len(quote) / 2)
    for source, start, end in citation_spans:
        if not same_file(source, file):
            continue
        letter = letters_by_source.get(source)
        if letter is None:
            continue
        if any(min(e, end) - max(s, start) >= need for s, e in quote_spans(letter, quote)):
            return True
    return False


@dataclass
class AnswerReport:
    """Answer metrics over a question set (see `evaluate_answers`)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        # A question is negative by type, or when it has no evidence to cite (an English
        # "does the corpus contain…" question whose answer is no).
        neg = [r for r in self.rows if r["type"] == "negative" or not r["evidence"]]
        pos = [r for r in self.rows if r not in neg]
        with_ev = [r for r in pos if r["evidence"]]
        n_cit = sum(r["citations"] for r in self.rows)
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in pos:
            by_type[r["type"]].append(r)
        lat = [r["latency_ms"] for r in self.rows]
        return {
            "questions": len(self.rows),
            "citations": n_cit,
            "citations_verbatim": round(sum(r["verbatim"] for r in self.rows) / n_cit, 4)
            if n_cit
            else 1.0,
            "abstention_on_negative": round(sum(not r["answered"] for r in neg) / len(neg), 4)
            if neg
            else None,
            "answered_on_answerable": round(sum(r["answered"] for r in pos) / len(pos), 4)
            if pos
            else None,
            "evidence_cited": round(statistics.mean(r["evidence_cited"] for r in with_ev), 4)
            if with_ev
            else None,
            "evidence_cited_by_type": {
                t: round(statistics.mean(r["evidence_cited"] for r in v if r["evidence"]), 4)
                for t, v in sorted(by_type.items())
                if any(r["evidence"] for r in v)
            },
            "latency_ms": {
                "p50": round(percentile(lat, 0.5), 2),
                "p95": round(percentile(lat, 0.95), 2),
            },
            "wrongly_answered": [r["id"] for r in neg if r["answered"]],
            "wrongly_abstained": [r["id"] for r in pos if not r["answered"]],
        }

    def to_text(self) -> str:
        d = self.to_json()
        lines = [
            f"answers: {d['questions']} questions, {d['citations']} citations, "
            f"verbatim {d['citations_verbatim']:.3f}",
            f"abstained on negatives {d['abstention_on_negative']}, answered answerable {d['answered_on_answerable']}, "
            f"evidence cited {d['evidence_cited']}",
            "evidence cited by type: "
            + ", ".join(f"{t} {v:.3f}" for t, v in d["evidence_cited_by_type"].items()),
            f"answer latency p50 {d['latency_ms']['p50']:.1f} ms, p95 {d['latency_ms']['p95']:.1f} ms",
        ]
        if d["wrongly_answered"]:
            lines.append("answered but should abstain: " + ", ".join(d["wrongly_answered"]))
        if d["wrongly_abstained"]:
            lines.append("abstained but answerable: " + ", ".join(d["wrongly_abstained"]))
        return "\n".join(lines)


def evaluate_answers(
    answer: Callable[[str], Any], questions: Sequence[dict[str, Any]], letters: dict[str, Letter]
) -> AnswerReport:
    """Answer every question and score citations, abstention and evidence coverage."""
    by_source = {letter.source: letter for letter in letters.values()}
    report = AnswerReport()
    for row in questions:
        t0 = time.perf_counter()
        ans = answer(row["question"])
        latency = (time.perf_counter() - t0) * 1000
        spans = [(c.source, c.start, c.end) for c in ans.citations]
        verbatim = sum(
            1
            for c in ans.citations
            if c.letter_id in letters and letters[c.letter_id].text[c.start : c.end] == c.quote
        )
        evidence = [(e["file"], e["quote"]) for e in row.get("evidence") or []]
        covered = sum(cited(spans, by_source, f, q) for f, q in evidence)
        report.rows.append(
            {
                "id": row.get("id"),
                "type": row.get("type", "all"),
                "answered": bool(ans.answered),
                "citations": len(ans.citations),
                "verbatim": verbatim,
                "evidence": bool(evidence),
                "evidence_cited": covered / len(evidence) if evidence else 0.0,
                "latency_ms": latency,
            }
        )
    return report
