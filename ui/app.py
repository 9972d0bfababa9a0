"""The one FastAPI app: HTTP API, OpenAI-compatible endpoint, widget and the gradio chat.

`create_app(service)` composes the parts; `replyqa serve` runs it with uvicorn. Tests
build it with a small index and drive it with TestClient or a loopback server. The API
docs (`/docs`, `/redoc`) come from `fastapi-offline`: Swagger UI and ReDoc are served from
bundled files, not a CDN, so they work where the server has no internet (`ui.docs`).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

from .service import Service

FAVICON = Path(__file__).parent / "static" / "favicon.png"


def create_app(service: Service, with_chat: bool = True) -> FastAPI:
    """Build the app around a loaded `Service`.

    Args:
        service: The index, answerer and conversations.
        with_chat: Mount the gradio chat at /chat (tests of the API alone skip it).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from . import api, auth, docs, widget

    app = docs.make_app(
        title="replyqa",
        version="0.1.0",
        description="Answers with exact citations over government reply letters (建议提案复函).",
    )
    app.state.service = service
    auth.install(app, service.config)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # A PNG under the .ico name: every current browser reads it by its bytes.
        return FileResponse(
            FAVICON, media_type="image/png", headers={"Cache-Control": "max-age=86400"}
        )

    app.include_router(api.router(service))
    app.include_router(widget.router(service))
    if with_chat:
        from .chat import mount_chat

        app = mount_chat(app, service)
    return app
