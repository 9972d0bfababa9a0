"""Server configuration: API keys with their origins and rate limits, limits, chat access.

Read from a JSON file (`replyqa serve --config FILE`) and the environment: a quick start
needs only `REPLYQA_API_KEYS=key1,key2` (each such key: any origin, the default rate).
Keys are compared in constant time; they are never logged.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.errors import ConfigError


class KeyConfig(BaseModel):
    """One API key: who may use it from where, how often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=8, description="The bearer token.")
    name: str = Field("", description="A label for logs and feedback (never the key itself).")
    origins: tuple[str, ...] = Field(
        ("*",),
        description="Browser origins allowed to call with this key (CORS allow-list); '*' = any.",
    )
    rate_per_minute: int = Field(60, ge=1, description="Requests per minute before 429.")


class ServerConfig(BaseModel):
    """Everything `replyqa serve` needs besides the index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_keys: tuple[KeyConfig, ...] = Field(
        (), description="Accepted API keys; none = the API is closed."
    )
    public_chat: bool = Field(
        True, description="Serve /chat without a key (else a key or widget token)."
    )
    widget_origins: tuple[str, ...] = Field(
        ("*",), description="Pages allowed to embed the chat (frame-ancestors); '*' = any."
    )
    token_secret: str = Field(
        default_factory=lambda: secrets.token_hex(32),
        description="Signs short-lived widget tokens.",
    )
    token_ttl_s: int = Field(
        900, ge=30, description="Lifetime of a widget token minted by POST /api/v1/tokens."
    )
    max_request_bytes: int = Field(64 * 1024, ge=1024, description="Larger request bodies get 413.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions get 422.")
    max_conversations: int = Field(
        1000, ge=1, description="Conversations kept server-side (oldest dropped)."
    )
    conversation_ttl_s: int = Field(
        3600, ge=60, description="A conversation idle this long is forgotten."
    )
    feedback_path: Path | None = Field(None, description="JSONL file for like/dislike feedback.")

    def key(self, token: str) -> KeyConfig | None:
        """The key config for a bearer token, compared in constant time."""
        found = None
        for k in self.api_keys:
            if secrets.compare_digest(k.key.encode(), token.encode()):
                found = k
        return found


def load_server_config(path: Path | None = None, env: dict[str, str] | None = None) -> ServerConfig:
    """The config file (if any) plus keys from `REPLYQA_API_KEYS` (comma-separated).

    Raises:
        ConfigError: The file is missing, not JSON, or has unknown/invalid fields.
    """
    env = dict(os.environ) if env is None else env
    data: dict[str, object] = {}
    if path is not None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read server config {path}: {exc.strerror}") from exc
        except ValueError as exc:
            raise ConfigError(f"server config {path} is not valid JSON: {exc}") from exc
    keys = list(data.get("api_keys") or [])  # type: ignore[call-overload]
    for token in filter(None, (t.strip() for t in env.get("REPLYQA_API_KEYS", "").split(","))):
        keys.append({"key": token, "name": f"env:{token[:4]}…"})
    data["api_keys"] = keys
    if env.get("REPLYQA_FEEDBACK_PATH") and "feedback_path" not in data:
        data["feedback_path"] = env["REPLYQA_FEEDBACK_PATH"]
    try:
        return ServerConfig(**data)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid server config ({problems})") from exc
