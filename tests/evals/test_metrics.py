"""Every retrieval metric against reference implementations on random rankings.

pytrec_eval (trec_eval) is the reference for recall@k, full@k (recall@k == 1),
NDCG@10 (ndcg_cut_10), MRR (recip_rank) and span hit (success@k over chunks
that overlap gold spans); semble's NDCG@10 (benchmarks/_common.py) is the
reference for deduplicating repeated files.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from walkrag.evals.dataset import Gold
from walkrag.evals.metrics import (
    distinct_files,
    full_at_k,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
    retrieval_metrics,
    span_hit_at_k,
)

pytrec_eval = pytest.importorskip("pytrec_eval", reason="pytrec-eval-terrier is in the dev extra")

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks._common import ndcg_at_10 as semble_ndcg_at_10  # noqa: E402

KS = (1, 3, 5, 10, 20)
TRIALS = 300


@dataclass
class Span:
    path: str
    start_line: int
    end_line: int
    symbol: str | None = None


def random_case(rng: random.Random):
    """A ranking of distinct files and a non-empty gold set (some gold never retrieved)."""
    universe = [f"pkg/f{i}.py" for i in range(rng.randint(3, 40))]
    ranked = rng.sample(universe, rng.randint(0, len(universe)))
    gold = rng.sample(universe, rng.randint(1, min(6, len(universe))))
    return ranked, gold


def trec(ranked: list[str], gold: list[str], measures: set[str]) -> dict:
    qrels = {"q": {g: 1 for g in gold}}
    run = {"q": {doc: float(len(ranked) - i) for i, doc in enumerate(ranked)}}
    if not ranked:  # trec_eval skips a query with no results; every measure is then 0
        return {}
    return pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)["q"]


@pytest.mark.parametrize("seed", range(3))
def test_file_metrics_match_trec_eval(seed):
    rng = random.Random(seed)
    for _ in range(TRIALS):
        ranked, gold = random_case(rng)
        ref = trec(ranked, gold, {"recall.1,3,5,10,20", "ndcg_cut.10", "recip_rank"})
        for k in KS:
            want = ref.get(f"recall_{k}", 0.0)
            assert recall_at_k(ranked, gold, k) == pytest.approx(want), (ranked, gold, k)
            assert full_at_k(ranked, gold, k) == (1.0 if math.isclose(want, 1.0) else 0.0)
        assert ndcg_at_k(ranked, gold, 10) == pytest.approx(ref.get("ndcg_cut_10", 0.0)), (ranked, gold)
        assert reciprocal_rank(ranked, gold) == pytest.approx(ref.get("recip_rank", 0.0)), (ranked, gold)


def test_retrieval_metrics_dedupes_files_like_semble_and_trec():
    rng = random.Random(7)
    for _ in range(TRIALS):
        ranked, gold = random_case(rng)
        # Several spans per file, in random order: files count at their first occurrence.
        spans = [Span(p, 1, 5) for p in ranked for _ in range(rng.randint(1, 3))]
        rng.shuffle(spans)
        files = distinct_files(s.path for s in spans)
        m = retrieval_metrics(spans, [Gold(path=g) for g in gold], k=10)
        assert m["ndcg@10"] == pytest.approx(semble_ndcg_at_10([s.path for s in spans], gold))
        ref = trec(files, gold, {"recall.1,3,5,10,20", "ndcg_cut.10", "recip_rank"})
        assert m["ndcg@10"] == pytest.approx(ref.get("ndcg_cut_10", 0.0))
        assert m["mrr"] == pytest.approx(ref.get("recip_rank", 0.0))
        for k in KS:
            assert m[f"recall@{k}"] == pytest.approx(ref.get(f"recall_{k}", 0.0))
        assert m["span_hit@10"] is None  # no line-level gold


def test_span_hit_matches_success_at_k_over_overlapping_chunks():
    rng = random.Random(11)
    for _ in range(TRIALS):
        files = [f"src/m{i}.py" for i in range(rng.randint(1, 6))]
        hits = []
        for _ in range(rng.randint(1, 25)):
            start = rng.randint(1, 80)
            hits.append(Span(rng.choice(files), start, start + rng.randint(0, 20)))
        gold = []
        for _ in range(rng.randint(1, 3)):
            start = rng.randint(1, 90)
            gold.append(Gold(path=rng.choice(files), lines=(start, start + rng.randint(0, 10))))
        relevant = {
            f"c{i}": 1 for i, h in enumerate(hits)
            if any(h.path == g.path and h.start_line <= g.lines[1] and g.lines[0] <= h.end_line for g in gold)
        } or {"none": 1}
        run = {"q": {f"c{i}": float(len(hits) - i) for i in range(len(hits))}}
        ref = pytrec_eval.RelevanceEvaluator({"q": relevant}, {"success.1,5,10"}).evaluate(run)["q"]
        for k in (1, 5, 10):
            assert span_hit_at_k(hits, gold, k) == ref[f"success_{k}"], (hits, gold, k)


def test_hand_worked_example():
    hits = [Span("a.py", 1, 9), Span("a.py", 10, 20), Span("b.py", 1, 5), Span("c.py", 3, 4, "Cart.total")]
    gold = [Gold(path="c.py", symbol="total"), Gold(path="b.py")]
    m = retrieval_metrics(hits, gold, k=10)
    assert m["recall@1"] == 0 and m["recall@3"] == 1.0 and m["full@3"] == 1.0 and m["full@1"] == 0
    assert m["mrr"] == pytest.approx(1 / 2)
    ideal = 1 + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    assert m["span_hit@10"] == 1.0  # the symbol of a gold entry without lines
    assert span_hit_at_k(hits, gold, 3) == 0.0


def test_semble_suffix_rule_and_empty_inputs():
    assert recall_at_k(["repo/fastapi/routing.py"], ["fastapi/routing.py"], 1) == 1.0
    assert recall_at_k([], ["a.py"], 10) == 0.0 and reciprocal_rank([], ["a.py"]) == 0.0
    assert ndcg_at_k(["a.py"], [], 10) == 0.0
    # One file cannot satisfy two gold entries.
    assert recall_at_k(["x/a.py"], ["x/a.py", "a.py"], 10) == 0.5
