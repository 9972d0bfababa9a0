"""Answer evaluation: the shared judge's figures (`../shared/tools/judge.py`), computed in-process.

Each question of the dev set's format is answered once; its citations are checked
against the letter text (a quote must equal `text[start:end]`), its evidence quotes
against the citations (covered when a citation spans at least half of a quote), its key
facts against the answer text (any listed spelling, whitespace and case ignored), its cited
letters against the evidence letters, and every citation of a content question for form text
(page chrome, or a letter formula with fewer than 8 Chinese characters besides). A question
of type `negative` must be abstained on; every other question should be answered.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from rag.evaluation.retrieval import percentile, quote_spans, same_file
from rag.types import Letter

# The judge's definition of text that carries no content (kept in step with judge.py).
_FORMULA = re.compile(
    r"[^。；;]*?收悉[。，,]?|现(?:将[^。]{0,16})?答复如下[:：]?|现(?:函)?复如下[:：]?|特此(?:函复|答复)[。]?|"
    r"^[^。，,:：]{1,24}(?:代表|委员|同志|先生|女士|单位|党派|主委)[:：]"
)
_CHROME = re.compile(
    r"您当前的位置|当前位置[:：]|扫一扫|欢迎访问|打印本页|关闭窗口|首页\s*[>＞]|字号[:：]|【(?:大|中|小)】"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_form_text(quote: str) -> bool:
    """A quote that is page chrome, or a formula with fewer than 8 Chinese characters left."""
    if _CHROME.search(quote):
        return True
    rest = _FORMULA.sub("", quote)
    return rest != quote and len(_CJK.findall(rest)) < 8


def key_fact_share(text: str, facts: Sequence[Sequence[str]]) -> float:
    """The share of key facts written in `text` (any spelling; whitespace and case ignored)."""
    plain = re.sub(r"\s+", "", text).lower()
    return sum(any(re.sub(r"\s+", "", alt).lower() in plain for alt in fact) for fact in facts) / len(facts)


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.mean(values), 4) if values else None


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
        neg = [r for r in self.rows if r["type"] == "negative"]
        pos = [r for r in self.rows if r not in neg]
        n_cit = sum(r["citations"] for r in self.rows)
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        chars: dict[str, list[int]] = defaultdict(list)
        for r in self.rows:
            chars[r["type"]].append(r["chars"])
        for r in pos:
            by_type[r["type"]].append(r)
        lat = [r["latency_ms"] for r in self.rows]
        with_facts = [r for r in pos if r["key_facts"] is not None]
        precise = [r["letter_precision"] for r in pos if r["letter_precision"] is not None]
        forms = [f for r in pos if r["type"] != "metadata" for f in r["form_text"]]
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
            # Over every answerable question, as the judge counts it (none cited: 0).
            "evidence_cited": _mean([r["evidence_cited"] for r in pos]),
            "evidence_cited_by_type": {
                t: _mean([r["evidence_cited"] for r in v]) for t, v in sorted(by_type.items())
            },
            "key_facts": _mean([r["key_facts"] for r in with_facts]),
            "key_facts_by_type": {
                t: _mean([r["key_facts"] for r in v if r["key_facts"] is not None])
                for t, v in sorted(by_type.items())
                if any(r["key_facts"] is not None for r in v)
            },
            "letter_precision": _mean(precise),
            "form_text": _mean(forms),
            "answer_chars_median_by_type": {t: statistics.median(v) for t, v in sorted(chars.items())},
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
            f"key facts {d['key_facts']}, letter precision {d['letter_precision']}, form text {d['form_text']}",
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
        facts = row.get("key_facts") or []
        gold = {_base(f) for f, _ in evidence}
        cited_files = {_base(c.source) for c in ans.citations}
        report.rows.append(
            {
                "id": row.get("id"),
                "type": row.get("type", "all"),
                "answered": bool(ans.answered),
                "citations": len(ans.citations),
                "verbatim": verbatim,
                "evidence": bool(evidence),
                "evidence_cited": covered / len(evidence) if evidence else 0.0,
                "key_facts": key_fact_share(ans.text, facts) if facts else None,
                "letter_precision": len(cited_files & gold) / len(cited_files)
                if cited_files and row.get("type") != "aggregate"
                else None,
                "form_text": [1.0 if is_form_text(c.quote) else 0.0 for c in ans.citations],
                "chars": len(ans.text),
                "latency_ms": latency,
            }
        )
    return report


def _base(source: str) -> str:
    """A source's file name, as the judge matches files (`dev:` prefixes dropped)."""
    return PurePosixPath(source.removeprefix("dev:")).name
