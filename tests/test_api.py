"""HTTP API: keys, tokens, CORS, rate limits, body limits, SSE, OpenAI compatibility, records.

One small index over the made-up demo letters (`examples/letters`, each marked 虚构示例)
with the model-free hash embedder, built once for the module. Most tests drive the app
in process with TestClient; the OpenAI-compatible endpoint is exercised with the official
`openai` SDK against a real uvicorn server on a free loopback port.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rag.answer.extractive import StreamEvent
from rag.cli import main
from rag.config import Settings
from rag.pipeline import build_folder
from ui.app import create_app
from ui.auth import RateLimiter
from ui.config import KeyConfig, ServerConfig
from ui.openai_compat import stream_tail
from ui.requests import question_problem
from ui.service import Service
from ui.tokens import mint_token

DEMO = Path(__file__).resolve().parents[1] / "examples" / "letters"
KEY = "k-test-123456"  # 5 requests a minute, one origin
BULK = "k-bulk-abcdef"  # the same origin, a generous rate: for tests that ask a lot
ORIGIN = "http://allowed.test"
TALENT = "重庆市人力资源和社会保障局如何答复人才引进的提案?"
WHO_SIGNED = "这份复函是谁签发的?"


def auth(key: str = BULK) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("api") / "index"
    build_folder(DEMO, folder, Settings(embedder="hash"))
    return folder


def make_app(index_dir: Path, *keys: KeyConfig) -> FastAPI:
    service = Service(index_dir, Settings(embedder="hash"), ServerConfig(api_keys=keys))
    return create_app(service, with_chat=False)


@pytest.fixture(scope="module")
def app(index_dir: Path) -> FastAPI:
    return make_app(
        index_dir,
        KeyConfig(key=KEY, origins=(ORIGIN,), rate_per_minute=5),
        KeyConfig(key=BULK, name="bulk", origins=(ORIGIN,), rate_per_minute=10_000),
    )


@pytest.fixture()
def client(app: FastAPI) -> TestClient:
    app.state.guard.limiter.clear()  # each test starts with full buckets
    return TestClient(app)


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse a server-sent event stream into (event, data) pairs."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields.get("event", "message"), json.loads(fields["data"])))
    return out


# -- health, docs ---------------------------------------------------------------------------
def test_healthz_and_openapi_need_no_key(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["letters"] == 10 and health["chunks"] > 10
    assert health["embedder"].startswith("hash")
    paths = client.get("/openapi.json").json()["paths"]
    for route in ("/api/v1/chat", "/api/v1/letters/{letter_id}", "/api/v1/search"):
        assert route in paths
    assert {"/api/v1/tokens", "/v1/chat/completions", "/healthz"} <= set(paths)
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_work_offline(client: TestClient, page: str) -> None:
    """Swagger UI and ReDoc load only this server's files (no CDN), every one of which exists."""
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "http://" not in html.text and "https://" not in html.text
    urls = re.findall(r"""(?:src|href|spec-url|url)\s*[=:]\s*["']([^"']+)["']""", html.text)
    assert len(urls) >= 2
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"cdn.redoc.ly" not in served.content  # ReDoc's footer logo, re-pointed


