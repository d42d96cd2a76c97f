"""Side-by-side comparison of runs: paired bootstrap confidence intervals on per-question deltas.

The first run is the baseline. For each other run and each metric, the deltas
(candidate - baseline) of the questions both measured are resampled with
replacement; the 2.5th and 97.5th percentiles of the resampled means give a 95 %
interval. An interval entirely below zero is a regression, entirely above zero an
improvement. ``--fail-under METRIC=VALUE`` thresholds give CI an exit code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from walkrag.evals.runner import RunResult

DEFAULT_RESAMPLES = 2000
_SPEC = re.compile(r"^\s*([\w@.\-]+)\s*[=:]\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(slots=True)
class Delta:
    """One metric of one candidate against the baseline."""

    metric: str
    baseline: str
    candidate: str
    base_value: float | None
    value: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    status: str

    @property
    def regression(self) -> bool:
        return self.status == "regression"

    def as_dict(self) -> dict:
        return asdict(self)


def paired_bootstrap(base: Sequence[float], cand: Sequence[float], *, resamples: int = DEFAULT_RESAMPLES,
                     seed: int = 0, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean delta, low, high) of ``cand - base`` over paired observations."""
    d = np.asarray(cand, dtype=float) - np.asarray(base, dtype=float)
    if d.size == 0:
        raise ValueError("no paired observations")
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, d.size, size=(resamples, d.size))].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(d.mean()), float(low), float(high)


def _status(delta: float, low: float, high: float) -> str:
    if high < 0:
        return "regression"
    if low > 0:
        return "improvement"
    return "no change" if delta == 0 and low == 0 and high == 0 else "not significant"


def compare_runs(runs: Sequence[RunResult], metrics: Sequence[str] | None = None, *,
                 resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> list[Delta]:
    """Deltas of every run after the first against the first, per metric, with bootstrap intervals."""
    if len(runs) < 2:
        return []
    base = runs[0]
    names = list(metrics or base.metric_names)
    base_by_id = {q.id: q for q in base.questions}
    out: list[Delta] = []
    for run in runs[1:]:
        overall = run.metrics()
        base_overall = base.metrics()
        for name in names:
            pairs = [
                (base_by_id[q.id].metrics.get(name), q.metrics.get(name))
                for q in run.questions if q.id in base_by_id
            ]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            if not pairs:
                out.append(Delta(name, base.config.name, run.config.name, base_overall.get(name), overall.get(name),
                                 None, None, None, 0, "not measured"))
                continue
            delta, low, high = paired_bootstrap([a for a, _ in pairs], [b for _, b in pairs],
                                                resamples=resamples, seed=seed)
            out.append(Delta(name, base.config.name, run.config.name, base_overall.get(name), overall.get(name),
                             round(delta, 4), round(low, 4), round(high, 4), len(pairs), _status(delta, low, high)))
    return out


def parse_fail_under(specs: Sequence[str]) -> list[tuple[str, float]]:
    """``["recall@10=0.8", "mrr=0.5"]`` -> ``[("recall@10", 0.8), ("mrr", 0.5)]``; raises ``ValueError``."""
    out = []
    for spec in specs:
        m = _SPEC.match(spec)
        if not m:
            raise ValueError(f"--fail-under expects METRIC=VALUE (e.g. recall@10=0.8), got {spec!r}")
        out.append((m.group(1), float(m.group(2))))
    return out


def check_fail_under(runs: Sequence[RunResult], thresholds: Sequence[tuple[str, float]]) -> list[str]:
    """One message per configuration and metric below its threshold (or not measured). Every run is checked."""
    failures = []
    for metric, floor in thresholds:
        known = set(runs[0].metric_names) if runs else set()
        if metric not in known:
            raise ValueError(f"--fail-under: unknown metric {metric!r}; known: {', '.join(sorted(known))}")
        for run in runs:
            value = run.metrics().get(metric)
            if value is None:
                failures.append(f"{run.config.name}: {metric} was not measured (threshold {floor:g})")
            elif value < floor:
                failures.append(f"{run.config.name}: {metric} = {value:.4f} < {floor:g}")
    return failures
