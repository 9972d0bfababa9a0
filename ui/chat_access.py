"""Who may open the chat at /chat, and which pages may frame it (ASGI middleware).

`ChatPageAccess` lets a request through with a widget token (`?token=`, traded for a
session cookie that lasts as long as a conversation), that cookie, or an API key — or
anyone when `config.public_chat` — and sends `frame-ancestors` from `config.widget_origins`.
`ui.chat.mount_chat` installs it.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import ServerConfig
from .tokens import mint_token, verify_token

CHAT_PATH = "/chat"
COOKIE = "replyqa_chat"


class ChatPageAccess:
    """ASGI middleware for /chat: token, cookie or API key unless public; frame-ancestors."""

    def __init__(self, app: ASGIApp, config: ServerConfig, prefix: str = CHAT_PATH) -> None:
        self.app, self.config, self.prefix = app, config, prefix
        origins = [o for o in config.widget_origins if o != "*"]
        self.csp = (
            None if "*" in config.widget_origins else "frame-ancestors 'self' " + " ".join(origins)
        )

    def _grant(self, scope: Scope) -> tuple[bool, str | None]:
        """(allowed, Set-Cookie header to add)."""
        if self.config.public_chat:
            return True, None
        token = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("token")
        if verify_token(self.config, token):
            # Trade the short-lived page token for a session cookie that outlives it as
            # long as a conversation does, so a chat is not cut off mid-way.
            session, _ = mint_token(self.config, ttl_s=self.config.conversation_ttl_s)
            ttl = self.config.conversation_ttl_s
            cookie = f"{COOKIE}={session}; Max-Age={ttl}; Path={self.prefix}; HttpOnly"
            if scope.get("scheme") in ("https", "wss"):
                # A cross-site iframe only gets a cookie marked None + Secure; Partitioned
                # (CHIPS) keeps it working where third-party cookies are blocked.
                return True, cookie + "; Secure; SameSite=None; Partitioned"
            return True, cookie + "; SameSite=Lax"
        headers = Headers(scope=scope)
        if verify_token(self.config, cookie_parser(headers.get("cookie", "")).get(COOKIE)):
            return True, None
        scheme, _, key = headers.get("authorization", "").partition(" ")
        return (scheme.lower() == "bearer" and self.config.key(key.strip()) is not None), None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (
            path == self.prefix or path.startswith(self.prefix + "/")
        ):
            await self.app(scope, receive, send)
            return
        allowed, cookie = self._grant(scope)
        if not allowed:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            deny = PlainTextResponse(
                "401: /chat needs a widget token or an API key (需要令牌或 API 密钥)", 401
            )
            await deny(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if self.csp:
                    headers.append("Content-Security-Policy", self.csp)
                if cookie:
                    headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)
