"""The one FastAPI app: HTTP API, OpenAI-compatible endpoint, widget and the gradio chat.

`create_app(service)` composes the parts; `replyqa serve` runs it with uvicorn. Tests
build it with a small index and drive it with TestClient or a loopback server.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from .service import Service


def create_app(service: Service, with_chat: bool = True) -> FastAPI:
    """Build the app around a loaded `Service`.

    Args:
        service: The index, answerer and conversations.
        with_chat: Mount the gradio chat at /chat (tests of the API alone skip it).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from . import api, auth, widget

    app = FastAPI(
        title="replyqa",
        version="0.1.0",
        description="Answers with exact citations over government reply letters (建议提案复函).",
    )
    app.state.service = service
    auth.install(app, service.config)
    app.include_router(api.router(service))
    app.include_router(widget.router(service))
    if with_chat:
        from .chat import mount_chat

        app = mount_chat(app, service)
    return app
