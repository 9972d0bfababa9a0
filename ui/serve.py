"""`replyqa serve`: start the chat, the HTTP API and the widget on one port.

Registered on the `replyqa` command through the `replyqa.commands` entry point, so the
library never imports this package.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--index", "index_dir", required=True, type=click.Path(path_type=Path), help="Index folder."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to bind."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Server config JSON (keys, origins, limits).",
)
@click.option(
    "--no-chat", is_flag=True, help="Serve the API and widget only, without the gradio chat."
)
def serve(index_dir: Path, host: str, port: int, config_path: Path | None, no_chat: bool) -> None:
    """Serve the chat (/chat), the HTTP API (/api/v1, /v1/chat/completions) and /widget.js.

    Example: replyqa serve --index .replyqa/demo --port 7860
    """
    import uvicorn

    from rag.config import load_settings

    from .app import create_app
    from .config import load_server_config
    from .service import Service

    service = Service(index_dir, load_settings(), load_server_config(config_path))
    app = create_app(service, with_chat=not no_chat)
    click.echo(
        f"replyqa: serving {index_dir} on http://{host}:{port}/chat (API at /api/v1, docs at /docs)",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="info")
