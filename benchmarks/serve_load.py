"""Load on `walkrag serve`: concurrent clients on loopback mixing search and symbol lookups.

    python benchmarks/serve_load.py --index-dir DIR [--clients 50] [--seconds 60] [--search-share 0.7]
        [--workers N] [--think-ms 0] [--url http://127.0.0.1:PORT]

Starts the real server (`python -m walkrag serve`) on a free 127.0.0.1 port, or uses
``--url`` (loopback only), warms it, then runs ``--clients`` keep-alive clients for
``--seconds``, each sending its next request as soon as the last one is answered
(a closed loop with no think time unless ``--think-ms`` is given). Queries come from
the index itself (definition names, as identifiers, misspellings and questions) and
never repeat within a run, so no cache anywhere can answer one from an earlier request
(the report says if the pool ran out and queries had to repeat).

The clients speak HTTP/1.1 over raw asyncio streams, not an HTTP library, because they
share the machine's cores with the server: the report gives the CPU seconds taken by the
load generator, by the server (all its processes) and by everything else on the machine.
Reports throughput, p50/p90/p99 latency and errors per kind of request. Goal (issue 9):
zero errors and p99 search under 200 ms with 50 clients for 60 s on the Django sdist
index on a 2-core machine. Baseline: the same load against ``walkrag serve --workers 1``
(one process), run with ``--workers 1``. Writes benchmarks/results/serve_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

from _common import REPO, write_results
from rich.console import Console
from rich.table import Table

MAX_CLIENTS = 200
MAX_SECONDS = 600
REQUEST_TIMEOUT_S = 30.0
QUESTIONS = ("how does {} work", "where is {} used", "what calls {}", "{} configuration")
WARM = 10  # queries set aside to warm the server; never sent during the measured run


def _queries(index_dir: Path, seed: int) -> tuple[list[str], list[str]]:
    """Searches and lookups, all distinct, in a seeded random order."""
    db = sqlite3.connect(f"file:{index_dir / 'index.db'}?mode=ro", uri=True)
    try:
        names = [r[0] for r in db.execute("SELECT DISTINCT name FROM definitions WHERE length(name) > 3")]
    finally:
        db.close()
    if not names:
        names = ["main", "config", "test", "error"]
    names.sort()
    rng = random.Random(seed)
    rng.shuffle(names)
    searches = [t.format(n.replace("_", " ")) for n in names for t in QUESTIONS] + names
    lookups = names + [n[:-1] + n[-1] * 2 for n in names]  # misspellings exercise the fuzzy path
    searches, lookups = list(dict.fromkeys(searches)), list(dict.fromkeys(lookups))
    rng.shuffle(searches)
    rng.shuffle(lookups)
    return searches, lookups


class _Pool:
    """Hands out each query once; counts the ones that had to be reused after the pool ran out."""

    def __init__(self, queries: list[str]):
        self.queries, self.next, self.repeats = queries, 0, 0

    def take(self) -> str:
        if self.next >= len(self.queries):
            self.repeats += 1
        q = self.queries[self.next % len(self.queries)]
        self.next += 1
        return q


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool]:
    """Send one GET and read the whole response; (status, whether the server keeps the connection)."""
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = 0, False, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = b"close" not in value.lower()
    if chunked:
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    elif length:
        await reader.readexactly(length)
    return status, keep


async def _client(
    host: str,
    port: int,
    until: float,
    share: float,
    pools: dict,
    rng: random.Random,
    think_s: float,
    log: list,
) -> None:
    conn = None
    while time.perf_counter() < until:
        if rng.random() < share:
            kind, path, params = "search", "/search", {"q": pools["search"].take(), "k": 10}
        else:
            kind, path, params = "symbols", "/symbols", {"name": pools["symbols"].take(), "k": 10}
        request = f"GET {path}?{urlencode(params)} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                status, keep = await _exchange(*conn, request)
            ok, error = status == 200, None if status == 200 else f"HTTP {status}"
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            ok, error, keep = False, exc.__class__.__name__, False
        log.append((kind, (time.perf_counter() - t0) * 1000, ok, error))
        if not keep and conn is not None:
            conn[1].close()
            conn = None
        if think_s:
            await asyncio.sleep(think_s)
    if conn is not None:
        conn[1].close()


async def _run(
    host: str, port: int, clients: int, seconds: float, share: float, pools: dict, seed: int, think_s: float
) -> list:
    log: list = []
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(
            _client(host, port, until, share, pools, random.Random(seed + i), think_s, log)
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


# -- CPU accounting (Linux /proc) ----------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its living descendants (the server's worker processes)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def _machine_cpu() -> float:
    """CPU seconds all cores spent busy (not idle or iowait) since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    return (sum(values[:8]) - values[3] - values[4]) / TICK


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _start_server(index_dir: Path, workers: int | None) -> tuple[subprocess.Popen, str]:
    log = tempfile.TemporaryFile(mode="w+")  # not a pipe: a full pipe would stall the server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "walkrag", "serve", "--index-dir", str(index_dir), "--port", str(port)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"server exited: {log.read()[-3000:]}")
        try:
            if _get(base, "/freshness", timeout=1)[0] == 200:
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start within 180 s")


