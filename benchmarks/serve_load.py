"""Load on `walkrag serve`: concurrent clients on loopback mixing search and symbol lookups.

    python benchmarks/serve_load.py --index-dir DIR [--clients 50] [--seconds 60] [--search-share 0.7]

Starts the real server (`python -m walkrag serve`) on a free 127.0.0.1 port, or uses
``--url`` (loopback only), warms it, then runs ``--clients`` keep-alive clients for
``--seconds``. Queries come from the index itself (definition names, as identifiers,
misspellings and questions). Reports throughput, p50/p90/p99 latency and errors per
kind of request. Goal (issue 9): zero errors and p99 search under 200 ms with 50
clients for 60 s on the Django sdist index on a 2-core machine. Baseline: none yet.
Writes benchmarks/results/serve_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
from _common import REPO, write_results
from rich.console import Console
from rich.table import Table

MAX_CLIENTS = 200
MAX_SECONDS = 600
QUESTIONS = ("how does {} work", "where is {} used", "what calls {}", "{} configuration")


def _queries(index_dir: Path, seed: int) -> tuple[list[str], list[str]]:
    db = sqlite3.connect(f"file:{index_dir / 'index.db'}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in db.execute("SELECT DISTINCT name FROM definitions WHERE length(name) > 3 LIMIT 5000")
        ]
    finally:
        db.close()
    if not names:
        names = ["main", "config", "test", "error"]
    rng = random.Random(seed)
    rng.shuffle(names)
    names = names[:300]
    searches = [rng.choice(QUESTIONS).format(n.replace("_", " ")) for n in names] + names[:100]
    lookups = names + [n[:-1] + n[-1] * 2 for n in names[:100]]  # misspellings exercise the fuzzy path
    return searches, lookups


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def _client(
    base: str, until: float, share: float, searches, lookups, rng: random.Random, log: list
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.perf_counter() < until:
            if rng.random() < share:
                kind, path, params = "search", "/search", {"q": rng.choice(searches), "k": 10}
            else:
                kind, path, params = "symbols", "/symbols", {"name": rng.choice(lookups), "k": 10}
            t0 = time.perf_counter()
            try:
                r = await client.get(path, params=params)
                ok = r.status_code == 200
                error = None if ok else f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                ok, error = False, exc.__class__.__name__
            log.append((kind, (time.perf_counter() - t0) * 1000, ok, error))


async def _run(base: str, clients: int, seconds: float, share: float, searches, lookups, seed: int) -> list:
    log: list = []
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(
            _client(base, until, share, searches, lookups, random.Random(seed + i), log)
            for i in range(clients)
        )
    )
    return log


def _summary(log: list, seconds: float) -> dict:
    out = {}
    for kind in ("search", "symbols", "all"):
        rows = [row for row in log if kind == "all" or row[0] == kind]
        ok = [ms for _k, ms, good, _e in rows if good]
        errors: dict[str, int] = {}
        for *_rest, good, error in rows:
            if not good:
                errors[error] = errors.get(error, 0) + 1
        out[kind] = {
            "requests": len(rows),
            "errors": len(rows) - len(ok),
            "error_kinds": errors,
            "throughput_rps": round(len(rows) / seconds, 1),
            "p50_ms": round(_percentile(ok, 50), 1),
            "p90_ms": round(_percentile(ok, 90), 1),
            "p99_ms": round(_percentile(ok, 99), 1),
            "max_ms": round(max(ok, default=0.0), 1),
            "mean_ms": round(statistics.fmean(ok), 1) if ok else 0.0,
        }
    return out


def _start_server(index_dir: Path) -> tuple[subprocess.Popen, str]:
    import socket
    import tempfile

    log = tempfile.TemporaryFile(mode="w+")  # not a pipe: a full pipe would stall the server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "walkrag", "serve", "--index-dir", str(index_dir), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited: {log.read()[-3000:]}")
        try:
            if httpx.get(base + "/freshness", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--search-share", type=float, default=0.7, help="share of requests that are searches")
    ap.add_argument("--url", help="an already running server on loopback (default: start one)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--name", default="serve_load", help="results file name under benchmarks/results/")
    args = ap.parse_args()
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("--url must be a loopback address")
    console = Console()
    searches, lookups = _queries(args.index_dir, args.seed)
    proc, base = (None, args.url.rstrip("/")) if args.url else _start_server(args.index_dir)
    try:
        for q in searches[:5] + lookups[:5]:  # warm caches and lazy loads
            httpx.get(base + "/search", params={"q": q}, timeout=60)
        console.print(f"{clients} clients for {seconds:.0f} s against {base} ({args.index_dir})")
        started = time.perf_counter()
        log = asyncio.run(_run(base, clients, seconds, args.search_share, searches, lookups, args.seed))
        elapsed = time.perf_counter() - started
        status = httpx.get(base + "/status", timeout=30).json()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    summary = _summary(log, elapsed)
    table = Table(title=f"walkrag serve: {clients} clients, {elapsed:.0f} s, {status['chunks']} chunks")
    for col in ("kind", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"):
        table.add_column(col, justify="right")
    for kind, s in summary.items():
        table.add_row(
            kind,
            str(s["requests"]),
            f"{s['throughput_rps']:.1f}",
            f"{s['p50_ms']:.1f}",
            f"{s['p90_ms']:.1f}",
            f"{s['p99_ms']:.1f}",
            f"{s['max_ms']:.1f}",
            str(s["errors"]),
        )
    console.print(table)
    goal_met = summary["all"]["errors"] == 0 and summary["search"]["p99_ms"] < 200
    console.print(f"goal (zero errors, p99 search < 200 ms): {'met' if goal_met else 'not met'}")
    path = write_results(
        args.name,
        {
            "index_dir": str(args.index_dir),
            "files": status["files"],
            "chunks": status["chunks"],
            "clients": clients,
            "seconds": round(elapsed, 1),
            "search_share": args.search_share,
            "baseline": "none yet",
            "goal": "zero errors, p99 search < 200 ms (50 clients, 60 s, Django sdist)",
            "goal_met": goal_met,
            "results": summary,
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
