"""Field-extraction accuracy: `extract_fields` against hand-labelled gold fields.

Reads every `*.txt` letter in a corpus folder (UTF-8, BOM dropped, `\\r\\n` → `\\n`), runs
`rag.letters.fields.extract_fields` on it and compares the 12 public fields with the folder's
`fields.jsonl`. Accuracy is exact matches over the gold fields that are not null (a list
field counts once, and an empty list is null); a value filled where the gold is null is
a false fill, counted on its own. Only the gold `doc_number` counts as right, not its
`doc_number_variants`. Run as `python -m rag.evaluation.fields [CORPUS_DIR] [--json]`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.letters.fields import extract_fields
from rag.types import FIELD_NAMES

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


@dataclass(frozen=True)
class Mismatch:
    """One field where the extractor and the gold disagree."""

    file: str
    field: str
    gold: Any
    got: Any


@dataclass
class FieldReport:
    """Scores of one evaluation run.

    Attributes:
        letters: Number of letters compared.
        gold_fields: Non-null gold fields, the accuracy denominator.
        correct: Gold fields extracted exactly.
        false_fills: Fields filled where the gold is null.
        per_field: field → (correct, gold non-null, false fills).
        mismatches: Every disagreement, wrong values and false fills alike.
    """

    letters: int = 0
    gold_fields: int = 0
    correct: int = 0
    false_fills: int = 0
    per_field: dict[str, list[int]] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Exactly right over non-null gold fields (1.0 when there are none)."""
        return self.correct / self.gold_fields if self.gold_fields else 1.0

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "letters": self.letters,
            "gold_fields": self.gold_fields,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "false_fills": self.false_fills,
            "per_field": {
                name: {
                    "correct": c,
                    "gold": g,
                    "accuracy": round(c / g, 4) if g else None,
                    "false_fills": f,
                }
                for name, (c, g, f) in self.per_field.items()
            },
            "mismatches": [m.__dict__ for m in self.mismatches],
        }

    def to_text(self) -> str:
        """A readable table: overall score, per-field scores, then each mismatch."""
        out = [
            f"letters: {self.letters}   accuracy: {self.correct}/{self.gold_fields} = "
            f"{self.accuracy:.1%}   false fills: {self.false_fills}",
            "",
            f"{'field':<14}{'right':>7}{'gold':>7}{'acc':>9}{'false':>7}",
        ]
        for name, (c, g, f) in self.per_field.items():
            acc = f"{c / g:.1%}" if g else "-"
            out.append(f"{name:<14}{c:>7}{g:>7}{acc:>9}{f:>7}")
        if self.mismatches:
            out += ["", "mismatches:"]
            for m in self.mismatches:
                out.append(f"  {m.file}  {m.field}: gold={m.gold!r} got={m.got!r}")
        return "\n".join(out)


def read_letter(path: Path) -> str:
    """A letter's text as the extractor sees it: UTF-8, BOM dropped, `\\n` line ends."""
    text = path.read_bytes().decode("utf-8")
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def _norm(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return list(value) or None
    return value


def evaluate_fields(corpus_dir: Path, gold_path: Path | None = None) -> FieldReport:
    """Compare `extract_fields` with the gold fields of every letter in a folder.

    Args:
        corpus_dir: Folder with the `*.txt` letters.
        gold_path: The gold JSONL (one object per letter, keyed by `file`);
            `corpus_dir/fields.jsonl` by default.

    Returns:
        The report. Letters without a gold line are skipped.
    """
    gold_path = gold_path or corpus_dir / "fields.jsonl"
    gold = {}
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold[row["file"]] = row
    report = FieldReport(per_field={name: [0, 0, 0] for name in FIELD_NAMES})
    for path in sorted(corpus_dir.glob("*.txt")):
        row = gold.get(path.name)
        if row is None:
            continue
        report.letters += 1
        got_all = extract_fields(read_letter(path)).as_dict()
        for name in FIELD_NAMES:
            want, got = _norm(row.get(name)), _norm(got_all.get(name))
            stats = report.per_field[name]
            if want is None:
                if got is not None:
                    stats[2] += 1
                    report.false_fills += 1
                    report.mismatches.append(Mismatch(path.name, name, want, got))
                continue
            stats[1] += 1
            report.gold_fields += 1
            if got == want:
                stats[0] += 1
                report.correct += 1
            else:
                report.mismatches.append(Mismatch(path.name, name, want, got))
    return report


def default_corpus_dir() -> Path:
    """`$REPLYQA_CORPUS_DIR`, else `../shared/corpus` next to the repository."""
    env = os.environ.get("REPLYQA_CORPUS_DIR")
    return Path(env) if env else DEFAULT_CORPUS


def main(argv: list[str] | None = None) -> int:
    """Print the report for a corpus folder; exit 1 when the folder has no gold file."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    corpus = Path(args[0]) if args else default_corpus_dir()
    if not (corpus / "fields.jsonl").is_file():
        print(
            f"no fields.jsonl in {corpus}: pass the corpus folder or set REPLYQA_CORPUS_DIR",
            file=sys.stderr,
        )
        return 1
    report = evaluate_fields(corpus)
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
