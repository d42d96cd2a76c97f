"""Comparison: paired bootstrap intervals, regressions, --fail-under thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from walkrag.evals.compare import check_fail_under, compare_runs, paired_bootstrap, parse_fail_under
from walkrag.evals.config import EvalConfig
from walkrag.evals.runner import QuestionResult, RunResult


def make_run(name: str, values: dict[str, list[float]]) -> RunResult:
    n = len(next(iter(values.values())))
    qs = [
        QuestionResult(id=f"q{i}", question="?", level="a" if i % 2 else "b", gold_files=["x.py"], files=[],
                       metrics={m: v[i] for m, v in values.items()}, latency_ms=1.0)
        for i in range(n)
    ]
    return RunResult(EvalConfig(name=name), "search", 10, qs)


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible():
    rng = np.random.default_rng(0)
    base = rng.random(60)
    cand = base + rng.normal(0.05, 0.1, 60)
    delta, low, high = paired_bootstrap(base, cand, seed=1)
    assert low < delta < high
    assert delta == pytest.approx(float(np.mean(cand - base)))
    assert paired_bootstrap(base, cand, seed=1) == (delta, low, high)
    # The 95% interval of a mean of 60 paired deltas is about ±1.96 standard errors.
    se = float(np.std(cand - base, ddof=1) / np.sqrt(60))
    assert high - low == pytest.approx(2 * 1.96 * se, rel=0.25)
    assert paired_bootstrap([1, 1], [1, 1]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        paired_bootstrap([], [])


def test_compare_flags_regressions_and_improvements():
    n = 40
    base = make_run("base", {"recall@10": [1.0] * n, "mrr": [0.5] * n, "ndcg@10": [0.5] * n})
    worse = make_run("worse", {"recall@10": [0.0 if i % 2 else 1.0 for i in range(n)], "mrr": [1.0] * n,
                               "ndcg@10": [0.5 + (0.1 if i % 2 else -0.1) for i in range(n)]})
    deltas = {d.metric: d for d in compare_runs([base, worse], ["recall@10", "mrr", "ndcg@10", "full@10"])}
    assert deltas["recall@10"].status == "regression" and deltas["recall@10"].delta == -0.5
    assert deltas["recall@10"].ci_high < 0 and deltas["recall@10"].n == n
    assert deltas["mrr"].status == "improvement" and deltas["mrr"].ci_low > 0
    assert deltas["ndcg@10"].status == "not significant"
    assert deltas["full@10"].status == "not measured"
    assert compare_runs([base]) == []


def test_compare_pairs_questions_by_id():
    base = make_run("a", {"mrr": [0.0, 1.0, 0.0]})
    cand = make_run("b", {"mrr": [0.0, 1.0, 0.0]})
    cand.questions.reverse()  # same ids, other order: still zero delta everywhere
    (d,) = compare_runs([base, cand], ["mrr"])
    assert d.status == "no change" and d.delta == 0


def test_fail_under():
    assert parse_fail_under(["recall@10=0.8", "mrr:0.5", " ndcg@10 = 1 "]) == [
        ("recall@10", 0.8), ("mrr", 0.5), ("ndcg@10", 1.0)]
    with pytest.raises(ValueError, match="METRIC=VALUE"):
        parse_fail_under(["recall@10>0.8"])
    runs = [make_run("a", {"recall@10": [1.0, 0.5]}), make_run("b", {"recall@10": [0.5, 0.5]})]
    assert check_fail_under(runs, [("recall@10", 0.7)]) == ["b: recall@10 = 0.5000 < 0.7"]
    assert check_fail_under(runs, [("recall@10", 0.5)]) == []
    with pytest.raises(ValueError, match="unknown metric 'recal@10'"):
        check_fail_under(runs, [("recal@10", 0.5)])
