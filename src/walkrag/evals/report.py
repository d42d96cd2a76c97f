"""Eval reports: the JSON document, the terminal tables. The HTML report is in :mod:`report_html`.

JSON shape (``walkrag eval --json``)::

    {"walkrag_eval": 1, "dataset": {"path", "n", "format"}, "mode", "k",
     "metrics": {"recall@10", "full@10", "ndcg@10", "mrr", ...},      # the first (or only) configuration
     "per_level": {"<level>": {"n", "recall@10", ...}},
     "latency_ms": {"mean", "p50", "p95", "max", "values"}, "tokens": {...},
     "runs": [{"config", "metrics", "per_level", "latency_ms", "tokens", "questions": [...]}, ...],
     "comparison": [{"metric", "baseline", "candidate", "delta", "ci_low", "ci_high", "status"}, ...],
     "fail_under": {"thresholds": {"recall@10": 0.8}, "failures": [...], "ok": true}}
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from walkrag.evals.compare import Delta
from walkrag.evals.metrics import HEADLINE
from walkrag.evals.runner import ANSWER_METRICS, RunResult

SCHEMA_VERSION = 1


def report_dict(runs: Sequence[RunResult], deltas: Sequence[Delta] = (), *, dataset: dict | None = None,
                thresholds: Sequence[tuple[str, float]] = (), failures: Sequence[str] = ()) -> dict:
    first = runs[0]
    return {
        "walkrag_eval": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "dataset": dataset or {"n": len(first.questions)},
        "mode": first.mode,
        "k": first.k,
        "judge": first.judge,
        "metrics": first.metrics(),
        "per_level": first.per_level(),
        "latency_ms": first.latency(),
        "tokens": first.tokens(),
        "runs": [r.as_dict() for r in runs],
        "comparison": [d.as_dict() for d in deltas],
        "fail_under": {"thresholds": dict(thresholds), "failures": list(failures), "ok": not failures},
    }


def write_json(report: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def shown_metrics(run: RunResult) -> list[str]:
    names = [*HEADLINE, f"recall@{run.k}", f"full@{run.k}", f"span_hit@{run.k}"]
    if run.mode != "search":
        names += list(ANSWER_METRICS)
    return list(dict.fromkeys(names))


def _delta_cell(d: Delta | None) -> str:
    if d is None or d.delta is None:
        return "—"
    text = f"{d.delta:+.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
    if d.status == "regression":
        return f"[bold red]{text} ▼[/bold red]"
    if d.status == "improvement":
        return f"[green]{text} ▲[/green]"
    return f"[dim]{text}[/dim]"


def print_report(console: Console, runs: Sequence[RunResult], deltas: Sequence[Delta] = (),
                 failures: Sequence[str] = ()) -> None:
    """Overall metrics per configuration (with deltas against the first), then per level, latency, tokens."""
    first = runs[0]
    names = shown_metrics(first)
    table = Table(title=f"eval · {first.mode} · {len(first.questions)} questions", title_justify="left")
    table.add_column("metric", style="bold")
    for run in runs:
        table.add_column(run.config.name, justify="right")
    by_key = {(d.candidate, d.metric): d for d in deltas}
    for run in runs[1:]:
        table.add_column(f"Δ {run.config.name} (95% CI)", justify="right")
    overall = [r.metrics() for r in runs]
    for name in names:
        row = [name, *(fmt(m.get(name)) for m in overall)]
        row += [_delta_cell(by_key.get((run.config.name, name))) for run in runs[1:]]
        table.add_row(*row)
    for label, key in (("latency p50 ms", "p50"), ("latency p95 ms", "p95")):
        table.add_row(label, *(f"{r.latency()[key]:.1f}" for r in runs), *([""] * (len(runs) - 1)))
    if first.mode != "search":
        table.add_row("tokens (answer)", *(f"{r.tokens()['prompt'] + r.tokens()['completion']}" for r in runs),
                      *([""] * (len(runs) - 1)))
    console.print(table)
    for run in runs:
        levels = run.per_level()
        if len(levels) < 2 and next(iter(levels), None) == "(none)":
            continue
        lt = Table(title=f"per level · {run.config.name}", title_justify="left")
        lt.add_column("level", style="bold")
        lt.add_column("n", justify="right")
        cols = [n for n in names if n in HEADLINE or n in ANSWER_METRICS]
        for n in cols:
            lt.add_column(n, justify="right")
        for level, row in levels.items():
            lt.add_row(level, str(row["n"]), *(fmt(row.get(n)) for n in cols))
        console.print(lt)
    regressions = [d for d in deltas if d.regression]
    for d in regressions:
        console.print(f"[bold red]regression:[/bold red] {d.candidate}: {d.metric} {d.delta:+.3f} "
                      f"(95% CI {d.ci_low:+.3f} to {d.ci_high:+.3f}) against {d.baseline}", highlight=False)
    errors = sum(1 for r in runs for q in r.questions if q.error)
    if errors:
        console.print(f"[yellow]{errors} question(s) failed to answer; see the JSON report[/yellow]")
    for f in failures:
        console.print(f"[bold red]fail-under:[/bold red] {f}", highlight=False)
