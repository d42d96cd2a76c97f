"""Indexing speed and memory: cold index, one-file incremental update, no-change rerun.

    python benchmarks/index_speed.py [--skip-django] [--skip-semble]

Corpora: the Django 5.2.8 sdist and the semble-dev repositories. Each walkrag
run is a fresh `walkrag index --json` process, measured with wait4() for peak
RSS. Baseline in the same run: BM25 over whole files (bm25s) with the same
code-aware tokens, i.e. the cheapest useful index of the same files.
Writes benchmarks/results/index_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import BENCH_DIR, RESULTS, fetch_django, fetch_semble_corpora, mean, write_results
from rich.console import Console
from rich.table import Table

from walkrag.retrieval.tokenize import code_tokens
from walkrag.sources.discover import discover


def walkrag_index(root: Path, index_dir: Path) -> dict:
    """Run `walkrag index --json` in a child process; return its stats, wall time and peak RSS."""
    cmd = [sys.executable, "-m", "walkrag", "index", str(root), "--index-dir", str(index_dir), "--json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"walkrag index failed on {root}:\n{proc.stderr}")
    return {**json.loads(proc.stdout), "wall_s": round(wall, 2)}


def peak_rss_mb(root: Path, index_dir: Path) -> tuple[dict, float]:
    """Like walkrag_index, but in a fresh child whose own peak RSS we read with wait4."""
    cmd = [sys.executable, "-m", "walkrag", "index", str(root), "--index-dir", str(index_dir), "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"walkrag index failed on {root}")
    return {**json.loads(out), "wall_s": round(wall, 2)}, usage.ru_maxrss / 1024


def bm25_baseline(root: Path) -> float:
    """Seconds to read, tokenize and BM25-index every file as one document (bm25s)."""
    import bm25s

    start = time.perf_counter()
    docs = []
    for f in discover(root).files:
        try:
            docs.append(code_tokens(Path(f.abspath).read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    bm25s.BM25().index(docs, show_progress=False)
    return time.perf_counter() - start


def touch_one_file(root: Path) -> Path:
    """Append a comment to an indexed source file in the middle of the tree."""
    files = [f for f in discover(root).files if f.path.endswith((".py", ".ts", ".js")) and f.size > 2000]
    files.sort(key=lambda f: f.path)
    target = Path(files[len(files) // 2].abspath)
    comment = "\n# walkrag benchmark edit\n" if target.suffix == ".py" else "\n// walkrag benchmark edit\n"
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(comment)
    return target


def restore(target: Path) -> None:
    text = target.read_text(encoding="utf-8")
    for comment in ("\n# walkrag benchmark edit\n", "\n// walkrag benchmark edit\n"):
        text = text.replace(comment, "")
    target.write_text(text, encoding="utf-8")


def measure(name: str, root: Path) -> dict:
    index_dir = BENCH_DIR / "speed-index" / name
    shutil.rmtree(index_dir, ignore_errors=True)
    cold, rss = peak_rss_mb(root, index_dir)
    again = walkrag_index(root, index_dir)
    target = touch_one_file(root)
    try:
        inc = walkrag_index(root, index_dir)
    finally:
        restore(target)
        walkrag_index(root, index_dir)
    base = bm25_baseline(root)
    seconds = max(cold["seconds"], 1e-9)
    return {
        "corpus": name, "files": cold["added"], "chunks": cold["chunks"], "skipped": cold["skipped"],
        "cold_s": cold["seconds"], "cold_wall_s": cold["wall_s"], "peak_rss_mb": round(rss),
        "chunks_per_s": round(cold["chunks"] / seconds), "embeddings_per_s": round(cold["embedded"] / seconds),
        "file_views_embedded": cold.get("file_views_embedded", 0),
        "nochange_s": again["seconds"], "one_file_s": inc["seconds"], "one_file_changed": inc["changed"],
        "cold_phases": cold.get("timings", {}), "one_file_phases": inc.get("timings", {}),
        "bm25_file_baseline_s": round(base, 2), "cold_vs_bm25": round(cold["seconds"] / max(base, 1e-9), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip-django", action="store_true")
    ap.add_argument("--skip-semble", action="store_true")
    args = ap.parse_args()
    console = Console(width=160)
    rows = []
    if not args.skip_django:
        rows.append(measure("django-5.2.8", fetch_django()))
        console.print(rows[-1])
    if not args.skip_semble:
        for c in fetch_semble_corpora():
            rows.append(measure(c["name"], c["path"]))
    previous = RESULTS / "index_speed.json"
    if (args.skip_django or args.skip_semble) and previous.is_file():
        # A partial run replaces its own rows and keeps the others from the last run.
        measured = {r["corpus"] for r in rows}
        rows += [r for r in json.loads(previous.read_text())["rows"] if r["corpus"] not in measured]
    table = Table(title="walkrag index speed (this machine)")
    cols = ["corpus", "files", "chunks", "cold_s", "peak_rss_mb", "chunks_per_s", "embeddings_per_s", "one_file_s",
            "nochange_s", "bm25_file_baseline_s", "cold_vs_bm25"]
    for c in cols:
        table.add_column(c, justify="left" if c == "corpus" else "right")
    for r in rows:
        table.add_row(*[str(r[c]) for c in cols])
    console.print(table)
    dev = [r for r in rows if not r["corpus"].startswith("django")]
    summary = {"mean_dev_cold_s": round(mean(r["cold_s"] for r in dev), 2) if dev else None}
    console.print(summary)
    path = write_results("index_speed", {"baseline": "bm25s over whole files, same tokens", "rows": rows, **summary})
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
