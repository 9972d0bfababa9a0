"""README's "Use it from Python" blocks run as written.

Every ```python block right after a `<!-- README-test: expects TEXT -->` line is executed in
a folder holding `.replyqa/demo` (the made-up demo letters, indexed with the model-free hash
embedder), with a real `replyqa serve` app (uvicorn, loopback, the README's key) where a block
talks to http://127.0.0.1:7860; its printed output must contain TEXT.
"""

from __future__ import annotations

import contextlib
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.config import Settings
from rag.pipeline import build_folder

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"<!-- README-test: expects (.+?) -->\n```python\n(.*?)```", README, re.S)
URL = "http://127.0.0.1:7860"


def test_readme_has_tested_blocks() -> None:
    assert len(BLOCKS) >= 3
    assert any("ReplyQARetriever" in code for _, code in BLOCKS)
    assert any("from openai import OpenAI" in code for _, code in BLOCKS)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    build_folder(
        ROOT / "examples" / "letters", root / ".replyqa" / "demo", Settings(embedder="hash")
    )
    return root


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[str]:
    """`replyqa serve`'s app on a free loopback port, with the README's key."""
    uvicorn = pytest.importorskip("uvicorn")
    from ui.app import create_app
    from ui.config import KeyConfig, ServerConfig
    from ui.service import Service

    config = ServerConfig(api_keys=(KeyConfig(key="demo-key-12345678"),))
    app = create_app(Service(workdir / ".replyqa" / "demo", None, config), with_chat=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.mark.parametrize(("expects", "code"), BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(
    expects: str,
    code: str,
    workdir: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("REPLYQA_EMBEDDER", raising=False)
    if URL in code:
        pytest.importorskip("openai", reason="needs the openai SDK (dev extra)")
        code = code.replace(URL, request.getfixturevalue("server"))
    if "rag.integrations.langchain" in code:
        pytest.importorskip("langchain_core", reason="needs langchain-core (langchain extra)")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    assert expects in out.getvalue(), out.getvalue()
