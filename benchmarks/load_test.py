"""Bounded load test: N concurrent clients against POST /api/v1/chat on loopback.

Usage:
    python benchmarks/load_test.py INDEX_DIR [--clients 50] [--seconds 120] [--rate 100000]

Starts the app (API only) on 127.0.0.1 on a free port in this process, runs `--clients`
threads that ask the dev questions in a loop for `--seconds`, then stops by itself. It
prints requests, errors (429s from the rate limit counted apart), latency p50/p95, and the
server's resident memory sampled every 5 s (flat = no growth across the run). Traffic
never leaves this machine.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.config import Settings  # noqa: E402
from rag.evaluation import percentile  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("index", type=Path)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--rate", type=int, default=100_000, help="the test key's requests per minute")
    ap.add_argument("--questions", type=Path, default=Settings().corpus_dir / "questions.jsonl")
    args = ap.parse_args()

    import uvicorn

    from ui.app import create_app
    from ui.config import KeyConfig, ServerConfig
    from ui.service import Service

    key = "load-test-key-0001"
    config = ServerConfig(api_keys=(KeyConfig(key=key, name="load", rate_per_minute=args.rate),))
    service = Service(args.index, Settings(), config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(service, with_chat=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    questions = [
        json.loads(line)["question"]
        for line in args.questions.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    deadline = time.monotonic() + args.seconds
    latencies: list[float] = []
    codes: Counter[str] = Counter()
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=60,
            headers={"Authorization": f"Bearer {key}"},
        ) as http:
            i = n
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                try:
                    r = http.post("/api/v1/chat", json={"question": questions[i % len(questions)]})
                    code = str(r.status_code)
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    codes[code] += 1
                i += args.clients

    memory = [rss_mb()]
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(5)
        memory.append(rss_mb())
    server.should_exit = True
    total = sum(codes.values())
    errors = total - codes["200"] - codes["429"]
    print(
        f"{args.clients} clients for {args.seconds:.0f} s: {total} requests, {codes['200']} ok, "
        f"{codes['429']} rate-limited (429), {errors} errors {dict(codes) if errors else ''}"
    )
    print(
        f"latency p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms; "
        f"throughput {total / args.seconds:.1f} req/s"
    )
    third = max(1, len(memory) // 3)
    print(
        f"server RSS: start {memory[0]:.0f} MB, first third max {max(memory[:third]):.0f} MB, "
        f"last third max {max(memory[-third:]):.0f} MB, end {memory[-1]:.0f} MB"
    )


if __name__ == "__main__":
    main()
