"""`replyqa eval` and `replyqa eval-fields`: retrieval, answer and field-parsing figures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rag.cli.common import handle_errors, read_questions, settings
from rag.cli.qa import answerer_for


@click.command("eval")
@click.option(
    "--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index folder."
)
@click.option(
    "--questions",
    required=True,
    type=click.Path(path_type=Path),
    help="Questions JSONL with evidence.",
)
@click.option(
    "-k",
    "k",
    default=10,
    show_default=True,
    type=click.IntRange(10, 1000),
    help="Hits retrieved per question.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option("--embedder", default=None, help="Override the embedder (must match the index).")
@click.option(
    "--answers/--no-answers",
    default=True,
    show_default=True,
    help="Also score the extractive answers.",
)
@handle_errors
def eval_(
    index_dir: Path, questions: Path, k: int, as_json: bool, embedder: str | None, answers: bool
) -> None:
    """Score retrieval (recall@5/@10, MRR, letter recall@5) and answers (citations verbatim,
    abstention on negatives, answered rate, evidence cited, latency) on a question set.

    Example: replyqa eval --index .replyqa/dev --questions ../shared/corpus/questions.jsonl
    """
    from rag.evaluation.answers import evaluate_answers
    from rag.evaluation.retrieval import evaluate_retrieval

    rows = read_questions(questions)
    answerer = answerer_for(index_dir, embedder)
    retriever = answerer.retriever
    retriever.search(rows[0]["question"], k)  # load and warm up before timing
    report = evaluate_retrieval(retriever.search, rows, k)
    answer_report = (
        evaluate_answers(answerer.answer, rows, retriever.index.letters) if answers else None
    )
    if as_json:
        out = {
            "retrieval": report.to_json(),
            "answers": answer_report.to_json() if answer_report else None,
        }
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(report.to_text())
    if answer_report:
        click.echo("")
        click.echo(answer_report.to_text())


@click.command("eval-fields")
@click.argument("corpus_dir", required=False, type=click.Path(path_type=Path))
@click.option(
    "--gold",
    type=click.Path(path_type=Path),
    help="Gold fields JSONL (default CORPUS_DIR/fields.jsonl).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@handle_errors
def eval_fields(corpus_dir: Path | None, gold: Path | None, as_json: bool) -> None:
    """Measure field-parsing accuracy against hand-labelled gold fields.

    Example: replyqa eval-fields ../shared/corpus
    """
    from rag.evaluation.fields import evaluate_fields

    corpus = corpus_dir or settings().corpus_dir
    report = evaluate_fields(corpus, gold)
    click.echo(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if as_json else report.to_text()
    )
