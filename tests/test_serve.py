"""`replyqa serve` fails like every other command, and README's quick start config is valid.

Each bad start must print exactly one line on stderr (`replyqa: error: …` naming what and
where, saying what to do), no traceback, and exit non-zero — before any server starts.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.config import REPO_ROOT
from ui.config import MIN_KEY_CHARS, load_server_config
from ui.serve import serve


def run_serve(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(serve, list(args), env={"REPLYQA_API_KEYS": "", **(env or {})})
    return result.exit_code, result.stderr


def one_line_error(code: int, stderr: str, *words: str) -> None:
    assert code != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("replyqa: error: ") and "Traceback" not in stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_missing_index(tmp_path: Path) -> None:
    code, err = run_serve("--index", str(tmp_path / "nope"))
    one_line_error(code, err, str(tmp_path / "nope"), "replyqa build")


def test_folder_that_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an index", encoding="utf-8")
    code, err = run_serve("--index", str(tmp_path))
    one_line_error(code, err, str(tmp_path), "not a replyqa index")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{bad", ["not valid JSON", "line 1"]),
        ("[1, 2]", ["must be a JSON object"]),
        ('{"api_keys": 5}', ["api_keys must be a list"]),
        ('{"api_keys": [{"key": "short"}]}', ["api_keys.0.key", f"at least {MIN_KEY_CHARS}"]),
        ('{"public_chat": "maybe"}', ["public_chat"]),
        ('{"colour": "red"}', ["colour"]),
    ],
)
def test_bad_config_file(
    content: str, words: list[str], tmp_path: Path, demo_chat_index: Path
) -> None:
    config = tmp_path / "server.json"
    config.write_text(content, encoding="utf-8")
    code, err = run_serve("--index", str(demo_chat_index), "--config", str(config))
    one_line_error(code, err, str(config), *words)
    assert "short" not in err  # a key's value is never echoed


def test_missing_config_file(tmp_path: Path, demo_chat_index: Path) -> None:
    code, err = run_serve("--index", str(demo_chat_index), "--config", str(tmp_path / "x.json"))
    one_line_error(code, err, str(tmp_path / "x.json"), "--config")


def test_short_key_in_the_environment(demo_chat_index: Path) -> None:
    code, err = run_serve("--index", str(demo_chat_index), env={"REPLYQA_API_KEYS": "key1,key2"})
    one_line_error(code, err, "REPLYQA_API_KEYS", f"at least {MIN_KEY_CHARS}")
    assert "key1" not in err


def test_busy_port(demo_chat_index: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, err = run_serve("--index", str(demo_chat_index), "--port", str(port))
    one_line_error(code, err, f"port {port}", "already in use", "--port")


def test_readme_quick_start_keys_are_valid() -> None:
    """The keys README tells a reader to set work as written, and README states the rule."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"REPLYQA_API_KEYS=(\S+?)[`\s]", readme)
    assert found, "README shows no REPLYQA_API_KEYS example"
    config = load_server_config(env={"REPLYQA_API_KEYS": found.group(1)})
    assert config.api_keys
    sdk_key = re.search(r'api_key="([^"]+)"', readme)
    assert sdk_key and config.key(sdk_key.group(1)) is not None
    assert f"at least {MIN_KEY_CHARS} characters" in readme
