"""The retrieval metrics: exact values on hand-made cases, and the eval command end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.evaluation.retrieval import covers, percentile, score_question
from rag.types import Chunk, Hit, Letter, LetterFields

# A made-up letter: three sentences at known offsets.
TEXT = "第一句讲人才政策。第二句讲集成电路。第三句讲老年食堂。"


def _letter(source: str = "a.txt") -> Letter:
    return Letter(id=source, source=source, text=TEXT, fields=LetterFields())


def _hit(start: int, end: int, rank: int, source: str = "a.txt") -> Hit:
    letter = _letter(source)
    chunk = Chunk(
        id=f"{source}:{start}", letter_id=letter.id, text=TEXT[start:end], start=start, end=end
    )
    return Hit(chunk=chunk, letter=letter, score=1.0 / rank, rank=rank)


def test_a_quote_counts_when_half_of_it_is_covered() -> None:
    quote = "第二句讲集成电路"  # offsets 9..17
    assert covers(_hit(9, 13, 1), "a.txt", quote)  # exactly half
    assert not covers(_hit(9, 12, 1), "a.txt", quote)  # less than half
    assert not covers(_hit(9, 18, 1, source="b.txt"), "a.txt", quote)  # another file
    assert covers(_hit(9, 18, 1, source="dir/a.txt"), "a.txt", quote)  # same file name in a folder


def test_recall_is_exactly_one_half_and_mrr_exactly_one_third() -> None:
    row = {
        "id": "x",
        "type": "lookup",
        "evidence": [
            {"file": "a.txt", "quote": "第二句讲集成电路"},
            {"file": "a.txt", "quote": "第三句讲老年食堂"},
        ],
    }
    hits = [_hit(0, 9, 1), _hit(0, 5, 2), _hit(9, 18, 3)] + [_hit(0, 9, r) for r in range(4, 11)]
    score = score_question(row, hits)
    assert score is not None
    assert score.recall == {5: 0.5, 10: 0.5}
    assert score.rr == pytest.approx(1 / 3)
    assert score.letter_recall5 == 1.0
    assert score_question({"id": "n", "evidence": []}, hits) is None


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0
    assert percentile([], 0.5) == 0.0


def test_eval_command_reports_known_results(tmp_path: Path, demo_dir: Path, hash_settings) -> None:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    shutil.copytree(demo_dir, docs)
    index = tmp_path / "index"
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(docs), "--index", str(index)]).exit_code == 0
    questions = tmp_path / "q.jsonl"
    rows = [
        # Found: the document number is a whole token and boosts its letter.
        {
            "id": "hit",
            "type": "metadata",
            "question": "渝人社函〔2024〕88号",
            "evidence": [
                {
                    "file": "01_cq_renshe_talent_proposal_0123_2024.txt",
                    "quote": "渝人社函〔2024〕88号",
                }
            ],
        },
        # Cannot be found: the quote is in no letter.
        {
            "id": "miss",
            "type": "lookup",
            "question": "人才政策",
            "evidence": [
                {
                    "file": "01_cq_renshe_talent_proposal_0123_2024.txt",
                    "quote": "这句话不在任何示例复函里出现",
                }
            ],
        },
        {"id": "neg", "type": "negative", "question": "长期护理保险", "evidence": []},
    ]
    questions.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    result = runner.invoke(
        main, ["eval", "--index", str(index), "--questions", str(questions), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)["retrieval"]
    assert report["overall"]["n"] == 2 and report["without_evidence"] == 1
    assert report["overall"]["recall@10"] == 0.5
    assert (
        report["by_type"]["metadata"]["recall@5"] == 1.0
        and report["by_type"]["lookup"]["recall@10"] == 0.0
    )
    assert report["misses"] == ["miss"]
    assert set(report["latency_ms"]) == {"p50", "p95"}
    text = runner.invoke(
        main, ["eval", "--index", str(index), "--questions", str(questions)]
    ).output
    assert "R@5" in text and "metadata" in text


def test_answer_figures_agree_with_the_shared_judge(
    real_index: Path, corpus_dir: Path, tmp_path: Path
) -> None:
    """`replyqa eval`'s answer figures are the judge's: same questions, same answers, same numbers."""
    import json
    import subprocess
    import sys

    from rag.answer.extractive import ExtractiveAnswerer
    from rag.cli.qa import _ask_record
    from rag.evaluation.answers import evaluate_answers
    from rag.pipeline import open_retriever

    judge = corpus_dir.parent / "tools" / "judge.py"
    if not judge.is_file():
        pytest.skip(f"the shared judge is not at {judge}")
    lines = (corpus_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()][::3]  # every third: all types
    answerer = ExtractiveAnswerer(open_retriever(real_index))
    answers = {q["id"]: answerer.answer(q["question"]) for q in questions}
    qfile, afile = tmp_path / "q.jsonl", tmp_path / "a.jsonl"
    qfile.write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8"
    )
    afile.write_text(
        "".join(
            json.dumps(_ask_record(q, answers[q["id"]], 1.0), ensure_ascii=False) + "\n"
            for q in questions
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [
            sys.executable,
            str(judge),
            "--letters",
            str(corpus_dir),
            "--questions",
            str(qfile),
            "--ask",
            str(afile),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = json.loads(out.stdout)["answers"]
    ours = evaluate_answers(
        lambda q: answers[next(r["id"] for r in questions if r["question"] == q)],
        questions,
        answerer.retriever.index.letters,
    ).to_json()
    pairs = {
        "abstention_on_negative": "abstain",
        "answered_on_answerable": "answered",
        "evidence_cited": "evidence_cited",
        "key_facts": "key_facts",
        "letter_precision": "letter_precision",
        "form_text": "form_text",
    }
    for mine, judged in pairs.items():
        assert ours[mine] == pytest.approx(theirs[judged], abs=0.0015), (
            mine,
            ours[mine],
            theirs[judged],
        )
