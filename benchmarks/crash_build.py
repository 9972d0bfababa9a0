"""Crash-safety harness: one index build, slowed down so that a SIGKILL can land in any step.

Usage:
    python benchmarks/crash_build.py DOCS_DIR INDEX_DIR [--sleep-ms 20] [--batch-size 4]

Runs the same build as `replyqa build DOCS_DIR --index INDEX_DIR --embedder hash` (the
model-free embedder, so nothing is downloaded) and prints one flushed line per step on stdout,
so that a caller (tests/test_crash.py) can time a kill:

    start                          arguments read; nothing written yet
    embed <n>                      before each embedding batch (n: chunks embedded with it)
    write <file>                   before each jsonl file of the new generation is written
    replace <src> <dst>            before each atomic rename (gen-N.tmp -> gen-N, then
                                   manifest.json.tmp -> manifest.json, the commit point)
    drop                           committed; older generations are about to be deleted
    done <summary json>            finished

Each step sleeps `--sleep-ms` (default: REPLYQA_CRASH_SLEEP_MS, else 20) milliseconds before and
after it, so the windows between steps are wide enough to hit. The library is not changed, only
wrapped from outside: the embedder, `index.builder`'s jsonl writer and generation cleanup, and
`os.replace`. Exit status: 0 on success, 2 with one error line for a domain error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import index.builder as builder  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.embedding import Embedder, make_embedder  # noqa: E402
from rag.errors import ReplyQAError  # noqa: E402
from rag.pipeline import build_folder  # noqa: E402


def say(line: str) -> None:
    print(line, flush=True)


class SlowEmbedder:
    """An embedder that announces and sleeps before each batch (a real `Embedder`)."""

    def __init__(self, inner: Embedder, pause: Callable[[], None]) -> None:
        self.inner = inner
        self.pause = pause
        self.done = 0

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.done += len(texts)
        say(f"embed {self.done}")
        self.pause()
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def slow_steps(pause: Callable[[], None]) -> None:
    """Announce and pause around the commit steps of `index.builder`."""
    write_jsonl = builder._write_jsonl
    drop = builder._drop_old_generations
    replace = os.replace

    def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
        say(f"write {Path(path).name}")
        pause()
        write_jsonl(path, rows)
        pause()

    def _replace(src: Any, dst: Any, **kwargs: Any) -> None:
        say(f"replace {Path(src).name} {Path(dst).name}")
        pause()
        replace(src, dst, **kwargs)
        pause()

    def _drop(folder: Path, keep: set[str]) -> None:
        say("drop")
        pause()
        drop(folder, keep)

    builder._write_jsonl = _write_jsonl
    builder._drop_old_generations = _drop
    os.replace = _replace


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", type=Path, help="Folder of letters.")
    ap.add_argument("index", type=Path, help="Index folder to create or update.")
    ap.add_argument(
        "--sleep-ms",
        type=float,
        default=float(os.environ.get("REPLYQA_CRASH_SLEEP_MS", "20")),
        help="Pause before and after each step (ms).",
    )
    ap.add_argument("--batch-size", type=int, default=4, help="Chunks per embedding batch.")
    args = ap.parse_args()

    def pause() -> None:
        time.sleep(args.sleep_ms / 1000)

    settings = Settings(embedder="hash", embed_batch_size=args.batch_size)
    slow_steps(pause)
    say("start")
    try:
        summary = build_folder(
            args.docs, args.index, settings, embedder=SlowEmbedder(make_embedder(settings), pause)
        )
    except ReplyQAError as exc:
        print(f"crash_build: error: {exc}", file=sys.stderr)
        sys.exit(2)
    say("done " + json.dumps(summary.to_json(), ensure_ascii=False))


if __name__ == "__main__":
    main()
