"""Evidence coverage of the LLM-free walk against single-shot search, per question complexity level.

    python benchmarks/walk_vs_search.py [--reindex] [--dataset PATH]

Indexes the Django 5.2.8 sdist (code and docs) into .bench/index/django, reusing
the index when it exists, then runs every question of
benchmarks/datasets/django_walk.jsonl twice: single-shot search (the baseline,
``Index.search``) and the graph walk (``Index.walk(use_llm=False)``). Reports
full@10 (every gold file among the first 10 distinct files) and recall@10 per
level, for single-file and multi-file questions, and overall; also how often the
heuristic question analysis agrees with the labelled level. Writes
benchmarks/results/walk_vs_search.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("WALKRAG_TRACES", "off")  # benchmark calls are not traces worth keeping

from _common import BENCH_DIR, REPO, fetch_django, write_results  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import walkrag  # noqa: E402
from walkrag.evals.dataset import load_dataset  # noqa: E402
from walkrag.evals.metrics import retrieval_metrics  # noqa: E402
from walkrag.walk import LEVELS, heuristic_analysis  # noqa: E402

DATASET = REPO / "benchmarks" / "datasets" / "django_walk.jsonl"
INDEX_DIR = BENCH_DIR / "index" / "django"
DEPTH = 60  # spans from search, as the eval runner asks for (enough for 20 distinct files)
METRICS = ("full@10", "recall@10", "mrr")


def _mean(rows: list[dict], system: str, metric: str) -> float | None:
    xs = [r[system][metric] for r in rows]
    return round(statistics.fmean(xs), 4) if xs else None


def summarize(rows: list[dict]) -> dict:
    return {
        "n": len(rows),
        **{f"search_{m}": _mean(rows, "search", m) for m in METRICS},
        **{f"walk_{m}": _mean(rows, "walk", m) for m in METRICS},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reindex", action="store_true", help="update the index even if one exists")
    ap.add_argument("--dataset", type=Path, default=DATASET)
    args = ap.parse_args()
    console = Console()
    root = fetch_django()
    idx = walkrag.open(root, index_dir=INDEX_DIR)
    if args.reindex or not (INDEX_DIR / "index.db").is_file():
        with console.status("indexing Django 5.2.8 (code and docs)..."):
            stats = idx.update()
        console.print(f"indexed in {stats.seconds:.0f}s: {stats.chunks} chunks")
    questions = load_dataset(args.dataset)
    idx.search("warm up", 1)
    rows = []
    search_ms, walk_ms = [], []
    for q in questions:
        t = time.perf_counter()
        hits = idx.search(q.question, DEPTH)
        search_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        result = idx.walk(q.question, use_llm=False)
        walk_ms.append((time.perf_counter() - t) * 1000)
        analysis = heuristic_analysis(q.question)
        s = retrieval_metrics(hits, q.gold, 10)
        w = retrieval_metrics(result.evidence, q.gold, 10)
        rows.append({
            "id": q.id, "level": q.level, "gold_files": len({g.path for g in q.gold}),
            "predicted_level": analysis.level, "walk_steps": len(result.record.steps),
            "stop_reason": result.record.stop_reason,
            "search": {m: s[m] for m in METRICS}, "walk": {m: w[m] for m in METRICS},
            "search_files": list(dict.fromkeys(h.path for h in hits))[:10],
            "walk_files": list(dict.fromkeys(e.path for e in result.evidence))[:10],
        })
    by_level: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_level[r["level"]].append(r)
    levels = {lvl: summarize(by_level[lvl]) for lvl in LEVELS if by_level.get(lvl)}
    groups = {
        "single-file": summarize([r for r in rows if r["gold_files"] == 1]),
        "multi-file": summarize([r for r in rows if r["gold_files"] > 1]),
        "all": summarize(rows),
    }
    agree = sum(r["predicted_level"] == r["level"] for r in rows)
    routed = sum((r["predicted_level"] == "single_fact") == (r["level"] == "single_fact") for r in rows)

    table = Table(title=f"Django 5.2.8: single-shot search (baseline) vs LLM-free walk, {len(rows)} questions")
    for col in ("level", "n", "full@10 search", "full@10 walk", "recall@10 search", "recall@10 walk"):
        table.add_column(col, justify="left" if col == "level" else "right")
    for name, s in [*levels.items(), ("", None), *groups.items()]:
        if s is None:
            table.add_section()
            continue
        table.add_row(name, str(s["n"]), f"{s['search_full@10']:.3f}", f"{s['walk_full@10']:.3f}",
                      f"{s['search_recall@10']:.3f}", f"{s['walk_recall@10']:.3f}")
    console.print(table)
    console.print(f"heuristic level agrees with the label on {agree}/{len(rows)}; routing (single fact or walk) "
                  f"agrees on {routed}/{len(rows)}")
    console.print(f"median latency: search {statistics.median(search_ms):.0f} ms, "
                  f"walk {statistics.median(walk_ms):.0f} ms")
    path = write_results("walk_vs_search", {
        "baseline": "single-shot Index.search (hybrid, ranked), top 60 spans",
        "system": "Index.walk(use_llm=False): graph walk, default budget",
        "dataset": str(args.dataset.relative_to(REPO)) if args.dataset.is_relative_to(REPO) else str(args.dataset),
        "index_dir": str(INDEX_DIR.relative_to(REPO)),
        "levels": levels, "groups": groups,
        "analysis": {"level_agreement": agree, "routing_agreement": routed, "n": len(rows)},
        "latency_ms": {"search_median": round(statistics.median(search_ms), 1),
                       "walk_median": round(statistics.median(walk_ms), 1)},
        "questions": rows,
    })
    console.print(f"results: {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
