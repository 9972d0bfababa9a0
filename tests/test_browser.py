"""End to end in Debian's chromium: ask, read the cited letter, embed the widget, stay inert;
the answer in view after sending, cards collapsed, filter chips and their reset, the phone
layout (390×844: input on the first screen, no horizontal scroll), a question that looks
like HTML shown as text, the API docs offline.

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


def _open(
    browser: Any, pages: list[Any], allowed: tuple[str, ...], phone: bool = False
) -> tuple[Any, list[str]]:
    """A page (desktop 1280×860, or a 390×844 phone) that records every request leaving
    the allowed origins."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 860}
    page = browser.new_page(viewport=size, locale="zh-CN", has_touch=phone)
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


def _chat(page: Any, site: dict[str, Any]) -> None:
    page.goto(f"{site['chat']}/chat/?token={site['token']}", wait_until="domcontentloaded")
    page.locator("#rq-input textarea").wait_for()


def _ask(scope: Any, question: str) -> None:
    """Type and send a question; wait for its final answer (the n-th for the n-th question)."""
    before = scope.locator("#rq-chatbot .rq-final").count()
    scope.locator("#rq-input textarea").fill(question)
    scope.locator("#rq-input textarea").press("Enter")
    scope.locator("#rq-chatbot .rq-final").nth(before).wait_for()


def _in_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
            selector,
        )
    )


_ANSWER_TOP = """() => {
    // Where the newest answer's top sits, against the chat's visible box and the window;
    // and whether the chat could scroll it any higher.
    const answers = document.querySelectorAll('#rq-chatbot .rq-msg');
    const last = answers[answers.length - 1];
    const a = last.getBoundingClientRect();
    const c = document.querySelector('#rq-chatbot').getBoundingClientRect();
    let p = last.parentElement;
    while (p && !(p.scrollHeight > p.clientHeight && /(auto|scroll)/.test(getComputedStyle(p).overflowY))) p = p.parentElement;
    const atEnd = !p || p.scrollTop + p.clientHeight >= p.scrollHeight - 2;
    return {top: a.top, chatTop: c.top, chatBottom: c.bottom, inner: innerHeight, atEnd};
}"""


