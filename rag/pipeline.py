"""The two end-to-end jobs every edge uses: build an index from a folder, open one to search.

The CLI, the benchmarks, the tests and (later) the web app call these instead of
wiring loaders, embedder, tokenizer and store together themselves.
"""

from __future__ import annotations

from pathlib import Path

from index.builder import BuildSummary, Progress, build_index, open_index
from index.manifest import check_embedder

from .config import Settings
from .embedding import Embedder, make_embedder, setting_for_embedder_id
from .errors import ReplyQAError
from .ingest import embed_input, ingest
from .lexicon import default_tokenizer
from .retrieval import Retriever


def build_folder(
    docs_dir: Path,
    index_dir: Path,
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> BuildSummary:
    """Parse every letter under `docs_dir` and bring the index at `index_dir` up to date.

    Raises:
        ReplyQAError: Nothing under `docs_dir` could be indexed (the reasons are named).
    """
    result = ingest(docs_dir, settings)
    if not result.letters:
        reasons = "; ".join(f"{s['source']}: {s['reason']}" for s in result.skipped[:5])
        raise NothingToIndexError(
            f"nothing could be indexed in {docs_dir} ({reasons or 'the folder is empty'})"
        )
    model = embedder or make_embedder(settings)
    tokenizer = default_tokenizer(settings.agency_table)
    return build_index(
        index_dir,
        result.letters,
        model,
        settings.chunking,
        embed_input,
        rebuild=rebuild,
        batch_size=settings.embed_batch_size,
        progress=progress,
        skipped=result.skipped,
        tokenize=tokenizer.tokenize,
        lexicon_version=tokenizer.version,
    )


class NothingToIndexError(ReplyQAError):
    """A docs folder held no letter that could be loaded."""


def open_retriever(
    index_dir: Path, settings: Settings | None = None, embedder: str | None = None
) -> Retriever:
    """Open an index with the embedder it was built with (or the one named, which must match)."""
    idx = open_index(index_dir)
    base = settings or Settings()
    name = embedder or setting_for_embedder_id(idx.manifest.embedder_id)
    settings = base.model_copy(update={"embedder": name})
    model = make_embedder(settings)
    check_embedder(idx.manifest, idx.path, model.id)
    return Retriever(idx, model, settings.retrieval, default_tokenizer(settings.agency_table))