def _get(base: str, path: str, params: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
    import http.client

    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request("GET", path + (f"?{urlencode(params)}" if params else ""))
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--search-share", type=float, default=0.7, help="share of requests that are searches")
    ap.add_argument(
        "--workers", type=int, help="`walkrag serve --workers` (default: the server's own default)"
    )
    ap.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="pause of each client between requests (default 0: the closed loop of the goal)",
    )
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
    warm, searches = searches[:WARM], searches[WARM:]
    pools = {"search": _Pool(searches), "symbols": _Pool(lookups)}
    proc, base = (None, args.url.rstrip("/")) if args.url else _start_server(args.index_dir, args.workers)
    url = urlparse(base)
    try:
        for q in warm:  # model loads and lazy indexes, in every worker process
            _get(base, "/search", {"q": q})
            _get(base, "/symbols", {"name": q})
        console.print(f"{clients} clients for {seconds:.0f} s against {base} ({args.index_dir})")
        server0 = _tree_cpu(proc.pid) if proc else 0.0
        own0, machine0 = _own_cpu(), _machine_cpu()
        started = time.perf_counter()
        log = asyncio.run(
            _run(
                url.hostname,
                url.port,
                clients,
                seconds,
                args.search_share,
                pools,
                args.seed,
                args.think_ms / 1000,
            )
        )
        elapsed = time.perf_counter() - started
        own, machine = _own_cpu() - own0, _machine_cpu() - machine0
        server = _tree_cpu(proc.pid) - server0 if proc else None
        status = json.loads(_get(base, "/status", timeout=30)[1])
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    summary = _summary(log, elapsed)
    cores = os.cpu_count() or 1
    cpu = {
        "cores": cores,
        "load_generator_s": round(own, 1),
        "server_s": None if server is None else round(server, 1),
        "other_s": None if server is None else round(max(machine - own - server, 0.0), 1),
        "machine_busy_share": round(machine / (elapsed * cores), 2),
        "server_ms_per_request": None if server is None else round(server * 1000 / max(len(log), 1), 2),
    }
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
    console.print(
        f"CPU over the run ({cores} cores, {elapsed * cores:.0f} core-seconds): load generator {cpu['load_generator_s']} s, "
        f"server {cpu['server_s']} s ({cpu['server_ms_per_request']} ms per request), "
        f"everything else {cpu['other_s']} s; machine busy {cpu['machine_busy_share']:.0%}"
    )
    repeats = pools["search"].repeats + pools["symbols"].repeats
    console.print(f"distinct queries: {len(searches)} searches, {len(lookups)} lookups; repeated: {repeats}")
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
            "workers": args.workers,
            "think_ms": args.think_ms,
            "queries_repeated": repeats,
            "baseline": "the same run against `walkrag serve --workers 1` (pass --workers 1)",
            "goal": "zero errors, p99 search < 200 ms (50 clients, 60 s, Django sdist)",
            "goal_met": goal_met,
            "cpu": cpu,
            "results": summary,
        },
    )
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
