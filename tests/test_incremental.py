"""Incremental builds skip unchanged work: files are not re-parsed, chunks not re-tokenised.

A rebuild of an unchanged folder must not load a single file (the letters come from the
index); a file changed in place, even to the same size, must be parsed again; a change of
parser, agency table or tokenizer must parse / tokenise everything again; `rebuild` ignores
every cache. Whatever was reused, the index must equal a fresh build of the same files.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import rag.letters.ingest as ingest_module
from index.builder import open_index
from index.folder import file_records
from rag.config import Settings
from rag.letters.ingest import RACY_NS, parser_version
from rag.pipeline import build_folder
from rag.search.lexicon import default_tokenizer

HASH = Settings(embedder="hash")
QUERIES = ["人才政策", "加装电梯 补贴", "集成电路产业", "学校门口交通安全", "农田灌溉"]
OLD_NS = 1_600_000_000 * 10**9  # a moment long before any build here


@pytest.fixture()
def docs(tmp_path: Path, demo_dir: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(demo_dir, folder)
    return folder


@pytest.fixture()
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file the loader is asked to load (by name), and every file hashed ("#name")."""
    seen: list[str] = []
    load, digest = ingest_module.load_document, ingest_module._file_sha256

    def counting_load(path, **kw):  # type: ignore[no-untyped-def]
        seen.append(Path(path).name)
        return load(path, **kw)

    def counting_digest(path, max_bytes):  # type: ignore[no-untyped-def]
        seen.append("#" + Path(path).name)
        return digest(path, max_bytes)

    monkeypatch.setattr(ingest_module, "load_document", counting_load)
    monkeypatch.setattr(ingest_module, "_file_sha256", counting_digest)
    return seen


def _age(docs: Path) -> None:
    """Give every file an mtime long past, as files that were not just written have."""
    for path in docs.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(OLD_NS, OLD_NS))


def _snapshot(index: Path) -> tuple[list[tuple[str, str, str]], list[np.ndarray]]:
    """The letters (source, text, fields) and BM25 scores of some queries, for comparison."""
    idx = open_index(index)
    letters = sorted((lt.source, lt.text, repr(lt.fields)) for lt in idx.letters.values())
    tok = default_tokenizer()
    assert idx.bm25 is not None
    order = np.argsort([c.id for c in idx.chunks])  # compare by chunk id, not row
    scores = [idx.bm25.scores(tok.query_tokens(q))[order] for q in QUERIES]
    return letters, scores


def _same(a: Path, b: Path) -> None:
    (letters_a, scores_a), (letters_b, scores_b) = _snapshot(a), _snapshot(b)
    assert letters_a == letters_b
    for x, y in zip(scores_a, scores_b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)


def test_unchanged_files_are_neither_parsed_nor_read(
    docs: Path, tmp_path: Path, loads: list[str]
) -> None:
    _age(docs)
    index = tmp_path / "index"
    first = build_folder(docs, index, HASH)
    n = len(list(docs.glob("*.txt")))
    assert first.parsed_files == n and len(loads) == n
    loads.clear()
    again = build_folder(docs, index, HASH)
    # Same size and an mtime older than the last scan: not even read.
    assert loads == []
    assert (again.parsed_files, again.unchanged, again.tokenized_chunks) == (0, n, 0)
    assert again.embedded_chunks == 0


def test_recently_written_files_are_hashed_not_parsed(
    docs: Path, tmp_path: Path, loads: list[str]
) -> None:
    index = tmp_path / "index"
    for path in docs.glob("*.txt"):
        os.utime(path)  # written just now (copytree kept the old mtimes): too recent to trust
    build_folder(docs, index, HASH)
    loads.clear()
    again = build_folder(docs, index, HASH)
    assert again.parsed_files == 0
    assert loads and all(name.startswith("#") for name in loads)  # read and hashed only


def test_a_file_changed_to_the_same_size_is_parsed_again(
    docs: Path, tmp_path: Path, loads: list[str]
) -> None:
    _age(docs)
    index = tmp_path / "index"
    build_folder(docs, index, HASH)
    target = sorted(docs.glob("*.txt"))[3]
    before = target.read_bytes()
    text = before.decode("utf-8")
    assert "的" in text
    after = text.replace("的", "地", 1).encode("utf-8")  # same length in UTF-8
    assert len(after) == len(before) and after != before
    target.write_bytes(after)
    loads.clear()
    summary = build_folder(docs, index, HASH)
    assert [name for name in loads if not name.startswith("#")] == [target.name]
    assert (summary.parsed_files, summary.updated) == (1, 1)
    letter = next(lt for lt in open_index(index).letters.values() if lt.source == target.name)
    assert letter.text.startswith(after.decode("utf-8")[:20]) and "地" in letter.text
    fresh = tmp_path / "fresh"
    build_folder(docs, fresh, HASH)
    _same(index, fresh)


