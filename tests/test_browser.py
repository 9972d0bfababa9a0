"""End to end in Debian's chromium: ask, read the cited letter, embed the widget, stay inert.

One uvicorn server (closed chat: widget tokens, `frame-ancestors` set to the host page's
origin) serves a tiny index of the made-up demo letters plus the made-up XSS letter; a
static server on another port plays the help-desk page that embeds the widget. The page
must request nothing outside those two servers. Screenshots go to tmp_path and, when
`REPLYQA_ARTIFACTS` is set, are copied there. Without /usr/bin/chromium or playwright
the tests skip (fail in CI).
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import unavailable

from rag.config import Settings
from ui.config import KeyConfig, ServerConfig
from ui.service import Service
from ui.tokens import mint_token

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


def _missing(what: str) -> None:
    unavailable(f"{what} is required in CI, not available here")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (pip)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, demo_chat_index: Path
) -> Iterator[dict[str, Any]]:
    """The chat server and the help-desk page on another port, both on 127.0.0.1."""
    import uvicorn

    index_dir = demo_chat_index

    chat_port, page_port = _free_port(), _free_port()
    chat, page = f"http://127.0.0.1:{chat_port}", f"http://127.0.0.1:{page_port}"
    config = ServerConfig(
        public_chat=False,
        api_keys=(KeyConfig(key="browser-test-key-0123"),),
        widget_origins=(page,),
        feedback_path=tmp_path_factory.mktemp("fb") / "feedback.jsonl",
    )
    service = Service(index_dir, Settings(embedder="hash"), config)
    app = _app(service)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=chat_port, log_level="warning", timeout_graceful_shutdown=2
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    token, _ = mint_token(config)
    host_dir = tmp_path_factory.mktemp("helpdesk")
    (host_dir / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>帮助中心</title>"
        "<h1>帮助中心（测试页）</h1><p>A help-desk page on another origin.</p>"
        f'<script src="{chat}/widget.js" data-title="政务问答" data-position="right" '
        f'data-token="{token}"></script>',
        encoding="utf-8",
    )
    handler = _quiet_handler(host_dir)
    static = http.server.ThreadingHTTPServer(("127.0.0.1", page_port), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()

    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield {"chat": chat, "page": page, "token": token, "service": service}
    static.shutdown()
    server.should_exit = True
    thread.join(10)


def _app(service: Service) -> Any:
    """The real composition when the API modules exist, else widget + chat alone."""
    try:
        from ui.app import create_app

        return create_app(service)
    except ImportError:  # ui/api.py or ui/auth.py not written yet
        from fastapi import FastAPI

        from ui import widget
        from ui.chat import mount_chat

        app = FastAPI()
        app.include_router(widget.router(service))
        return mount_chat(app, service)


def _quiet_handler(root: Path) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _shot(page: Any, name: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    if out := os.environ.get("REPLYQA_ARTIFACTS"):
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(out) / path.name)
    return path


@pytest.fixture()
def pages(site: dict[str, Any], browser: Any) -> Iterator[list[Any]]:
    """Pages opened by a test, closed after it even when it fails (so the SSE ends)."""
    opened: list[Any] = []
    yield opened
    for page in opened:
        page.close()


def _open(browser: Any, pages: list[Any], allowed: tuple[str, ...]) -> tuple[Any, list[str]]:
    """A page that records every request leaving the allowed origins."""
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pages.append(page)
    page.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def check(request: Any) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:", "about:")) and not any(
            url.startswith(a + "/") or url == a for a in allowed
        ):
            outside.append(url)

    page.on("request", check)
    return page, outside


def _ask(scope: Any, question: str) -> None:
    scope.locator("#rq-input textarea").fill(question)
    scope.locator("#rq-input textarea").press("Enter")
    scope.locator(".rq-card").first.wait_for()


def _in_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
            selector,
        )
    )


def test_answer_cards_and_cited_span(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    page.goto(f"{site['chat']}/chat/?token={site['token']}", wait_until="domcontentloaded")
    page.get_by_text("老旧小区加装电梯有什么补贴？").click()  # an example question
    assert "token=" not in page.url  # traded for a cookie, then dropped from the address
    page.locator(".rq-card").first.wait_for()
    answer = page.locator(".rq-answer").last
    assert "[1]" in answer.inner_text() and "补助" in answer.inner_text()
    button = page.locator(".rq-card .rq-view").last
    letter_id, start, end = button.get_attribute("value").split(":")
    letter = site["service"].letter(letter_id)
    quote = letter.text[int(start) : int(end)]
    assert "".join(quote.split()) in "".join(
        page.locator(".rq-card mark").last.inner_text().split()
    )
    _shot(page, "chat-answer", tmp_path)

    button.click()
    page.locator("#rq-cited").wait_for()
    page.wait_for_function(
        """() => { const r = document.querySelector('#rq-cited').getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""
    )
    assert page.locator("#rq-cited").inner_text().split() == quote.split()
    assert _in_viewport(page, "#rq-cited")
    assert letter.fields.addressee and letter.fields.addressee in page.inner_text(".rq-fields")
    _shot(page, "chat-letter-view", tmp_path)

    # gradio labels the thumb in the page's language ("赞" under zh-CN).
    page.locator(
        '#rq-chatbot button[aria-label="Like"], #rq-chatbot button[aria-label="赞"]'
    ).last.click()
    feedback = site["service"].config.feedback_path
    deadline = time.monotonic() + 10
    while not (feedback.exists() and feedback.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline, "no feedback line written"
        time.sleep(0.05)
    vote = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert vote["vote"] == "like" and vote["question"] == "老旧小区加装电梯有什么补贴？"
    assert outside == []


def test_letter_markup_stays_inert(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    page.goto(f"{site['chat']}/chat/?token={site['token']}", wait_until="domcontentloaded")
    _ask(page, "共享单车停放点有多少个？")
    # The card whose quote carries the markup (the answer may cite other sentences too).
    quoted = page.locator("mark", has_text="window.__xss=1")
    page.locator(".rq-card").filter(has=quoted).locator(".rq-view").first.click()
    page.locator("#rq-cited").wait_for()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert "<script>window.__xss=1</script>" in page.locator("#rq-cited").inner_text()
    assert '<img src=x onerror="window.__xss=2">' in page.locator(".rq-answer").last.inner_text()
    assert page.get_by_text("<script>window.__xss=1</script>").first.is_visible()
    assert page.locator("#rq-letter-view img, .rq-card img, .rq-answer img").count() == 0
    _shot(page, "xss-inert", tmp_path)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert outside == []


def test_widget_on_another_origin(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"], site["page"]))
    page.goto(f"{site['page']}/index.html", wait_until="domcontentloaded")
    bubble = page.locator("[data-replyqa-widget] .bubble")
    bubble.wait_for()
    box = bubble.bounding_box()
    assert box and box["x"] > 1280 / 2 and box["y"] > 860 / 2  # bottom-right
    assert "政务问答" in bubble.inner_text()
    bubble.click()
    frame = page.frame_locator("[data-replyqa-widget] iframe")
    _ask(frame, "第0123号提案是谁答复的？")
    assert "重庆市人力资源和社会保障局" in frame.locator(".rq-answer").last.inner_text()
    frame.locator(".rq-card .rq-view").first.click()
    frame.locator("#rq-cited").wait_for()
    # Scrolled into view inside the iframe (the scroll runs on the next animation frame).
    frame.locator("#rq-cited").evaluate(
        """(m) => new Promise((done) => { const t0 = Date.now(); (function check() {
            const r = m.getBoundingClientRect();
            if ((r.top >= 0 && r.bottom <= innerHeight) || Date.now() - t0 > 5000) done();
            else requestAnimationFrame(check); })(); })"""
    )
    iframe_box = page.locator("[data-replyqa-widget] iframe").bounding_box()
    mark = frame.locator("#rq-cited").bounding_box()
    assert iframe_box and mark
    assert iframe_box["y"] <= mark["y"] < iframe_box["y"] + iframe_box["height"]
    _shot(page, "widget", tmp_path)
    assert outside == []
