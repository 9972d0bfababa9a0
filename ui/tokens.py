"""Short-lived widget tokens: a help desk's backend mints one with its API key, the page
embeds it, and the chat accepts it until it expires — no long-lived key sits in the page.

A token is `<expiry>.<nonce>.<hmac>` signed with the server's `token_secret`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from .config import ServerConfig


def mint_token(
    config: ServerConfig, ttl_s: int | None = None, now: float | None = None
) -> tuple[str, int]:
    """A new token and its expiry (unix seconds)."""
    expires = int((now or time.time()) + (ttl_s or config.token_ttl_s))
    body = f"{expires}.{secrets.token_hex(8)}"
    sig = hmac.new(config.token_secret.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{sig}", expires


def verify_token(config: ServerConfig, token: str | None, now: float | None = None) -> bool:
    """Whether `token` was minted by this server and has not expired."""
    if not token or token.count(".") != 2:
        return False
    expires, nonce, sig = token.split(".")
    body = f"{expires}.{nonce}"
    good = hmac.new(config.token_secret.encode(), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(good, sig):
        return False
    try:
        return int(expires) >= (now or time.time())
    except ValueError:
        return False
