"""Sweep the abstention floors of the extractive answerer over a question set.

Usage:
    python benchmarks/calibrate_abstention.py [INDEX_DIR] [QUESTIONS.jsonl ...]

For each (min_topic, min_topic_english) pair, answers every question of each set and prints
the share of negative questions abstained on, of the others answered, and of key facts in the
answers (figures as the shared judge counts them), one column per set. Choose the floor on the
development set; the validation column says whether the choice holds on letters not tuned on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.answer.extractive import ExtractiveAnswerer  # noqa: E402
from rag.config import AnswerSettings, Settings  # noqa: E402
from rag.evaluation.answers import evaluate_answers  # noqa: E402
from rag.pipeline import open_retriever  # noqa: E402

FLOORS = [(0.05, 0.20), (0.10, 0.10), (0.10, 0.20), (0.15, 0.20), (0.20, 0.20), (0.25, 0.25)]


def main() -> None:
    defaults = Settings()
    index = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".replyqa/dev")
    qfiles = [Path(p) for p in sys.argv[2:]] or [defaults.corpus_dir / "questions.jsonl"]
    sets = [
        [json.loads(line) for line in q.read_text(encoding="utf-8").splitlines() if line.strip()]
        for q in qfiles
    ]
    retriever = open_retriever(index, defaults)
    names = " | ".join(q.parent.name for q in qfiles)
    print(f"| floor (zh / en) | abstain ({names}) | answered | key facts |")
    print("|---|---|---|---|")
    for zh, en in FLOORS:
        answerer = ExtractiveAnswerer(retriever, AnswerSettings(min_topic=zh, min_topic_english=en))
        reports = [
            evaluate_answers(answerer.answer, qs, retriever.index.letters).to_json() for qs in sets
        ]

        def both(key: str, reports: list[dict] = reports) -> str:  # type: ignore[type-arg]
            return " / ".join(f"{r[key]:.3f}" for r in reports)

        print(
            f"| {zh:.2f} / {en:.2f} | {both('abstention_on_negative')} "
            f"| {both('answered_on_answerable')} | {both('key_facts')} |"
        )


if __name__ == "__main__":
    main()
