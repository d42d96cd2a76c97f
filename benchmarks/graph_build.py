"""Code graph build time on the Django 5.2.8 sdist, plus symbol lookup latency and quality.

    python benchmarks/graph_build.py [--reuse]

Indexes the sdist (reusing the index with --reuse), then rebuilds the whole
graph from the stored chunks as a cold build would: reference extraction for
every file (tree-sitter queries + prose cross-references), resolution of every
reference, file graph and PageRank. Goal: <= 30 s. Then times the graph update
after a one-file change (``django/utils/text.py`` stored again: new rows, same
text), which is incremental (:func:`walkrag.codegraph.build.update`); goal:
well under 0.3 s, so a one-file ``walkrag index`` stays <= 0.5 s. Baseline: none yet (first
measurement); lookups are compared with a linear rapidfuzz scan over all names.
Writes benchmarks/results/graph_build.json.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time

from _common import BENCH_DIR, fetch_django, write_results
from rapidfuzz import fuzz, process
from rich.console import Console
from rich.table import Table

import walkrag
from walkrag.codegraph import storage
from walkrag.codegraph.build import INCREMENTAL_KEY, backfill, finish, rank, resolve_all
from walkrag.codegraph.lookup import SymbolIndex, lookup

ONE_FILE = "django/utils/text.py"

LOOKUPS = {  # query -> the name the first result must have
    "Paginator": "Paginator",
    "Paginater": "Paginator",
    "CommonMiddlware": "CommonMiddleware",
    "get_objct_or_404": "get_object_or_404",
    "check_token": "_check_token",
    "paginator.Page": "Page",
    "get object or 404": "get_object_or_404",
    "csrf_failure": "csrf_failure",
}


def one_file_update(db, path: str = ONE_FILE, repeat: int = 5) -> tuple[float, dict]:
    """Median seconds of the graph update after ``path`` is stored again (each try rolled back)."""
    times, stats = [], {}
    for _ in range(repeat):
        db.execute("BEGIN IMMEDIATE")
        try:
            fmt, language = db.execute("SELECT format, language FROM files WHERE path=?", (path,)).fetchone()
            cur = db.cursor()
            cur.row_factory = sqlite3.Row
            chunks = cur.execute(
                "SELECT start_line, end_line, text FROM chunks WHERE path=? ORDER BY start_line", (path,)
            ).fetchall()
            cols = "path,name,qualified_name,kind,start_line,end_line,language,signature,docstring"
            defs = db.execute(f"SELECT {cols} FROM definitions WHERE path=? ORDER BY id", (path,)).fetchall()  # noqa: S608
            storage.delete_file_rows(db, path)  # what SQLiteStore.replace_file does to the graph ...
            db.execute("DELETE FROM definitions WHERE path=?", (path,))
            db.executemany(f"INSERT INTO definitions({cols}) VALUES (?,?,?,?,?,?,?,?,?)", defs)  # noqa: S608
            storage.write_file_rows(db, path, fmt, language, chunks)  # ... and indexing after it
            t = time.perf_counter()
            stats = finish(db, {path}) or {}
            times.append(time.perf_counter() - t)
        finally:
            db.execute("ROLLBACK")
    return statistics.median(times), stats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reuse", action="store_true", help="reuse the benchmark index if present")
    args = ap.parse_args()
    console = Console()
    root = fetch_django()
    index_dir = BENCH_DIR / "indexes" / "django-graph"
    if index_dir.exists() and not args.reuse:
        shutil.rmtree(index_dir)
    idx = walkrag.open(root, index_dir=index_dir)
    started = time.perf_counter()
    stats = idx.update()
    index_seconds = time.perf_counter() - started
    store = idx.store
    db = store.db

    phases = {}
    with store.transaction():
        t = time.perf_counter()
        n_refs = backfill(db)
        phases["extract_refs"] = time.perf_counter() - t
        t = time.perf_counter()
        resolved = resolve_all(db)
        phases["resolve"] = time.perf_counter() - t
        t = time.perf_counter()
        rank(db)
        phases["pagerank"] = time.perf_counter() - t
        db.execute("UPDATE meta SET value='0' WHERE key='graph_dirty'")
        db.execute("DELETE FROM graph_changes")  # the backfill rewrote every file's references at once
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (INCREMENTAL_KEY,))
    graph_seconds = sum(phases.values())
    one_file_seconds, one_file_stats = one_file_update(db)

    t = time.perf_counter()
    names = SymbolIndex(db)
    build_ms = (time.perf_counter() - t) * 1000
    lookup(db, "warm up")
    timings, hits = [], {}
    for q, want in LOOKUPS.items():
        runs = []
        for _ in range(20):
            t = time.perf_counter()
            found = lookup(db, q, 10)
            runs.append((time.perf_counter() - t) * 1000)
        timings.append(statistics.median(runs))
        names_found = [m.name for m in found]
        hits[q] = {
            "want": want,
            "rank": names_found.index(want) + 1 if want in names_found else None,
            "first": found[0].name if found else None,
            "match": found[0].match if found else None,
        }
    t = time.perf_counter()
    for q in LOOKUPS:
        process.extract(q.lower(), [r[1].lower() for r in names.rows], scorer=fuzz.WRatio, limit=10)
    scan_ms = (time.perf_counter() - t) * 1000 / len(LOOKUPS)

    counts = {
        k: db.execute(f"SELECT COUNT(*) FROM {k}").fetchone()[0]  # noqa: S608
        for k in ("files", "definitions", "refs", "edges", "file_edges")
    }
    table = Table(
        title=f"code graph on Django 5.2.8 ({counts['files']} files, {counts['definitions']} definitions)"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("full index (incl. graph), s", f"{index_seconds:.1f}")
    for k, v in phases.items():
        table.add_row(f"graph: {k}, s", f"{v:.2f}")
    table.add_row("[bold]graph build total, s (goal <= 30)[/bold]", f"[bold]{graph_seconds:.2f}[/bold]")
    table.add_row(
        f"[bold]graph update after a one-file change, s (goal < 0.3)[/bold] ({ONE_FILE})",
        f"[bold]{one_file_seconds:.3f}[/bold]",
    )
    table.add_row(
        "references / edges / file edges", f"{n_refs} / {resolved['edges']} / {resolved['file_edges']}"
    )
    table.add_row("unresolved references", str(resolved["unresolved"]))
    table.add_row("name index build, ms", f"{build_ms:.0f}")
    table.add_row("lookup median, ms (goal < 5)", f"{statistics.median(timings):.2f}")
    table.add_row("lookup max, ms", f"{max(timings):.2f}")
    table.add_row("baseline: linear WRatio scan, ms", f"{scan_ms:.1f}")
    first = sum(1 for h in hits.values() if h["rank"] == 1)
    top10 = sum(1 for h in hits.values() if h["rank"])
    table.add_row("lookups: wanted name first / in top 10", f"{first}/{len(hits)} / {top10}/{len(hits)}")
    console.print(table)
    for q, h in hits.items():
        if h["rank"] != 1:
            console.print(
                f"  {q!r}: wanted {h['want']} at rank {h['rank']}, first is {h['first']} ({h['match']})"
            )
    path = write_results(
        "graph_build",
        {
            "corpus": "django-5.2.8 sdist",
            "index_seconds": round(index_seconds, 2),
            "index_stats": stats.as_dict(),
            "graph_phases_seconds": {k: round(v, 3) for k, v in phases.items()},
            "graph_build_seconds": round(graph_seconds, 3),
            "one_file_update": {
                "path": ONE_FILE,
                "seconds_median": round(one_file_seconds, 3),
                "stats": one_file_stats,
            },
            "counts": counts,
            "resolution": resolved,
            "name_index_build_ms": round(build_ms, 1),
            "lookup_ms_median": round(statistics.median(timings), 3),
            "lookup_ms_max": round(max(timings), 3),
            "baseline_linear_scan_ms": round(scan_ms, 2),
            "lookups": hits,
        },
    )
    console.print(f"results: {path}")


if __name__ == "__main__":
    main()
