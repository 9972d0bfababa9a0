"""Bounded load test: N concurrent clients against POST /api/v1/chat on loopback.

Usage:
    python benchmarks/load_test.py INDEX_DIR [--clients 50] [--seconds 120] [--rate 100000]

Starts the app (API only) on 127.0.0.1 on a free port in this process, runs `--clients`
threads that ask the dev questions in a loop for `--seconds`, then stops by itself. It
prints requests, errors (429s from the rate limit counted apart), latency p50/p95, and the
resident memory of this process (the server and its client threads) sampled every 5 s,
anonymous and file-backed apart. "Flat" is judged on the anonymous part — heap, stacks,
what answering holds: the file-backed part is mapped index files and libraries, page
cache the kernel may drop and read again, bounded by their size. The start figure is
taken after the index is open, before the first request, so growth while warming up
shows too. Traffic never leaves this machine.
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
from rag.evaluation.retrieval import percentile  # noqa: E402

#: The last third's peak may exceed the first third's by this much and still count as flat.
FLAT_TOLERANCE = 0.05


def resident_mib() -> tuple[float, float]:
    """(anonymous, file-backed) resident memory of this process in MiB (Linux)."""
    kib = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "RssFile"):
                kib[name] = int(value.split()[0])
    return kib["RssAnon"] / 1024, kib["RssFile"] / 1024


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

    memory = [resident_mib()]
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(5)
        memory.append(resident_mib())
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
    for name, series in zip(("anonymous", "file-backed"), zip(*memory, strict=True), strict=True):
        print(
            f"{name} memory: start {series[0]:.0f} MiB, first third max "
            f"{max(series[:third]):.0f} MiB, last third max {max(series[-third:]):.0f} MiB, "
            f"end {series[-1]:.0f} MiB"
        )
    anon = [a for a, _ in memory]
    early, late = max(anon[:third]), max(anon[-third:])
    print(
        f"anonymous memory flat: {'yes' if late <= early * (1 + FLAT_TOLERANCE) else 'no'} "
        f"(last third max within {FLAT_TOLERANCE:.0%} of the first third's); "
        f"{max(anon) - anon[0]:+.0f} MiB from start to peak"
    )


if __name__ == "__main__":
    main()
