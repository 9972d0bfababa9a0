"""What every `replyqa` command shares: error handling, settings, JSON output, questions.

A `ReplyQAError` (or an invalid setting) becomes one line on stderr and a non-zero exit,
never a traceback; `--json` output is one object per line; a question comes from the
command line or from a JSONL file, never both.
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

from rag.config import Settings, load_settings
from rag.errors import ReplyQAError
from rag.search.query import clean_question

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    click.echo(f"replyqa: error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn domain errors into one clear stderr line and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReplyQAError as exc:
            fail(str(exc))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
            )
            fail(f"invalid setting ({problems}); check REPLYQA_* variables and options")
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def settings(embedder: str | None = None) -> Settings:
    return load_settings(embedder=embedder)


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@contextmanager
def progress(enabled: bool, desc: str) -> Iterator[Callable[[int, int], None] | None]:
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


def read_questions(path: Path) -> list[dict[str, Any]]:
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
        return read_questions(questions)
    return [{"id": "q", "question": clean_question(question or "")}]


def open_retriever(index_dir: Path, embedder: str | None) -> Any:
    """Open an index with its own embedder (or the one named, which must match)."""
    from rag.pipeline import open_retriever as _open

    return _open(index_dir, settings(), embedder)
