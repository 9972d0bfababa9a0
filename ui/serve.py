"""`replyqa serve`: start the chat, the HTTP API and the widget on one port.

Registered on the `replyqa` command through the `replyqa.commands` entry point, so the
library never imports this package. It fails like every other command: a bad config, a
busy port or a missing index is one line on stderr (what, where, what to do) and exit 2.
The checks run cheapest first — config, then the port (bound here and handed to uvicorn,
so nothing can take it in between), then the index.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import click

from rag.cli.common import handle_errors
from rag.errors import ConfigError


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port), or a `ConfigError` that says what to change."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigError(
            f"cannot use --host {host!r}: {exc.strerror}; give an address such as 127.0.0.1"
        ) from exc
    sock = socket.socket(family, kind, proto)
    # As uvicorn does: a restart may reuse a port whose old connections are in TIME_WAIT
    # (on Linux this does not let two servers listen on one port).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use (another server?); "
                "stop it or choose another --port"
            ) from exc
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror}; "
            "choose another --host or --port (ports below 1024 need root)"
        ) from exc
    sock.set_inheritable(True)
    return sock


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
@handle_errors
def serve(index_dir: Path, host: str, port: int, config_path: Path | None, no_chat: bool) -> None:
    """Serve the chat (/chat), the HTTP API (/api/v1, /v1/chat/completions) and /widget.js.

    Example: replyqa serve --index .replyqa/demo --port 7860
    """
    import uvicorn

    from rag.config import load_settings

    from .app import create_app
    from .config import load_server_config
    from .service import Service

    config = load_server_config(config_path)
    settings = load_settings()
    sock = bind(host, port)
    try:
        service = Service(index_dir, settings, config)
        app = create_app(service, with_chat=not no_chat)
        click.echo(
            f"replyqa: serving {index_dir} on http://{host}:{port}/chat "
            "(API at /api/v1, docs at /docs)",
            err=True,
        )
        uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[sock])
    finally:
        sock.close()