def _answer_top_in_view(page: Any) -> bool:
    """The newest answer's top is on the screen, inside the chat box, and at the box's top
    unless the chat cannot scroll further (a short last answer)."""
    deadline = time.monotonic() + 5  # page.js scrolls on the next animation frame
    while True:
        box = page.evaluate(_ANSWER_TOP)
        inside = box["chatTop"] - 1 <= box["top"] <= box["chatBottom"] - 40
        on_screen = 0 <= box["top"] <= box["inner"] - 40
        at_top = box["top"] <= box["chatTop"] + 120 or box["atEnd"]
        if inside and on_screen and at_top:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_answer_cards_and_cited_span(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    _chat(page, site)
    page.get_by_text("老旧小区加装电梯有什么补贴？").click()  # an example question
    assert "token=" not in page.url  # traded for a cookie, then dropped from the address
    page.locator("#rq-chatbot .rq-final").first.wait_for()
    answer = page.locator(".rq-answer").last
    assert "[1]" in answer.inner_text() and "补助" in answer.inner_text()
    # The sources sit collapsed under the answer: title · sender · date, quotes hidden.
    card = page.locator(".rq-card").first
    assert card.evaluate("d => d.tagName === 'DETAILS' && !d.open")
    assert not card.locator(".rq-view").first.is_visible()
    summary = card.locator("summary").inner_text()
    letter_id, start, end = card.locator(".rq-view").first.get_attribute("value").split(":")
    letter = site["service"].letter(letter_id)
    assert letter.fields.title in summary and letter.fields.agency in summary
    assert letter.source not in card.inner_text()
    _shot(page, "chat-answer", tmp_path)

    card.locator("summary").click()  # open the card: the quote in its passage
    button = card.locator(".rq-view").first
    button.wait_for(state="visible")
    quote = letter.text[int(start) : int(end)]
    assert "".join(quote.split()) in "".join(card.locator("mark").first.inner_text().split())
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

    # gradio labels the thumb in the page's language ("赞" under zh-CN); the page confirms.
    page.locator(
        '#rq-chatbot button[aria-label="Like"], #rq-chatbot button[aria-label="赞"]'
    ).last.click()
    page.locator("#rq-status .rq-notice").wait_for()
    assert "已记录" in page.locator("#rq-status").inner_text()
    feedback = site["service"].config.feedback_path
    deadline = time.monotonic() + 10
    while not (feedback.exists() and feedback.read_text(encoding="utf-8")):
        assert time.monotonic() < deadline, "no feedback line written"
        time.sleep(0.05)
    vote = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert vote["vote"] == "like" and vote["question"] == "老旧小区加装电梯有什么补贴？"
    assert outside == []


def test_each_new_answer_is_in_view_at_its_top(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    _chat(page, site)
    _ask(page, "哪些部门支持人才政策？")  # a long list answer
    assert _answer_top_in_view(page)
    _ask(page, "老旧小区加装电梯有什么补贴？")
    assert _answer_top_in_view(page)
    # The agent scrolls back up to an earlier answer, then asks again.
    page.evaluate(
        """() => { const m = document.querySelector('#rq-chatbot .rq-msg');
        let p = m.parentElement;
        while (p && !(p.scrollHeight > p.clientHeight && /(auto|scroll)/.test(getComputedStyle(p).overflowY))) p = p.parentElement;
        p.scrollTop = 0; }"""
    )
    _ask(page, "第0123号提案是谁答复的？")
    assert _answer_top_in_view(page)
    assert "重庆市人力资源和社会保障局" in page.locator(".rq-answer").last.inner_text()
    # The follow-up chips ask about that answer's letter.
    page.locator(".rq-follow", has_text="这份复函是谁签发的？").click()
    page.locator("#rq-chatbot .rq-final").nth(3).wait_for()
    assert _answer_top_in_view(page)
    assert "这份复函是谁签发的？" in page.locator(".rq-question").last.inner_text()
    _shot(page, "chat-follow-up", tmp_path)
    assert outside == []


def test_a_filter_chip_and_its_reset(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    _chat(page, site)
    page.locator("#rq-filters").get_by_text("筛选").click()
    page.locator("#rq-year input").fill("2019")
    page.locator("#rq-year input").press("Enter")
    chip = page.locator(".rq-filter-chip")
    chip.wait_for()
    assert chip.inner_text().startswith("年份：2019")
    _ask(page, "哪些部门支持人才政策？")
    note = page.locator(".rq-filter-note").last
    assert "年份：2019" in note.inner_text() and note.locator(".rq-unfilter").is_visible()
    _shot(page, "chat-filter-not-found", tmp_path)

    chip.locator(".rq-chip-x").click()  # × removes the filter, and its input empties
    chip.wait_for(state="detached")
    page.wait_for_function("() => document.querySelector('#rq-year input').value === ''")

    page.locator("#rq-year input").fill("2019")
    page.locator("#rq-year input").press("Enter")
    chip.wait_for()
    page.locator("#rq-new").click()  # 新对话: conversation and filters both go
    chip.wait_for(state="detached")
    page.wait_for_function("() => !document.querySelector('#rq-chatbot .rq-msg')")
    assert page.locator("#rq-year input").input_value() == ""

    page.locator("#rq-year input").fill("2019")
    page.locator("#rq-year input").press("Enter")
    chip.wait_for()
    _ask(page, "哪些部门支持人才政策？")
    page.locator(".rq-unfilter").last.click()  # ask again without the filters
    page.locator("#rq-chatbot .rq-final").nth(1).wait_for()
    assert page.locator(".rq-card").count() >= 2 and chip.count() == 0
    assert outside == []


def test_phone_layout(site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path) -> None:
    page, outside = _open(browser, pages, (site["chat"],), phone=True)
    _chat(page, site)
    layout = """() => ({
        scroll: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight,
        input: document.querySelector('#rq-input textarea').getBoundingClientRect().bottom,
        send: document.querySelector('#rq-input').parentElement.getBoundingClientRect().bottom,
        title: document.querySelector('#rq-title h2').getBoundingClientRect().height,
        line: parseFloat(getComputedStyle(document.querySelector('#rq-title h2')).lineHeight),
        lang: document.querySelector('#rq-lang').getBoundingClientRect().width })"""
    first = page.evaluate(layout)
    assert first["scroll"] <= first["width"]  # no horizontal scroll
    assert first["input"] <= first["height"] and first["send"] <= first["height"]
    assert first["title"] < 1.6 * first["line"]  # the title on one line
    assert first["lang"] <= 160  # a compact language switch
    _ask(page, "哪些部门支持人才政策？")
    page.evaluate("() => window.scrollTo(0, 0)")
    after = page.evaluate(layout)
    assert after["input"] <= after["height"] and after["scroll"] <= after["width"]
    _shot(page, "phone-answer", tmp_path)
    page.locator(".rq-card summary").first.click()
    page.locator(".rq-card .rq-view").first.click()
    page.locator("#rq-cited").wait_for()
    wide = page.evaluate(
        """() => [...document.querySelectorAll('.rq-card, .rq-letter, .rq-letter td')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1).length"""
    )
    assert wide == 0 and page.evaluate(layout)["scroll"] <= after["width"]
    _shot(page, "phone-letter-view", tmp_path)
    assert outside == []


def test_an_html_looking_question_is_shown_as_text(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    _chat(page, site)
    typed = '<img src=x onerror="window.__xss=3"> <b>粗体</b> *星号* 共享单车停放点有多少个？'
    _ask(page, typed)
    bubble = page.locator("#rq-chatbot .rq-question").last
    assert bubble.inner_text() == typed
    assert bubble.locator("img, b, em").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    # Over the limit: a notice with the API's words, and the text stays in the box.
    long = "问" * (site["service"].config.max_question_chars + 1)
    page.locator("#rq-input textarea").fill(long)
    page.locator("#rq-input textarea").press("Enter")
    page.locator("#rq-status .rq-notice").wait_for()
    assert "超过 2000 字的上限" in page.locator("#rq-status").inner_text()
    assert page.locator("#rq-input textarea").input_value() == long
    assert page.locator("#rq-chatbot .rq-question").count() == 1
    _shot(page, "question-as-text", tmp_path)
    assert outside == []


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", "h1")])
def test_api_docs_work_offline(
    site: dict[str, Any], browser: Any, pages: list[Any], path: str, ready: str
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    page.goto(site["chat"] + path, wait_until="networkidle")
    page.locator(ready).first.wait_for()
    assert "replyqa" in page.locator(ready).first.inner_text()
    assert outside == []


def test_letter_markup_stays_inert(
    site: dict[str, Any], browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page, outside = _open(browser, pages, (site["chat"],))
    _chat(page, site)
    _ask(page, "共享单车停放点有多少个？")
    # The card whose quote carries the markup (the answer may cite other sentences too).
    quoted = page.locator("mark", has_text="window.__xss=1")
    card = page.locator(".rq-card").filter(has=quoted).first
    card.locator("summary").click()
    # Each quote of the letter has its own "查看全文" right after it.
    card.locator("blockquote", has=quoted).locator("xpath=following-sibling::button[1]").click()
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
    frame.locator(".rq-card summary").first.click()
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
