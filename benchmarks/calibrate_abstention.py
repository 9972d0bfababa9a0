"""Sweep the abstention floors of the extractive answerer over a question set.

Usage:
    python benchmarks/calibrate_abstention.py [INDEX_DIR] [QUESTIONS.jsonl]

For each (min_topic, min_topic_english) pair, answers every question and prints
the share of no-evidence questions abstained on and of answerable questions answered —
the table in README "Answers". Choose the operating point in the middle of the flat
region where both are high.
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

FLOORS = [(0.10, 0.10), (0.15, 0.15), (0.20, 0.20), (0.25, 0.25), (0.30, 0.30)]


def main() -> None:
    defaults = Settings()
    index = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".replyqa/dev")
    qfile = Path(sys.argv[2]) if len(sys.argv) > 2 else defaults.corpus_dir / "questions.jsonl"
    questions = [
        json.loads(line) for line in qfile.read_text(encoding="utf-8").splitlines() if line
    ]
    retriever = open_retriever(index, defaults)
    print(
        "| threshold (zh / en) | abstained on no-evidence | answered of answerable | evidence cited |"
    )
    print("|---|---|---|---|")
    for zh, en in FLOORS:
        answerer = ExtractiveAnswerer(
            retriever, AnswerSettings(min_topic=zh, min_topic_english=en)
        )
        report = evaluate_answers(answerer.answer, questions, retriever.index.letters).to_json()
        print(
            f"| {zh:.2f} / {en:.2f} | {report['abstention_on_negative']:.3f} "
            f"| {report['answered_on_answerable']:.3f} | {report['evidence_cited']:.3f} |"
        )


if __name__ == "__main__":
    main()
