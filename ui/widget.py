"""The embeddable widget: `GET /widget.js`, a script that adds a chat bubble to any page.

The bubble opens the chat (/chat?embed=1) in an iframe; the chat itself decides who may
use it (`ui.chat_access.ChatPageAccess`: a widget token, or a public chat) and which pages may frame
it (`frame-ancestors` from `widget_origins`). A help desk puts one tag in its pages;
with a closed chat its backend mints the token (`POST /api/v1/tokens` with its API key)
and writes it into the tag, so no long-lived key sits in the page:

    <script src="http://127.0.0.1:7860/widget.js"
            data-title="政务问答" data-position="right" data-token="TOKEN"></script>

`data-position` is "right" (default) or "left", `data-lang` "zh" (default) or "en";
leave out `data-token` when the server runs with `public_chat` on.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from .service import Service

SCRIPT = Path(__file__).parent / "static" / "widget.js"


@cache
def _script() -> bytes:
    return SCRIPT.read_bytes()


def router(service: Service) -> APIRouter:
    """Routes serving the widget script (`service` is unused: the script is the same for all)."""
    del service
    r = APIRouter(tags=["widget"])

    @r.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
    def widget_js() -> Response:
        return Response(
            _script(),
            media_type="text/javascript; charset=utf-8",
            headers={
                # Short cache: a fix to the script reaches embedding pages within minutes.
                "Cache-Control": "public, max-age=300",
                "X-Content-Type-Options": "nosniff",
                # Pages on other origins load it; a COEP page needs this to be allowed to.
                "Cross-Origin-Resource-Policy": "cross-origin",
            },
        )

    return r
