"""The API's edge policy: who may call, from which page, how often, and with how much.

`install(app, config)` adds one ASGI middleware (CORS preflight and response headers,
request-body limits) and the JSON error handlers; routes declare `Depends(require_key)`
for API keys or `Depends(require_chat_access)`, which also takes the short-lived widget
tokens of `ui.tokens`. Keys come from `ServerConfig.api_keys`; each carries its browser
origins and its rate. Preflights are answered for every origin some key allows (a
preflight carries no credentials), while an actual request must come from an origin its
own key allows. Errors on API paths share one shape, `{"error": {"message", "type"}}`,
the shape OpenAI clients read. Keys are never logged or echoed: logs name a key by its
`name`, buckets are keyed by a hash.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException

from .config import KeyConfig, ServerConfig
from .tokens import verify_token

log = logging.getLogger("replyqa.api")

#: Paths under API auth, body limits and CORS; the chat, widget, docs and health check are not.
API_PREFIXES = ("/api/", "/v1/")
_ALLOW_HEADERS = "Authorization, Content-Type"
_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    422: "invalid_request",
    429: "rate_limited",
}

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ApiError(HTTPException):
    """An error answered as `{"error": {"message", "type"}}` (raise it from routes)."""

    def __init__(
        self, status_code: int, type_: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, detail=message, headers=headers)
        self.type = type_


def error_response(
    status: int, type_: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_}}, status, headers)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def origin_allowed(origins: tuple[str, ...] | frozenset[str], origin: str) -> bool:
    return "*" in origins or origin in origins


class RateLimiter:
    """Token buckets: `rate` requests a minute per credential, bursts of up to `rate`."""

    def __init__(self, max_buckets: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, time
        self.max_buckets = max_buckets

    def take(self, ident: str, rate: int, now: float | None = None) -> float:
        """Spend one request; 0 if allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        per_s = rate / 60.0
        with self._lock:
            tokens, then = self._buckets.pop(ident, (float(rate), now))
            tokens = min(float(rate), tokens + (now - then) * per_s)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / per_s
            self._buckets[ident] = (tokens - 1 if wait == 0 else tokens, now)
            # Least recently used first: dropping it only forgets a (probably full) bucket.
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
            return wait

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


