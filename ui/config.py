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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.errors import ConfigError


class KeyConfig(BaseModel):
    """One API key: who may use it from where, how often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=8, description="The bearer token (at least 8 characters).")
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
    feedback_path: Path | None = Field(
        None, description="JSONL file for chat votes; default: feedback.jsonl in the index folder."
    )

    def key(self, token: str) -> KeyConfig | None:
        """The key config for a bearer token, compared in constant time."""
        found = None
        for k in self.api_keys:
            if secrets.compare_digest(k.key.encode(), token.encode()):
                found = k
        return found


#: API keys are bearer secrets: shorter ones are guessable (`KeyConfig.key`'s minimum).
MIN_KEY_CHARS = 8
_KEY_HINT = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(16))'"


def load_server_config(path: Path | None = None, env: dict[str, str] | None = None) -> ServerConfig:
    """The config file (if any) plus keys from `REPLYQA_API_KEYS` (comma-separated).

    Every failure is a `ConfigError` whose one line says what is wrong, where (the file or
    the variable) and what to do; a key is never quoted in it.

    Raises:
        ConfigError: The file is missing or not a JSON object, a field is unknown or has a
            bad value, or a key is shorter than `MIN_KEY_CHARS`.
    """
    env = dict(os.environ) if env is None else env
    where = f"server config {path}" if path is not None else "server config"
    data: dict[str, object] = {}
    if path is not None:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise ConfigError(
                f"cannot read {where}: {exc.strerror}; check the --config path"
            ) from exc
        except ValueError as exc:
            detail = (
                f"{exc.msg}, line {exc.lineno} column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError)
                else str(exc)
            )
            raise ConfigError(f"{where} is not valid JSON ({detail}); fix the file") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(
                f'{where} must be a JSON object such as {{"api_keys": [...]}}, '
                f"not a {type(loaded).__name__}; fix the file"
            )
        data = loaded
    keys = data.get("api_keys") or []
    if not isinstance(keys, list):
        raise ConfigError(
            f"{where}: api_keys must be a list of objects like "
            f'{{"key": "…at least {MIN_KEY_CHARS} characters…", "name": "…"}}, '
            f"not {json.dumps(keys)[:40]}; fix the file"
        )
    tokens = [t.strip() for t in env.get("REPLYQA_API_KEYS", "").split(",") if t.strip()]
    for n, token in enumerate(tokens, 1):
        if len(token) < MIN_KEY_CHARS:
            raise ConfigError(
                f"REPLYQA_API_KEYS: key {n} of {len(tokens)} has {len(token)} characters; "
                f"API keys need at least {MIN_KEY_CHARS} ({_KEY_HINT})"
            )
    data = {**data, "api_keys": [*keys, *({"key": t, "name": f"env:{t[:4]}…"} for t in tokens)]}
    if env.get("REPLYQA_FEEDBACK_PATH") and "feedback_path" not in data:
        data["feedback_path"] = env["REPLYQA_FEEDBACK_PATH"]
    try:
        return ServerConfig(**data)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        raise ConfigError(
            f"invalid {where} ({problems}); fix these fields (see ServerConfig in ui/config.py)"
        ) from exc


def _problem(error: Any) -> str:
    """One validation error as `field.path: message`, without echoing a key's value."""
    loc = ".".join(map(str, error["loc"]))
    if error["loc"][-1:] == ("key",) and error["type"] == "string_too_short":
        return f"{loc}: an API key needs at least {MIN_KEY_CHARS} characters ({_KEY_HINT})"
    return f"{loc}: {error['msg']}"
