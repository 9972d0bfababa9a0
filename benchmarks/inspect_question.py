"""Debug aid: show a question's evidence, whether each quote was found, and the top hits.

Usage: python benchmarks/inspect_question.py INDEX_DIR QUESTIONS.jsonl ID [ID ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.cli.common import open_retriever  # noqa: E402
from rag.evaluation.retrieval import covers  # noqa: E402
from rag.search.query import analyze  # noqa: E402


def main() -> None:
    index, qfile, *ids = sys.argv[1:]
    rows = {
        r["id"]: r
        for r in map(json.loads, Path(qfile).read_text(encoding="utf-8").splitlines())
        if r
    }
    retriever = open_retriever(Path(index), None)
    for qid in ids:
        row = rows[qid]
        hits = retriever.search(row["question"], 10)
        print(f"== {qid} [{row['type']}] {row['question']}\n   {analyze(row['question'])}")
        for ev in row["evidence"]:
            rank = next((h.rank for h in hits if covers(h, ev["file"], ev["quote"])), None)
            print(
                f"   {'MISS' if rank is None else f'@{rank:<3}'} {ev['file'][:40]}  {ev['quote'][:50]}"
            )
        for h in hits:
            print(
                f"   {h.rank:>2} {h.score:.4f} {h.letter.source[:40]} {' '.join(h.chunk.text.split())[:60]}"
            )


if __name__ == "__main__":
    main()