class Guard:
    """The per-app state behind the dependencies: keys, limiter, minted tokens' origins."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.limiter = RateLimiter()
        self.all_origins = frozenset(o for k in config.api_keys for o in k.origins)
        self._lock = threading.Lock()
        # A token may be used from the pages its minting key allows: digest -> (origins, expiry).
        self._minted: OrderedDict[str, tuple[tuple[str, ...], int]] = OrderedDict()

    def remember_token(self, token: str, expires: int, minted_by: KeyConfig) -> None:
        now = time.time()
        with self._lock:
            self._minted[_digest(token)] = (minted_by.origins, expires)
            while self._minted and (
                len(self._minted) > 10_000 or next(iter(self._minted.values()))[1] < now
            ):
                self._minted.popitem(last=False)

    def token_key(self, token: str) -> KeyConfig | None:
        """A key-like record for a valid widget token (default rate, its minter's origins)."""
        if not verify_token(self.config, token):
            return None
        digest = _digest(token)
        with self._lock:
            minted = self._minted.get(digest)
        # Unknown after a restart with a configured secret: any origin some key allows.
        origins = minted[0] if minted else tuple(sorted(self.all_origins))
        return KeyConfig(
            key=f"token:{digest[:16]}", name="widget-token", origins=origins, rate_per_minute=60
        )

    def admit(self, request: Request, key: KeyConfig, ident: str) -> KeyConfig:
        """Check the request's origin against the key, then spend one request of its rate."""
        origin = request.headers.get("origin")
        if origin and not origin_allowed(key.origins, origin) and not _same_origin(request):
            raise ApiError(
                403,
                "origin_not_allowed",
                f"origin {origin} is not allowed for this API key; add it to the key's origins",
            )
        wait = self.limiter.take(ident, key.rate_per_minute)
        if wait > 0:
            log.info("rate limit reached for key %r", key.name or "(unnamed)")
            raise ApiError(
                429,
                "rate_limited",
                f"rate limit of {key.rate_per_minute} requests per minute reached; retry later",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return key


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _same_origin(request: Request) -> bool:
    # A page served by this server (the docs, the widget's own page) is not cross-origin.
    origin = request.headers.get("origin", "")
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("host")


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


_bearer = HTTPBearer(auto_error=False, description="An API key from the server config.")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _credential(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    guard: Guard = request.app.state.guard
    if not guard.config.api_keys:
        raise _unauthorized("the API is closed: no API keys are configured (REPLYQA_API_KEYS)")
    if credentials is None:
        raise _unauthorized("missing API key: send the header 'Authorization: Bearer <key>'")
    return credentials.credentials


async def require_key(request: Request, credentials: Bearer) -> KeyConfig:
    """The configured API key the request presents (401, 403 or 429 otherwise)."""
    guard: Guard = request.app.state.guard
    key = guard.config.key(_credential(request, credentials))
    if key is None:
        raise _unauthorized("invalid API key")
    return guard.admit(request, key, "key:" + _digest(key.key))


async def require_chat_access(request: Request, credentials: Bearer) -> KeyConfig:
    """Like `require_key`, also accepting a widget token minted by POST /api/v1/tokens."""
    guard: Guard = request.app.state.guard
    secret = _credential(request, credentials)
    key = guard.config.key(secret)
    if key is not None:
        return guard.admit(request, key, "key:" + _digest(key.key))
    token = guard.token_key(secret)
    if token is None:
        raise _unauthorized("invalid API key or expired token")
    return guard.admit(request, token, token.key)


class _EdgeMiddleware:
    """CORS preflights and headers, and the body limit, for API paths (plain ASGI)."""

    def __init__(self, app: Any, guard: Guard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        origin = request.headers.get("origin")
        allowed = bool(origin) and origin_allowed(self.guard.all_origins, origin or "")
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            await self._preflight(origin, allowed)(scope, receive, send)
            return
        started = False

        async def cors_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Origin")  # the CORS headers depend on it
                if allowed and origin:
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Expose-Headers"] = "Retry-After"
            await send(message)

        limit = self.guard.config.max_request_bytes
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            too_big = length.isdigit()
            response = error_response(
                413 if too_big else 400,
                "request_too_large" if too_big else "invalid_request",
                f"request body over {limit} bytes" if too_big else "invalid Content-Length",
            )
            await response(scope, receive, cors_send)
            return
        received = 0

        async def counted_receive() -> Message:
            # A chunked body has no Content-Length: count what actually arrives.
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise ApiError(413, "request_too_large", f"request body over {limit} bytes")
            return message

        try:
            await self.app(scope, counted_receive, cors_send)
        except ApiError as exc:  # raised while a non-FastAPI route read the body
            if started:
                raise
            await error_response(exc.status_code, exc.type, str(exc.detail))(
                scope, receive, cors_send
            )

    @staticmethod
    def _preflight(origin: str | None, allowed: bool) -> Response:
        if not allowed or not origin:
            return error_response(
                403, "origin_not_allowed", f"origin {origin} is not allowed by any API key"
            )
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": _ALLOW_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }
        return Response(status_code=204, headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "invalid_json", "the request body is not valid JSON"
    parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors]
    return 422, "invalid_request", "; ".join(parts[:5]) or "invalid request"


def install(app: FastAPI, config: ServerConfig) -> None:
    """Add the guard, the edge middleware and JSON error handlers for API paths."""
    guard = Guard(config)
    app.state.guard = guard
    app.add_middleware(_EdgeMiddleware, guard=guard)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)  # registered for HTTPException only
        if not is_api_path(request.url.path):
            return await http_exception_handler(request, exc)
        type_ = getattr(exc, "type", _TYPES.get(exc.status_code, "error"))
        return error_response(exc.status_code, type_, str(exc.detail), exc.headers)

    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not is_api_path(request.url.path):
            return await request_validation_exception_handler(request, exc)
        return error_response(*_validation_message(exc))

    async def on_crash(request: Request, exc: Exception) -> Response:
        # Starlette re-raises after answering, so the server logs the traceback once.
        if not is_api_path(request.url.path):
            return Response("Internal Server Error", 500, media_type="text/plain")
        return error_response(500, "internal_error", "internal error; see the server log")

    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(Exception, on_crash)


#: Route parameter types: `key: ApiKey` (API keys only), `key: ChatAccess` (keys or tokens).
ApiKey = Annotated[KeyConfig, Depends(require_key)]
ChatAccess = Annotated[KeyConfig, Depends(require_chat_access)]
