"""A real Milvus gRPC server for tests: milvus-lite run as a child process.

`start_milvus_lite` runs ``python -m milvus_lite server`` on a free loopback port with
its data under a test's tmp folder, waits until the port accepts connections and
returns a handle whose `uri` pymilvus can use; `stop` ends the whole process group.
Anything that keeps the server from starting raises `MilvusLiteUnavailable` with the
reason, so a fixture can fail (in CI) or skip (elsewhere) with it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


class MilvusLiteUnavailable(RuntimeError):
    """milvus-lite is not installed, or its server did not come up."""


@dataclass
class MilvusLiteServer:
    uri: str
    process: subprocess.Popen[bytes]
    log: Path
    start_seconds: float

    def stop(self, grace: float = 5.0) -> None:
        """SIGINT the process group (the server's clean shutdown), then SIGKILL it."""
        if self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, grace), (signal.SIGKILL, grace)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, chars: int = 800) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:].strip()
    except OSError:
        return ""


def start_milvus_lite(folder: Path, timeout: float = 30.0) -> MilvusLiteServer:
    """Start a milvus-lite gRPC server with its data and log under `folder`.

    Raises:
        MilvusLiteUnavailable: milvus-lite or pymilvus is missing, the server exited, or
            its port did not open within `timeout` seconds.
    """
    for module in ("milvus_lite", "pymilvus"):
        if importlib.util.find_spec(module) is None:
            raise MilvusLiteUnavailable(
                f"{module} is not installed: pip install milvus-lite pymilvus"
            )
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "milvus-lite.log"
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(folder / "data"),
             "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches any child
        )  # fmt: skip
    server = MilvusLiteServer(f"http://127.0.0.1:{port}", process, log, 0.0)
    while time.perf_counter() - t0 < timeout:
        if process.poll() is not None:
            raise MilvusLiteUnavailable(
                f"server exited with code {process.returncode}: {_tail(log)}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
            continue
        server.start_seconds = time.perf_counter() - t0
        return server
    server.stop()
    raise MilvusLiteUnavailable(f"port {port} did not open within {timeout:.0f} s: {_tail(log)}")
