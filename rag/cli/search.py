"""`replyqa search`: the passages that best match a question, with exact offsets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rag.cli.common import echo_json, handle_errors, open_retriever, question_rows
from rag.types import search_result

if TYPE_CHECKING:
    from rag.search.retrieval import Trace


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
@click.option(
    "--explain",
    is_flag=True,
    help="Show how each hit ranked (dense and BM25 scores, fused rank, boosts) and what the "
    "question became; with --json, an `explain` field.",
)
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
    explain: bool,
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
    from rag.search.retrieval import Trace

    filters = Filters(agency=agency, place=place, year=year, kind=kind, category=category)
    retriever = open_retriever(index_dir, embedder)
    for row in rows:
        trace = Trace() if explain else None
        hits = retriever.search(row["question"], k, filters, trace=trace)
        if as_json:
            result = search_result(row["id"], row["question"], hits)
            if trace is not None:
                result["explain"] = trace.to_json(hits)
            echo_json(result)
            continue
        click.echo(f"Q: {row['question']}")
        if trace is not None:
            for line in explain_query(trace):
                click.echo(f"   {line}")
        for h in hits:
            snippet = " ".join(h.chunk.text.split())[:120]
            click.echo(
                f"  {h.rank:>2}. {h.score:.3f}  {h.letter.source} [{h.chunk.start}:{h.chunk.end}] "
                f"{h.chunk.section}\n      {snippet}"
            )
            if trace is not None:
                click.echo(f"      {explain_hit(trace.hit(h))}")


def explain_query(trace: Trace) -> list[str]:
    """The lines that say what the question became (normalised text, analysis, tokens)."""
    q = trace.query
    lines = [f"searched as: {q.get('question', '')}", f"normalized: {q.get('normalized', '')}"]
    for note in q.get("rewrites", []):
        lines.append(f"rewrite: {note}")
    if q.get("translated"):
        lines.append(f"translated: {q['translated']}")
    analysis = ", ".join(f"{k}={v}" for k, v in q.get("analysis", {}).items())
    lines.append(f"analysis: {analysis or '-'}")
    if q.get("agency_places") == "any":
        lines.append("agencies: named without a place, so every place's body of that kind")
    lines.append(f"bm25 tokens: {' '.join(q.get('bm25_tokens', []))}")
    if trace.filters:
        lines.append("filters: " + ", ".join(f"{k}={v}" for k, v in trace.filters.items()))
    lines += trace.notes
    return lines


def explain_hit(row: dict[str, Any]) -> str:
    """One hit's ranking in a line: dense and BM25 rank/score, fused rank, boosts."""

    def part(name: str, rank: int | None, score: float | None) -> str:
        return f"{name} #{rank} {score:.4g}" if rank is not None else f"{name} -"

    boosts = " ".join(f"+{why} {v:.4f}" for why, v in row["boosts"].items()) or "no boost"
    fused = f"fused #{row['fused_rank']}" if row["fused_rank"] is not None else "fused -"
    return " · ".join(
        (
            part("dense", row["dense_rank"], row["dense_score"]),
            part("bm25", row["bm25_rank"], row["bm25_score"]),
            fused,
            boosts,
        )
    )
