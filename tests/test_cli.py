"""The CLI contract: build / letters / search JSON shapes, batch mode, and one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.config import Settings
from rag.types import FIELD_NAMES

HIT_KEYS = {"rank", "score", "letter_id", "source", "chunk_id", "start", "end", "section", "text"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def built(tmp_path: Path, demo_dir: Path, hash_settings: Settings) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    shutil.copytree(demo_dir, docs)
    (docs / "notes.xlsx").write_bytes(b"PK\x03\x04 not a letter")
    (docs / "empty.txt").write_text("")
    index = tmp_path / "index"
    code, out, err = run("build", str(docs), "--index", str(index), "--json")
    assert code == 0, err
    return docs, index


def test_build_json_summary(built: tuple[Path, Path]) -> None:
    docs, index = built
    code, out, _ = run("build", str(docs), "--index", str(index), "--json")
    summary = json.loads(out)
    assert set(summary) >= {
        "letters",
        "chunks",
        "added",
        "updated",
        "removed",
        "unchanged",
        "seconds",
        "skipped",
    }
    n = len(list(docs.glob("*.txt"))) - 1
    assert summary["letters"] == n == summary["unchanged"] and summary["added"] == 0
    reasons = {s["source"]: s["reason"] for s in summary["skipped"]}
    assert reasons["notes.xlsx"].startswith("unsupported format .xlsx")
    assert reasons["empty.txt"] == "empty file"
    code, _, _ = run("build", str(docs), "--index", str(index), "--json", "--strict")
    assert code == 1


def test_letters_json_has_every_field(built: tuple[Path, Path]) -> None:
    _, index = built
    code, out, _ = run("letters", "--index", str(index), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) >= 8
    for row in rows:
        assert set(row) == {"letter_id", "source", *FIELD_NAMES}
        assert isinstance(row["cohandlers"], list)
    renshe = next(r for r in rows if r["source"].startswith("01_"))
    assert renshe["doc_number"] == "渝人社函〔2024〕88号"
    assert renshe["number"] == "0123" and renshe["kind"] == "提案"


def test_search_single_and_batch(built: tuple[Path, Path], tmp_path: Path) -> None:
    docs, index = built
    code, out, _ = run("search", "老年食堂 助餐补贴", "--index", str(index), "-k", "3", "--json")
    result = json.loads(out)
    assert code == 0 and result["question"] == "老年食堂 助餐补贴" and len(result["hits"]) == 3
    hit = result["hits"][0]
    assert set(hit) == HIT_KEYS and hit["rank"] == 1
    text = (docs / hit["source"]).read_text(encoding="utf-8")
    assert text[hit["start"] : hit["end"]] == hit["text"]

    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "人才政策"}\n\n{"id": "b", "question": "学校门口交通"}\n',
        encoding="utf-8",
    )
    code, out, _ = run(
        "search", "--index", str(index), "--questions", str(questions), "-k", "2", "--json"
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert (
        code == 0
        and [r["id"] for r in rows] == ["a", "b"]
        and all(len(r["hits"]) == 2 for r in rows)
    )

    code, out, _ = run("search", "人才政策", "--index", str(index), "-k", "2")
    assert code == 0 and out.startswith("Q: 人才政策") and " 1. " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--index", "{tmp}/missing"], "no index at"),
        (["letters", "--index", "{tmp}"], "not a replyqa index"),
        (["build", "{tmp}/nodocs", "--index", "{tmp}/i"], "does not exist"),
        (["build", "{tmp}", "--index", "{tmp}/i"], "nothing could be indexed"),
        (["search", "--index", "{tmp}"], "either a QUESTION or --questions"),
    ],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, args: list[str], message: str, hash_settings: Settings
) -> None:
    code, out, err = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code != 0
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_questions_file_names_the_line(built: tuple[Path, Path], tmp_path: Path) -> None:
    _, index = built
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "ok"}\n{"id": "b"}\n', encoding="utf-8")
    code, _, err = run("search", "--index", str(index), "--questions", str(bad), "--json")
    assert code == 2 and f"{bad}:2" in err


def test_invalid_setting_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYQA_CHUNKING__TARGET_CHARS", "10")
    code, _, err = run("build", str(tmp_path), "--index", str(tmp_path / "i"))
    assert code == 2 and "invalid setting" in err and "target_chars" in err
