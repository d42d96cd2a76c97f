"""The walk with a scripted model: cited facts, thread deduplication, stopping, budgets, malformed output."""

from __future__ import annotations

import json
from pathlib import Path

from scripted import ScriptedLLM
from walk_helpers import QUESTION, WalkModel, covering_read

from walkrag.models.llm import LLMUnavailable
from walkrag.walk import Budget


def _walk(idx, model, **kw):
    llm = ScriptedLLM(model, context_window=16000)
    return idx.walk(QUESTION, llm=llm, **kw), llm


def test_facts_cite_real_spans_and_the_walk_stops_when_covered(idx, indexed: Path):
    model = WalkModel(covering_read)
    result, _ = _walk(idx, model)
    rec = result.record
    assert rec.stop_reason == "every part of the question is covered"
    assert model.kinds[0] == "analyze" and model.kinds[-1] == "answer"
    assert {f.path for f in rec.facts} == {"shop/cart.py", "shop/pricing.py"}
    by_n = {e.n: e for e in result.evidence}
    for f in rec.facts:  # each fact's span lies inside the evidence it cites, and its quote is on those lines
        e = by_n[f.evidence]
        assert (e.path, e.status) == (f.path, "cited")
        assert e.start_line <= f.start_line <= f.end_line <= e.end_line
        lines = (indexed / f.path).read_text().split("\n")[f.start_line - 1:f.end_line]
        assert f.quote in "\n".join(lines)
    assert result.llm_used and result.ok and result.citations
    assert result.evidence[0].status == "cited"
    assert result.usage["prompt_tokens"] > 0 and len(result.usage["calls"]) == len(model.kinds)
    json.dumps(result.as_dict())


def test_facts_with_bad_citations_or_quotes_are_dropped(idx):
    def read(shown, i):
        n = min(shown)
        return {"facts": [
            {"text": "cites nothing shown", "evidence": 999},
            {"text": "misquotes", "evidence": n, "quote": "this text is nowhere"},
            {"text": "lines outside the span fall back to the span", "evidence": n, "lines": [1, 100000]},
        ], "covered": [0, 1], "done": True}

    result, _ = _walk(idx, WalkModel(read))
    facts = result.record.facts
    assert [f.text for f in facts] == ["lines outside the span fall back to the span"]
    e = next(e for e in result.evidence if e.n == facts[0].evidence)
    assert (facts[0].start_line, facts[0].end_line) == (e.start_line, e.end_line)
    assert sum("dropped a fact" in d for d in result.record.decisions) == 2


def test_threads_are_deduplicated(idx):
    def read(shown, i):
        return {"facts": [], "threads": [
            {"kind": "symbol", "target": "tax_for", "reason": "a"},
            {"kind": "symbol", "target": " `Tax_For` ", "reason": "same, spelled differently"},
            {"kind": "query", "target": QUESTION.upper() + "  ", "reason": "the question again"},
            {"kind": "section", "target": "docs/pricing.md#Sales tax", "reason": "b"},
            {"kind": "file", "target": "docs/pricing.md#sales TAX", "reason": "same section"},
            {"kind": "teleport", "target": "somewhere", "reason": "not a thread kind"},
        ]}

    result, _ = _walk(idx, WalkModel(read), budget=Budget(max_steps=6))
    keys = [(t.kind, t.target.lower()) for t in result.record.threads]
    targets = [t.target for t in result.record.threads if t.source == "model"]
    assert targets == ["tax_for", "docs/pricing.md#Sales tax"]
    assert len(keys) == len(set(keys))
    assert all(t.status == "done" for t in result.record.threads)


def test_the_walk_never_reads_the_same_evidence_twice_and_stops_without_threads(idx):
    def read(shown, i):  # always proposes what was already tried
        return {"facts": [], "threads": [{"kind": "query", "target": QUESTION, "reason": "again"}]}

    result, _ = _walk(idx, WalkModel(read), budget=Budget(max_steps=20))
    refs = [r for s in result.record.steps for r in s.found]
    assert len(refs) == len(set(refs))
    assert result.record.stop_reason == "no open threads left"
    assert len(result.record.steps) < 20


def test_step_budget(idx):
    counter = iter(range(1000))

    def read(shown, i):  # never done, always a fresh thread
        return {"facts": [], "threads": [{"kind": "query", "target": f"pricing detail {next(counter)}"}]}

    result, _ = _walk(idx, WalkModel(read), budget=Budget(max_steps=2))
    assert len(result.record.steps) == 2
    assert result.record.stop_reason == "budget: 2 steps taken"
    assert result.answer


def test_token_budget(idx):
    counter = iter(range(1000))

    def read(shown, i):
        return {"facts": [], "threads": [{"kind": "query", "target": f"pricing detail {next(counter)}"}]}

    probe, _ = _walk(idx, WalkModel(read), budget=Budget(max_steps=1))
    analysis = sum(c["prompt_tokens"] + c["completion_tokens"] for c in probe.usage["calls"][:1])
    one_read = probe.record.steps[0].tokens
    limit = analysis + one_read // 2  # room for the analysis and the start of one read, not two
    result, _ = _walk(idx, WalkModel(read), budget=Budget(max_tokens=limit))
    assert result.record.stop_reason == f"budget: {analysis + one_read} of {limit} tokens used"
    assert len(result.record.steps) == 1
    tiny, _ = _walk(idx, WalkModel(read), budget=Budget(max_tokens=10))
    assert tiny.record.steps == [] and tiny.record.stop_reason.startswith("budget:")
    assert len(tiny.evidence) >= 1  # still answered, from the question's own search


def test_malformed_read_output_is_recorded_and_the_walk_recovers(idx):
    model = WalkModel(lambda shown, i: {"facts": "not a list"})
    result, llm = _walk(idx, model, budget=Budget(max_steps=2))
    first = result.record.steps[0]
    assert first.error and first.error.startswith("reading failed: malformed output")
    assert any(e.status == "unread" for e in result.evidence)
    assert result.llm_used and result.answer  # the answer step still works from what was found
    assert model.kinds.count("read") == 2 * len(result.record.steps)  # one retry per read


def test_an_unreachable_model_degrades_to_an_extractive_answer(idx):
    llm = ScriptedLLM([LLMUnavailable("LLM scripted: cannot reach it")])
    result = idx.walk(QUESTION, llm=llm)
    assert not result.llm_used and "LLM failed" in result.note
    assert result.record.stop_reason.startswith("model failed")
    assert result.evidence and result.citations
