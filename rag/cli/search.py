"""`replyqa search`: the passages that best match a question, with exact offsets."""

from __future__ import annotations

from pathlib import Path

import click

from rag.cli.common import echo_json, handle_errors, open_retriever, question_rows
from rag.types import search_result


@click.command()
@click.argument("question", required=False)
@click.option(
    "--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index folder."
)
@click.option(
    "-k",
    "k",
    default=10,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Hits per question.",
)
@click.option(
    "--questions",
    type=click.Path(path_type=Path),
    help="JSONL file of {id, question} to run in batch.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@click.option("--embedder", default=None, help="Override the embedder (must match the index).")
@click.option(
    "--agency", default=None, help="Only letters from this agency (any known alias, e.g. 市经信委)."
)
@click.option("--place", default=None, help="Only letters from this place (e.g. 重庆市, 江津区).")
@click.option(
    "--year", default=None, type=click.IntRange(1949, 2100), help="Only letters of this year."
)
@click.option(
    "--kind",
    default=None,
    type=click.Choice(["提案", "建议", "其他"]),
    help="Only this kind of letter.",
)
@click.option(
    "--category", default=None, type=click.Choice(["A", "B", "C"]), help="Only this 办理类别."
)
@handle_errors
def search(
    question: str | None,
    index_dir: Path,
    k: int,
    questions: Path | None,
    as_json: bool,
    embedder: str | None,
    agency: str | None,
    place: str | None,
    year: int | None,
    kind: str | None,
    category: str | None,
) -> None:
    """Find the passages that best match a question.

    Example: replyqa search "第0310号提案是谁答复的?" --index .replyqa/demo -k 5
    """
    rows = question_rows(question, questions)
    from rag.search.query import Filters

    filters = Filters(agency=agency, place=place, year=year, kind=kind, category=category)
    retriever = open_retriever(index_dir, embedder)
    for row in rows:
        hits = retriever.search(row["question"], k, filters)
        if as_json:
            echo_json(search_result(row["id"], row["question"], hits))
            continue
        click.echo(f"Q: {row['question']}")
        for h in hits:
            snippet = " ".join(h.chunk.text.split())[:120]
            click.echo(
                f"  {h.rank:>2}. {h.score:.3f}  {h.letter.source} [{h.chunk.start}:{h.chunk.end}] "
                f"{h.chunk.section}\n      {snippet}"
            )
