"""NDCG@10 on the semble-dev code-search subset, with an ablation and a whole-file BM25 baseline.

    python benchmarks/semble_dev.py [--only NAME ...] [--no-ablation]

Downloads the corpora (shared fetch_corpora.sh), indexes each cold, runs the
queries through `walkrag search --batch` (the default configuration) and
through the Python API for the ablation, and computes NDCG@10 exactly as the
shared README describes. Writes benchmarks/results/semble_dev.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    BENCH_DIR,
    SEMBLE,
    bm25_whole_file,
    fetch_semble_corpora,
    mean,
    ndcg_at_10,
    percentile,
    write_results,
)
from rich.console import Console
from rich.table import Table

import walkrag
from walkrag.retrieval.search import SearchOptions

ABLATION = {
    "lexical only": SearchOptions(retrievers=("lexical",), rank=False),
    "dense only": SearchOptions(retrievers=("dense",), rank=False),
    "hybrid (rrf)": SearchOptions(retrievers=("lexical", "dense"), rank=False),
    "hybrid + ranking": SearchOptions(retrievers=("lexical", "dense"), rank=True),
    "+ symbol + path": SearchOptions(retrievers=("lexical", "dense", "symbol", "path"), rank=True),
    "+ file dense": SearchOptions(retrievers=("lexical", "dense", "symbol", "path", "file_dense"), rank=True),
    "+ whole-file lexical (default)": SearchOptions(),
    "+ graph expansion": SearchOptions(expand=True),
}


def load_queries(name: str) -> list[dict]:
    items = json.loads((SEMBLE / "annotations" / f"{name}.json").read_text())
    out = []
    for i, q in enumerate(items):
        targets = [t if isinstance(t, str) else t["path"] for t in q["relevant"] + q.get("secondary", [])]
        cat = q.get("category") or ("symbol" if " " not in q["query"] else "architecture" if q["query"].startswith("how ") else "semantic")
        out.append({"qid": f"{name}-{i}", "query": q["query"], "targets": targets, "category": cat})
    return out


def run_cli_batch(index_dir: Path, queries: list[dict], prefix: str) -> dict[str, list[str]]:
    work = BENCH_DIR / "batch"
    work.mkdir(parents=True, exist_ok=True)
    qfile, rfile = work / "queries.jsonl", work / "results.jsonl"
    qfile.write_text("".join(json.dumps({"qid": q["qid"], "query": q["query"]}) + "\n" for q in queries))
    subprocess.run(
        [sys.executable, "-m", "walkrag", "search", "--index-dir", str(index_dir), "--batch", str(qfile),
         "--out", str(rfile)],
        check=True,
    )
    out = {}
    for line in rfile.read_text().splitlines():
        row = json.loads(line)
        assert len(row["results"]) >= min(20, 1), row["qid"]
        out[row["qid"]] = [prefix + r["path"] for r in row["results"]]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="corpus names")
    ap.add_argument("--no-ablation", action="store_true")
    args = ap.parse_args()
    console = Console(width=200)
    corpora = [c for c in fetch_semble_corpora() if not args.only or c["name"] in args.only]
    configs = {} if args.no_ablation else ABLATION
    per_repo = []
    per_query = []
    for c in corpora:
        name, root, prefix = c["name"], c["path"], c["benchmark_root"] + "/"
        queries = load_queries(name)
        index_dir = BENCH_DIR / "index" / name
        shutil.rmtree(index_dir, ignore_errors=True)
        idx = walkrag.open(root, index_dir=index_dir)
        t0 = time.perf_counter()
        stats = idx.update()
        cold = time.perf_counter() - t0
        default = run_cli_batch(index_dir, queries, prefix)
        baseline = bm25_whole_file(root, queries, prefix)
        latencies = []
        idx.search("warm up", 20)
        ablation = {}
        for label, opts in configs.items():
            ablation[label] = {}
            for q in queries:
                hits = idx.search(q["query"], 20, options=opts)
                ablation[label][q["qid"]] = [prefix + h.path for h in hits]
        for q in queries:
            t = time.perf_counter()
            idx.search(q["query"], 20)
            latencies.append((time.perf_counter() - t) * 1000)
        for q in queries:
            row = {"repo": name, "language": c["language"], "category": q["category"], "qid": q["qid"],
                   "query": q["query"], "walkrag": ndcg_at_10(default[q["qid"]], q["targets"]),
                   "bm25_file": ndcg_at_10(baseline[q["qid"]], q["targets"])}
            for label in configs:
                row[label] = ndcg_at_10(ablation[label][q["qid"]], q["targets"])
            per_query.append(row)
        rows = [r for r in per_query if r["repo"] == name]
        per_repo.append({
            "repo": name, "language": c["language"], "queries": len(rows), "files": stats.added,
            "chunks": stats.chunks, "cold_index_s": round(cold, 2),
            "p50_ms": round(percentile(latencies, 0.5), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "walkrag": mean(r["walkrag"] for r in rows), "bm25_file": mean(r["bm25_file"] for r in rows),
            **{label: mean(r[label] for r in rows) for label in configs},
        })
        idx.close()
        console.print(f"{name}: ndcg@10 {per_repo[-1]['walkrag']:.3f} (bm25 file {per_repo[-1]['bm25_file']:.3f})")

    cols = ["walkrag", "bm25_file", *configs]
    table = Table(title="semble-dev NDCG@10 (file level)")
    for h in ["repo", "lang", "q", *cols, "cold s", "p50 ms", "p95 ms"]:
        table.add_column(h, justify="right" if h not in ("repo", "lang") else "left")
    for r in per_repo:
        table.add_row(r["repo"], r["language"], str(r["queries"]), *[f"{r[c]:.3f}" for c in cols],
                      f"{r['cold_index_s']:.1f}", f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}")
    overall = {c: mean(r[c] for r in per_repo) for c in cols}
    table.add_row("mean", "", str(sum(r["queries"] for r in per_repo)), *[f"{overall[c]:.3f}" for c in cols],
                  f"{mean(r['cold_index_s'] for r in per_repo):.1f}", "", "")
    console.print(table)
    by_cat = {}
    for cat in sorted({r["category"] for r in per_query}):
        rows = [r for r in per_query if r["category"] == cat]
        by_cat[cat] = {c: mean(r[c] for r in rows) for c in cols}
        console.print(f"  {cat:<13} " + "  ".join(f"{c} {by_cat[cat][c]:.3f}" for c in cols))
    by_lang = {}
    for lang in sorted({r["language"] for r in per_query}):
        rows = [r for r in per_query if r["language"] == lang]
        by_lang[lang] = {c: mean(r[c] for r in rows) for c in cols}
    path = write_results("semble_dev", {
        "metric": "file-level NDCG@10, mean over repositories", "baseline": "bm25_file (bm25s, whole files)",
        "overall": overall, "per_repo": per_repo, "per_category": by_cat, "per_language": by_lang,
        "per_query": per_query,
    })
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
