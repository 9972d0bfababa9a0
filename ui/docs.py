"""The API docs offline: Swagger UI at /docs and ReDoc at /redoc from bundled files.

`fastapi-offline` ships Swagger UI and ReDoc inside the package (served under
/static-offline-docs), so the docs load where the server has no internet. One thing in
the ReDoc bundle still points out: the "API docs by Redocly" footer fetches its logo from
cdn.redoc.ly on every page view. /redoc therefore loads the bundle from
`/redoc.standalone.js`, the same file with that one address pointing at our favicon.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

#: The one outside address in the ReDoc bundle (its footer logo) and what replaces it.
_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_LOCAL_LOGO = b"/favicon.ico"


@cache
def _redoc_bundle() -> bytes:
    import fastapi_offline

    path = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
    return path.read_bytes().replace(_REDOC_LOGO, _LOCAL_LOGO)


def make_app(**kwargs: Any) -> FastAPI:
    """A FastAPI app whose /docs and /redoc need no internet (`kwargs` go to FastAPI)."""
    from fastapi_offline import FastAPIOffline

    app = FastAPIOffline(
        redoc_url=None,
        favicon_url="/favicon.ico",
        # Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
        swagger_ui_parameters={"validatorUrl": None},
        **kwargs,
    )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}/redoc.standalone.js",
            redoc_favicon_url=f"{root}/favicon.ico",
            with_google_fonts=False,
        )

    @app.get("/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(
            _redoc_bundle(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return app