def test_favicon(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")


# -- keys and tokens ------------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "Bearer k-wrong-000000", f"Basic {KEY}", "Bearer"])
def test_missing_or_bad_key_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    r = client.post("/api/v1/chat", json={"question": TALENT}, headers=headers)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["error"]["type"] == "unauthorized" and KEY not in r.text


def test_key_opens_the_api(client: TestClient) -> None:
    r = client.post("/api/v1/chat", json={"question": TALENT}, headers=auth(KEY))
    assert r.status_code == 200 and r.json()["answered"]


def test_minted_token_works_for_chat_only(client: TestClient) -> None:
    minted = client.post("/api/v1/tokens", headers=auth(KEY)).json()
    assert minted["expires_at"] > time.time()
    token = auth(minted["token"])
    assert client.post("/api/v1/chat", json={"question": TALENT}, headers=token).status_code == 200
    assert client.get("/api/v1/search", params={"q": "电梯"}, headers=token).status_code == 401
    assert client.post("/api/v1/tokens", headers=token).status_code == 401
    body = {"model": "x", "messages": [{"role": "user", "content": TALENT}]}
    assert client.post("/v1/chat/completions", json=body, headers=token).status_code == 401


def test_expired_or_forged_token_is_401(client: TestClient, app: FastAPI) -> None:
    config = app.state.guard.config
    expired, _ = mint_token(config, ttl_s=60, now=time.time() - 3600)
    forged = mint_token(config)[0][:-4] + "0000"
    for token in (expired, forged):
        r = client.post("/api/v1/chat", json={"question": TALENT}, headers=auth(token))
        assert r.status_code == 401


# -- CORS -------------------------------------------------------------------------------------
def preflight(client: TestClient, origin: str) -> Any:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    headers["Access-Control-Request-Headers"] = "authorization, content-type"
    return client.options("/api/v1/chat", headers=headers)


def test_preflight_echoes_an_allowed_origin(client: TestClient) -> None:
    r = preflight(client, ORIGIN)
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN and "Origin" in r.headers["Vary"]
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in preflight(client, "http://evil.test").headers


def test_foreign_origin_is_refused_on_the_actual_request(client: TestClient) -> None:
    body = {"question": TALENT}
    r = client.post("/api/v1/chat", json=body, headers={**auth(KEY), "Origin": "http://evil.test"})
    assert r.status_code == 403 and r.json()["error"]["type"] == "origin_not_allowed"
    r = client.post("/api/v1/chat", json=body, headers={**auth(KEY), "Origin": ORIGIN})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_star_key_allows_any_origin(index_dir: Path) -> None:
    star = TestClient(make_app(index_dir, KeyConfig(key=KEY)))  # origins default to '*'
    assert preflight(star, "http://anywhere.test").headers["Access-Control-Allow-Origin"] == (
        "http://anywhere.test"
    )
    r = star.get(
        "/api/v1/search", params={"q": "电梯"}, headers={**auth(KEY), "Origin": "http://x.y"}
    )
    assert r.status_code == 200


# -- rate limits ------------------------------------------------------------------------------
def test_rate_limit_answers_429_with_retry_after(client: TestClient) -> None:
    statuses = []
    for _ in range(10):  # the key allows 5 a minute
        r = client.get("/api/v1/search", params={"q": "电梯", "k": 1}, headers=auth(KEY))
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    assert statuses == [200] * 5 + [429]
    assert int(r.headers["Retry-After"]) >= 1 and r.json()["error"]["type"] == "rate_limited"
    assert client.get("/api/v1/search", params={"q": "电梯"}, headers=auth()).status_code == 200


def test_bucket_refills_over_time() -> None:
    limiter = RateLimiter()
    assert [limiter.take("k", 2, now=0.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("k", 2, now=0.0) == pytest.approx(30.0)
    assert limiter.take("k", 2, now=30.0) == 0.0


# -- request limits ---------------------------------------------------------------------------
def test_bad_requests_are_4xx_never_500(client: TestClient) -> None:
    chat, h = "/api/v1/chat", auth()
    big = b'{"question": "' + b"x" * 70_000 + b'"}'
    assert client.post(chat, content=big, headers=h).status_code == 413

    def chunked() -> Iterator[bytes]:  # no Content-Length: the streamed body is counted
        yield b'{"question": "'
        yield from (b"x" * 1000 for _ in range(80))
        yield b'"}'

    r = client.post(chat, content=chunked(), headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"
    long = client.post(chat, json={"question": "问" * 2001}, headers=h)
    assert long.status_code == 422
    assert long.json()["error"]["message"] == question_problem("问" * 2001, 2000)
    assert "limit is 2000" in long.json()["error"]["message"]
    search = client.get("/api/v1/search", params={"q": "问" * 2001}, headers=h)
    assert search.status_code == 422
    assert search.json()["error"]["message"] == long.json()["error"]["message"]
    assert client.post(chat, json={"question": "  "}, headers=h).status_code == 422
    assert client.post(chat, json={"question": 5}, headers=h).status_code == 422
    assert (
        client.post(chat, json={"question": "x", "filters": {"x": 1}}, headers=h).status_code == 422
    )
    r = client.post(chat, content=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_json"


# -- chat -------------------------------------------------------------------------------------
def test_stream_sends_deltas_then_citations_then_done(client: TestClient) -> None:
    r = client.post("/api/v1/chat", json={"question": TALENT, "stream": True}, headers=auth())
    assert r.headers["content-type"].startswith("text/event-stream")
    seq = events(r.text)
    kinds = [k for k, _ in seq]
    assert kinds[0] == "delta" and kinds[-2:] == ["citations", "done"]
    assert set(kinds[:-2]) == {"delta"}
    final = seq[-2][1]
    assert final["answered"] and final["citations"]
    assert "".join(d["text"] for k, d in seq if k == "delta") == final["answer"]
    assert seq[-1][1]["conversation_id"] == final["conversation_id"]


def test_stream_failure_is_an_error_event(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> tuple[str, Iterator[StreamEvent]]:
        def gen() -> Iterator[StreamEvent]:
            yield StreamEvent("delta", "半句")
            raise RuntimeError("boom")

        return "c1", gen()

    monkeypatch.setattr(app.state.service, "stream", broken)
    r = client.post("/api/v1/chat", json={"question": TALENT, "stream": True}, headers=auth())
    seq = events(r.text)
    assert [k for k, _ in seq] == ["delta", "error"] and "boom" not in seq[-1][1]["message"]


def test_follow_up_resolves_to_the_cited_letter(client: TestClient) -> None:
    first = client.post("/api/v1/chat", json={"question": TALENT}, headers=auth()).json()
    letters = {c["letter_id"] for c in first["citations"]}
    assert len(letters) == 1
    body = {"question": WHO_SIGNED, "conversation_id": first["conversation_id"]}
    second = client.post("/api/v1/chat", json=body, headers=auth()).json()
    assert second["conversation_id"] == first["conversation_id"] and second["answered"]
    assert {c["letter_id"] for c in second["citations"]} == letters
    assert "刘建华" in second["answer"]  # the signer the made-up letter names


# -- letters, search --------------------------------------------------------------------------
def test_letter_text_holds_every_cited_quote(client: TestClient) -> None:
    answer = client.post("/api/v1/chat", json={"question": TALENT}, headers=auth()).json()
    for c in answer["citations"]:
        letter = client.get(f"/api/v1/letters/{c['letter_id']}", headers=auth()).json()
        assert letter["text"][c["start"] : c["end"]] == c["quote"]
        assert letter["doc_number"] == c["doc_number"] and letter["spans"]
        for start, end in letter["spans"].values():
            assert 0 <= start < end <= len(letter["text"])
    r = client.get("/api/v1/letters/no-such-letter", headers=auth())
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"


def test_search_has_the_cli_shape(client: TestClient, index_dir: Path) -> None:
    """GET /api/v1/search and `replyqa search --json` answer one question alike."""
    question = "老旧小区加装电梯有什么补贴？"
    api = client.get("/api/v1/search", params={"q": question, "k": 4}, headers=auth()).json()
    cli = CliRunner().invoke(
        main,
        ["search", question, "--index", str(index_dir), "-k", "4", "--json"],
        env={"REPLYQA_EMBEDDER": "hash"},
    )
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.stdout)
    assert set(expected) == {"id", "question", "hits"}
    assert {k: api[k] for k in expected} == expected
    assert api["query"] == api["question"]  # the first version's field, kept
    named = client.get("/api/v1/search", params={"q": question, "id": "t7"}, headers=auth())
    assert named.json()["id"] == "t7"


def test_search_returns_ranked_hits_and_filters(client: TestClient) -> None:
    hits = client.get("/api/v1/search", params={"q": "加装电梯", "k": 3}, headers=auth()).json()
    assert [h["rank"] for h in hits["hits"]] == [1, 2, 3]
    assert "elevator" in hits["hits"][0]["source"]
    params: dict[str, str | int] = {"q": "建设", "k": 5, "agency": "南岸区民政局"}
    filtered = client.get("/api/v1/search", params=params, headers=auth()).json()["hits"]
    assert filtered and all("nanan_minzheng" in h["source"] for h in filtered)
    assert (
        client.get("/api/v1/search", params={"q": "x", "k": 0}, headers=auth()).status_code == 422
    )


def test_keys_never_reach_logs_or_responses(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts = [client.post("/api/v1/tokens", headers=auth(KEY)).text]
    for _ in range(6):
        texts.append(client.get("/api/v1/search", params={"q": "电梯"}, headers=auth(KEY)).text)
    assert all(KEY not in t for t in [*texts, caplog.text])


# -- OpenAI compatibility (live loopback server) ----------------------------------------------
@pytest.fixture(scope="module")
def live_url(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def sdk(live_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_url, api_key=BULK, max_retries=0, timeout=20)


def test_openai_create_has_footnotes_and_citations(sdk: openai.OpenAI, app: FastAPI) -> None:
    msg: Any = [{"role": "user", "content": TALENT}]
    resp = sdk.chat.completions.create(model="any-model", messages=msg)
    assert resp.model == "any-model" and resp.choices[0].finish_reason == "stop"
    text = resp.choices[0].message.content or ""
    citations = (resp.model_extra or {})["citations"]
    assert citations and f"\n\n[1] {citations[0]['title']}" in text
    for c in citations:
        letter = app.state.service.letter(c["letter_id"])
        assert letter.text[c["start"] : c["end"]] == c["quote"]
    assert (resp.model_extra or {})["x_replyqa"]["conversation_id"]


def test_openai_stream_ends_with_citations(sdk: openai.OpenAI) -> None:
    msg: Any = [{"role": "user", "content": TALENT}]
    chunks = list(sdk.chat.completions.create(model="m", messages=msg, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    extra = last.model_extra or {}
    assert extra["citations"] and extra["x_replyqa"]["answered"]
    assert text.startswith(extra["x_replyqa"]["answer"]) and "\n\n[1] " in text


@pytest.mark.parametrize("second_user", ["alice", "bob"])  # bob's history is unknown: replayed
def test_openai_history_carries_the_conversation(sdk: openai.OpenAI, second_user: str) -> None:
    msg: list[Any] = [{"role": "user", "content": TALENT}]
    first = sdk.chat.completions.create(model="m", messages=msg, user="alice")
    letters = {c["letter_id"] for c in (first.model_extra or {})["citations"]}
    msg += [
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": WHO_SIGNED},
    ]
    second = sdk.chat.completions.create(model="m", messages=msg, user=second_user)
    assert {c["letter_id"] for c in (second.model_extra or {})["citations"]} == letters
    assert "刘建华" in (second.choices[0].message.content or "")


def test_openai_errors_are_typed(live_url: str) -> None:
    bad = openai.OpenAI(base_url=live_url, api_key="k-wrong-000000", max_retries=0)
    msg: Any = [{"role": "user", "content": TALENT}]
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="m", messages=msg)
    good = openai.OpenAI(base_url=live_url, api_key=BULK, max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError):
        good.chat.completions.create(model="m", messages=[{"role": "system", "content": "hi"}])


def test_stream_tail_corrects_a_rewritten_answer() -> None:
    assert stream_tail("答复称", "答复称已完成。[1]") == "已完成。[1]"
    corrected = stream_tail("未经核对的草稿", "核对后的回答[1]")
    assert corrected.endswith("核对后的回答[1]") and corrected.startswith("\n\n")
