"""Search quality on the hand-written question sets, each against a whole-file BM25 baseline.

    python benchmarks/question_sets.py [--only NAME ...]   (--only keeps the other sets' last results)

The sets live in benchmarks/datasets (JSON Lines, walkrag's eval format) and were
written by reading the code and docs of public releases, not the search results:

- django_docs: 25 documentation questions in a user's words (Django 5.2.8 sdist, code and docs).
- django_docs (docs only): the same questions over the docs/ folder alone, as a documentation site.
- django_walk: 35 code and docs questions, 20 needing two or more files (the sdist index).
- cordova_android: 17 questions on cordova-android 13.0.0 from npm: a Java framework
  and its Node.js build tooling, a language mix the semble-dev subset does not have.
- gin_go: 18 questions on the Gin web framework 1.8.1 (Go), from Debian's source package.

Each corpus is fetched from its registry, indexed (incrementally: an existing index is
only brought up to date) and searched through the Python API at depth 20; metrics are on
distinct files. Writes benchmarks/results/question_sets.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from _common import (
    BENCH_DIR,
    REPO,
    RESULTS,
    bm25_whole_file,
    fetch_deb,
    fetch_django,
    fetch_npm,
    mean,
    percentile,
    write_results,
)
from rich.console import Console
from rich.table import Table

import walkrag
from walkrag.evals.dataset import load_dataset
from walkrag.evals.metrics import distinct_files, full_at_k, ndcg_at_k, recall_at_k, reciprocal_rank

DATASETS = REPO / "benchmarks" / "datasets"
DEPTH = 20
GIN_SOURCE = "usr/share/gocode/src/github.com/gin-gonic/gin"
# name -> (dataset file, corpus, fetch the corpus root, prefix the dataset's paths have and the index's lack)
SETS = {
    "django_docs": ("django_docs", "django", fetch_django, ""),
    "django_docs_only": ("django_docs", "django-docs", lambda: fetch_django() / "docs", "docs/"),
    "django_walk": ("django_walk", "django", fetch_django, ""),
    "cordova_android": ("cordova_android", "cordova-android", lambda: fetch_npm("cordova-android", "13.0.0"), ""),
    "gin_go": ("gin_go", "gin", lambda: fetch_deb("golang-github-gin-gonic-gin-dev", "1.8.1-1", GIN_SOURCE), ""),
}


def metrics(files: list[str], gold: list[str]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at_k(files, gold, 10),
        "mrr": reciprocal_rank(files, gold),
        "recall@10": recall_at_k(files, gold, 10),
        "full@10": full_at_k(files, gold, 10),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=sorted(SETS))
    args = ap.parse_args()
    os.environ.setdefault("WALKRAG_TRACES", "off")
    console = Console(width=160)
    rows, per_question = [], []
    indexes: dict[str, walkrag.Index] = {}
    for name, (dataset, corpus, fetch, strip) in SETS.items():
        if args.only and name not in args.only:
            continue
        root = fetch()
        if corpus not in indexes:
            idx = walkrag.open(root, index_dir=BENCH_DIR / "index" / corpus)
            with console.status(f"indexing {corpus} (only what changed)..."):
                stats = idx.update()
            console.print(f"{corpus}: {stats.chunks} chunks, index run {stats.seconds:.1f} s")
            idx.search("warm up", 1)
            indexes[corpus] = idx
        idx = indexes[corpus]
        questions = load_dataset(DATASETS / f"{dataset}.jsonl")
        baseline = bm25_whole_file(Path(root), [{"qid": q.id, "query": q.question} for q in questions])
        ours, base, ms = [], [], []
        for q in questions:
            gold = [g.path.removeprefix(strip) for g in q.gold]
            t = time.perf_counter()
            hits = idx.search(q.question, DEPTH)
            ms.append((time.perf_counter() - t) * 1000)
            files = distinct_files(h.path for h in hits)
            ours.append(metrics(files, gold))
            base.append(metrics(baseline[q.id], gold))
            per_question.append({"set": name, "id": q.id, "walkrag": ours[-1], "bm25_file": base[-1],
                                 "top_files": files[:10]})
        rows.append({
            "set": name, "corpus": corpus, "questions": len(questions),
            "walkrag": {k: mean(m[k] for m in ours) for k in ours[0]},
            "bm25_file": {k: mean(m[k] for m in base) for k in base[0]},
            "search_p50_ms": round(percentile(ms, 0.5), 1),
        })
    table = Table(title="question sets: walkrag search vs whole-file BM25 (distinct files, depth 20)")
    for col in ("set", "q", "NDCG@10", "(BM25)", "MRR", "(BM25)", "recall@10", "(BM25)", "full@10", "(BM25)", "p50 ms"):
        table.add_column(col, justify="left" if col == "set" else "right")
    for r in rows:
        w, b = r["walkrag"], r["bm25_file"]
        table.add_row(r["set"], str(r["questions"]), *(f"{x[k]:.3f}" for k in ("ndcg@10", "mrr", "recall@10", "full@10")
                                                       for x in (w, b)), f"{r['search_p50_ms']:.1f}")
    console.print(table)
    if args.only:  # keep the other sets' last results
        previous = RESULTS / "question_sets.json"
        if previous.is_file():
            old = json.loads(previous.read_text())
            rows = [r for r in old.get("sets", []) if r["set"] not in args.only] + rows
            per_question = [r for r in old.get("per_question", []) if r["set"] not in args.only] + per_question
    path = write_results("question_sets", {
        "benchmark": "question_sets", "depth": DEPTH, "baseline": "bm25_file (bm25s, whole files, same tokens)",
        "sets": rows, "per_question": per_question,
    })
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