def test_same_size_and_mtime_is_still_checked_when_the_mtime_is_racy(
    docs: Path, tmp_path: Path, loads: list[str]
) -> None:
    """An edit within one mtime tick of the last scan keeps size and mtime: the hash tells."""
    index = tmp_path / "index"
    target = sorted(docs.glob("*.txt"))[0]
    now = time.time_ns()
    os.utime(target, ns=(now, now))
    build_folder(docs, index, HASH)
    records, scanned = file_records(index, parser_version(HASH))
    assert records[target.name].mtime_ns >= scanned - RACY_NS
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("的", "地", 1), encoding="utf-8")
    os.utime(target, ns=(now, now))  # the same size and the same mtime as when parsed
    loads.clear()
    summary = build_folder(docs, index, HASH)
    assert target.name in loads and summary.updated == 1


def test_parser_or_agency_table_change_parses_and_tokenises_everything(
    docs: Path, tmp_path: Path, loads: list[str]
) -> None:
    _age(docs)
    index = tmp_path / "index"
    first = build_folder(docs, index, HASH)
    table = tmp_path / "extra_agencies.tsv"
    table.write_text("市虚构局\t示例市虚构事务局\n", encoding="utf-8")
    settings = Settings(embedder="hash", agency_table=table)
    assert parser_version(settings) != parser_version(HASH)
    loads.clear()
    summary = build_folder(docs, index, settings)
    assert summary.parsed_files == first.letters and len(loads) == first.letters
    # Another agency table is another lexicon: every chunk is tokenised again.
    assert summary.tokenized_chunks == summary.chunks


def test_rebuild_ignores_every_cache(docs: Path, tmp_path: Path, loads: list[str]) -> None:
    _age(docs)
    index = tmp_path / "index"
    first = build_folder(docs, index, HASH)
    loads.clear()
    summary = build_folder(docs, index, HASH, rebuild=True)
    assert summary.parsed_files == first.letters == len(loads)
    assert summary.tokenized_chunks == summary.chunks == summary.embedded_chunks


def test_only_new_chunk_text_is_tokenised_and_bm25_equals_a_fresh_build(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _age(docs)
    index = tmp_path / "index"
    build_folder(docs, index, HASH)
    files = sorted(docs.glob("*.txt"))
    files[0].write_text(
        files[0].read_text(encoding="utf-8") + "\n补充说明：本段为测试追加的虚构内容。\n",
        encoding="utf-8",
    )
    files[1].unlink()
    (docs / "new.txt").write_text(
        files[2].read_text(encoding="utf-8").replace("示例", "样例"), encoding="utf-8"
    )
    tokenized: list[str] = []
    tokenizer = default_tokenizer(None)
    original = type(tokenizer).tokenize

    def counting(self, text):  # type: ignore[no-untyped-def]
        tokenized.append(text)
        return original(self, text)

    monkeypatch.setattr(type(tokenizer), "tokenize", counting)
    summary = build_folder(docs, index, HASH)
    assert (summary.added, summary.updated, summary.removed) == (1, 1, 1)
    assert summary.parsed_files == 2
    assert 0 < summary.tokenized_chunks == len(tokenized) < summary.chunks // 2
    fresh = tmp_path / "fresh"
    build_folder(docs, fresh, HASH)
    _same(index, fresh)


def test_chunking_change_rechunks_and_stays_equal_to_a_fresh_build(
    docs: Path, tmp_path: Path
) -> None:
    _age(docs)
    index = tmp_path / "index"
    build_folder(docs, index, HASH)
    smaller = Settings(embedder="hash", chunking={"target_chars": 200, "max_chars": 300})
    summary = build_folder(docs, index, smaller)
    assert summary.updated == summary.letters and summary.parsed_files == 0
    fresh = tmp_path / "fresh"
    build_folder(docs, fresh, smaller)
    _same(index, fresh)


def test_an_index_without_file_records_is_upgraded(
    docs: Path, tmp_path: Path, loads: list[str]
) -> None:
    """An index written before files were recorded parses everything once, then not again."""
    import json

    from index.manifest import MANIFEST

    _age(docs)
    index = tmp_path / "index"
    build_folder(docs, index, HASH)
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    manifest.pop("parser")
    manifest.pop("scanned_at_ns")
    for entry in manifest["letters"].values():
        del entry["size"], entry["mtime_ns"]
    (index / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    loads.clear()
    n = build_folder(docs, index, HASH).parsed_files
    assert n == len(list(docs.glob("*.txt"))) == len(loads)
    loads.clear()
    assert build_folder(docs, index, HASH).parsed_files == 0 and loads == []
