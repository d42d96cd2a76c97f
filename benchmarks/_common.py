"""Helpers shared by the benchmark scripts: corpora, metrics, tables, results files."""

from __future__ import annotations

import json
import math
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEMBLE = SHARED / "benchmarks" / "semble-dev"
BENCH_DIR = REPO / ".bench"
RESULTS = REPO / "benchmarks" / "results"


def fetch_semble_corpora(dest: Path = BENCH_DIR / "corpora") -> list[dict]:
    """Download (once) the semble-dev corpora; return corpora.json entries with a ``path`` key."""
    subprocess.run(["bash", str(SEMBLE / "fetch_corpora.sh"), str(dest)], check=True, stdout=subprocess.DEVNULL)
    corpora = json.loads((SEMBLE / "corpora.json").read_text())
    for c in corpora:
        c["path"] = dest / c["name"] / c["root"]
    return corpora


def fetch_django(dest: Path = BENCH_DIR / "corpora" / "django") -> Path:
    root = dest / "django-5.2.8"
    if not root.is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "django==5.2.8",
             "-d", str(dest)],
            check=True,
        )
        archive = next(dest.glob("[Dd]jango-5.2.8.tar.gz"))
        subprocess.run(["tar", "-xzf", str(archive), "-C", str(dest)], check=True)
    return root


def fetch_npm(package: str, version: str, dest: Path = BENCH_DIR / "corpora") -> Path:
    """``npm pack`` a published package and unpack it; returns the folder holding its files."""
    folder = dest / f"{package.replace('/', '-').lstrip('@')}-{version}"
    root = folder / "package"
    if not root.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        out = subprocess.run(["npm", "pack", f"{package}@{version}", "--silent"], cwd=folder, check=True,
                             capture_output=True, text=True)
        archive = folder / out.stdout.strip().splitlines()[-1]
        subprocess.run(["tar", "-xzf", str(archive), "-C", str(folder)], check=True)
    return root


def fetch_deb(package: str, version: str, inner: str, dest: Path = BENCH_DIR / "corpora") -> Path:
    """``apt-get download`` a Debian package and unpack it; returns ``inner`` inside it (Debian's Go and
    Rust ``-dev`` packages carry a project's source tree)."""
    folder = dest / f"{package}-{version}"
    root = folder / inner
    if not root.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=folder, check=True, capture_output=True)
        archive = next(folder.glob(f"{package}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(archive), str(folder)], check=True)
    return root


def bm25_whole_file(root: Path, queries: list[dict], prefix: str = "") -> dict[str, list[str]]:
    """Baseline: BM25 (bm25s) over whole files with walkrag's code-aware tokens; {qid: paths, best first}."""
    import bm25s

    from walkrag.retrieval.tokenize import code_tokens
    from walkrag.sources.discover import discover

    docs, paths = [], []
    for f in discover(root).files:
        try:
            docs.append(code_tokens(Path(f.abspath).read_text(encoding="utf-8")))
            paths.append(prefix + f.path)
        except (UnicodeDecodeError, OSError):
            continue
    retriever = bm25s.BM25()
    retriever.index(docs, show_progress=False)
    out = {}
    for q in queries:
        toks = [t for t in code_tokens(q["query"]) if t] or ["_"]
        res, _ = retriever.retrieve([toks], k=min(20, len(paths)), show_progress=False)
        out[q["qid"]] = [paths[i] for i in res[0]]
    return out


def ndcg_at_10(ranked_paths: list[str], targets: list[str], k: int = 10) -> float:
    """File-level NDCG@10 as semble computes it: binary relevance, files deduplicated at first rank."""
    files: list[str] = []
    for p in ranked_paths:
        if p not in files:
            files.append(p)
        if len(files) == k:
            break
    if not targets:
        return 0.0
    matched = set()
    dcg = 0.0
    for rank, p in enumerate(files, start=1):
        for t in targets:
            if t not in matched and (p == t or p.endswith("/" + t) or t.endswith("/" + p)):
                matched.add(t)
                dcg += 1.0 / math.log2(rank + 1)
                break
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(targets)) + 1))
    return dcg / ideal


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    idx = min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))
    return values[idx]


def machine() -> dict:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_results(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {"benchmark": name, "date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), **data}
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0
