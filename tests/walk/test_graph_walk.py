"""The LLM-free walk on the `corpus` fixture: graph edges, budget, stopping, no loops, the record."""

from __future__ import annotations

import json

from walkrag.walk import Budget, heuristic_analysis, walk
from walkrag.walk.graph import graph_walk
from walkrag.walk.record import Meter, WalkRecord

QUESTION = "How does Cart.total work out the discount and the tax?"


class OnlyCart:
    """The index, with a retriever that only ever finds shop/cart.py: anything else must come from the graph."""

    def __init__(self, idx):
        self._idx = idx

    def __getattr__(self, name):
        return getattr(self._idx, name)

    def search(self, query, k=10, **kw):
        return [h for h in self._idx.search(query, 50, **kw) if h.path == "shop/cart.py"][:k]


def test_graph_walk_reaches_the_callee_file_through_a_call_edge(idx):
    analysis = heuristic_analysis(QUESTION)
    record = WalkRecord(QUESTION, "graph")
    evidence = graph_walk(OnlyCart(idx), QUESTION, analysis, record, Meter(Budget()))
    assert evidence[0].path == "shop/cart.py"
    reached = [e for e in evidence if e.path == "shop/pricing.py"]
    assert reached, [e.ref for e in evidence]
    edge = reached[0].why["graph"]
    assert edge["edge"] == "callee" and edge["from"].startswith("shop/cart.py")
    assert any(s.action == "expand" for s in record.steps)


def test_walk_without_llm_answers_extractively_with_multi_file_evidence(idx):
    seen = []
    result = idx.walk(QUESTION, use_llm=False, on_step=seen.append)
    files = list(dict.fromkeys(e.path for e in result.evidence))
    assert {"shop/cart.py", "shop/pricing.py"} <= set(files[:5])
    assert not result.llm_used and "No LLM was used" in result.note
    assert result.citations and result.ok, [c.as_dict() for c in result.checks]
    shown = {e.n: e for e in result.evidence}
    for c in result.citations:  # citation numbers are evidence numbers, and the span lies inside it
        e = shown[c.n]
        assert c.path == e.path and e.start_line <= c.start_line <= c.end_line <= e.end_line
    assert [s.n for s in seen] == [s.n for s in result.record.steps]
    scores = [e.score for e in result.evidence]
    assert scores == sorted(scores, reverse=True)
    json.dumps(result.as_dict())  # the record and the result are plain JSON


def test_evidence_never_repeats_and_each_span_is_expanded_once(idx):
    result = idx.walk(QUESTION, use_llm=False, budget=Budget(max_steps=10))
    keys = [(e.path, e.start_line, e.end_line) for e in result.evidence]
    assert len(keys) == len(set(keys))
    for i, a in enumerate(result.evidence):
        for b in result.evidence[i + 1:]:
            assert a.path != b.path or a.end_line < b.start_line or b.end_line < a.start_line
    assert len(result.record.steps) <= 10
    # It stops on its own, well before the step budget, when a hop brings nothing new into the top files.
    assert not result.record.stop_reason.startswith("budget")


def test_step_budget_stops_the_walk(idx):
    result = idx.walk(QUESTION, use_llm=False, budget=Budget(max_steps=1))
    assert len(result.record.steps) == 1
    assert result.record.stop_reason.startswith("budget: 1 steps")
    assert result.evidence  # the seed search still answers


def test_time_budget_stops_the_walk(idx):
    result = walk(idx, QUESTION, budget={"max_seconds": 0.0})
    assert result.record.stop_reason.startswith("budget") and "s elapsed" in result.record.stop_reason
    assert len(result.record.steps) <= 2


def test_at_least_twenty_results_when_the_index_has_them(idx):
    result = idx.walk("Where is the Paginator class defined?", use_llm=False)
    assert len(result.evidence) >= min(20, idx.store.count("chunks"))
    record = result.record.as_dict(result.evidence)
    assert {"steps", "queries", "threads", "facts", "decisions", "timings", "tokens", "evidence"} <= set(record)
    assert record["queries"][0] == "Where is the Paginator class defined?"
