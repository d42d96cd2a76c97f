"""Every search, ask and walk writes a trace; recording can be turned off and never breaks the work."""

from __future__ import annotations

import pytest
from trace_helpers import ScriptedLLM, answer_json

import walkrag
from walkrag.index import Index
from walkrag.traces import TraceStore, paused, store_for
from walkrag.traces.schema import MIGRATIONS


def _store(idx) -> TraceStore:
    return store_for(idx.index_dir)


def test_search_records_question_config_evidence_and_why(idx):
    hits = idx.search("how is sales tax computed for a region", 5)
    rows = _store(idx).list()
    assert len(rows) == 1 and rows[0]["kind"] == "search"
    trace = _store(idx).get(rows[0]["id"])
    assert trace.question == "how is sales tax computed for a region"
    assert trace.config["k"] == 5 and trace.config["source"] == "api"
    assert "embedder" in trace.config["settings"]
    assert not any("key" in k for k in trace.config["settings"])  # secrets never recorded
    assert [e.ref for e in trace.evidence] == [f"{h.path}:{h.start_line}-{h.end_line}" for h in hits]
    first = trace.evidence[0]
    assert first.score == pytest.approx(hits[0].score) and first.why == hits[0].why and first.text == hits[0].text
    assert trace.steps[0]["name"] == "search" and trace.steps[0]["n_hits"] == len(hits)
    assert idx.last_trace_id == trace.id


def test_ask_without_llm_is_one_trace_with_its_search_as_a_step(idx):
    result = idx.ask("how is the discount applied?", use_llm=False, walk=False)
    rows = _store(idx).list()
    assert len(rows) == 1, "the search inside the ask is a step, not a trace of its own"
    trace = _store(idx).get(rows[0]["id"])
    assert trace.kind == "ask" and trace.answer == result.answer
    assert trace.checks_ok == result.ok
    assert [s["name"] for s in trace.steps] == ["search", "answer", "check"]
    assert trace.steps[0]["hits"] and trace.steps[0]["query"] == "how is the discount applied?"
    cited = {(c.path, c.start_line, c.end_line) for c in result.citations}
    assert cited and all(any(e.overlaps(*c) for e in trace.evidence if e.cited) for c in cited)
    assert any(e.shown for e in trace.evidence)
    assert {c["name"] for c in trace.detail["checks"]} == {c.name for c in result.checks}


def test_ask_with_a_model_records_messages_output_tokens_and_the_template(idx):
    llm = ScriptedLLM(answer_json("A coupon reduces the amount by its percentage [1]."))
    result = idx.ask("how is the discount applied?", llm=llm, walk=False)
    assert result.llm_used
    trace = _store(idx).get(_store(idx).list()[0]["id"])
    assert len(trace.calls) == len(llm.requests) >= 1
    call = trace.calls[0]
    assert call.model == "scripted" and call.prompt_version == "answer.v1"
    assert call.messages == [{"role": m["role"], "content": m["content"]} for m in llm.requests[0]]
    assert "coupon" in call.output and call.prompt_tokens > 0 and call.completion_tokens > 0
    assert "answer.v1" in trace.detail["prompts"] and "system" in trace.detail["prompts"]["answer.v1"]
    assert trace.answer == result.answer and trace.detail["model"] == "scripted"


@pytest.mark.skipif(not callable(getattr(Index, "walk", None)), reason="Index.walk is not part of walkrag yet")
def test_walk_records_its_steps_facts_threads_and_evidence(idx):
    result = idx.walk("how does the cart total apply the discount and the tax?", use_llm=False)
    rows = _store(idx).list()
    assert len(rows) == 1 and rows[0]["kind"] == "walk"
    trace = _store(idx).get(rows[0]["id"])
    record = result.record.as_dict()
    assert len(trace.steps) == len(record["steps"]) and trace.steps[0]["name"]
    assert trace.answer == result.answer
    assert "facts" in trace.detail and "threads" in trace.detail
    refs = {e.ref for e in trace.evidence}
    assert {e.ref for e in result.evidence} <= refs
    assert trace.detail.get("searches"), "the searches the walk ran are kept too"


def test_an_error_is_recorded_and_still_raised(idx, monkeypatch):
    def boom(self, *a, **k):
        raise RuntimeError("retrieval exploded")

    monkeypatch.setattr("walkrag.retrieval.search.Searcher.search", boom)
    with pytest.raises(RuntimeError, match="retrieval exploded"):
        idx.search("anything")
    trace = _store(idx).get(_store(idx).list()[0]["id"])
    assert trace.status == "error" and "retrieval exploded" in trace.error


def test_recording_failures_never_break_a_search(idx, monkeypatch):
    expected = [h.chunk_id for h in idx.search("cart total", 5)]

    def broken(self, trace):
        raise OSError("disk full")

    monkeypatch.setattr(TraceStore, "add", broken)
    assert [h.chunk_id for h in idx.search("cart total", 5)] == expected


@pytest.mark.parametrize("how", ["env", "toml", "paused", "cli"])
def test_off_switch(indexed, monkeypatch, how):
    from trace_helpers import walkrag_cli

    if how == "cli":
        run = walkrag_cli("--no-trace", "search", "cart total", "--index-dir", str(indexed / ".walkrag"))
        assert run.returncode == 0, run.stderr
        assert not (indexed / ".walkrag" / "traces.db").exists()
        run = walkrag_cli("search", "cart total", "--index-dir", str(indexed / ".walkrag"))
        assert (indexed / ".walkrag" / "traces.db").exists()
        return
    if how == "env":
        monkeypatch.setenv("WALKRAG_TRACES", "off")
    if how == "toml":
        (indexed / "walkrag.toml").write_text('traces = "off"\n', encoding="utf-8")
    with walkrag.open(indexed) as idx:
        if how == "paused":
            with paused():
                idx.search("cart total")
                idx.ask("cart total?", use_llm=False)
        else:
            idx.search("cart total")
        assert _store(idx).list() == []


def test_schema_is_migrated_once_and_reopens(idx):
    idx.search("cart")
    store = TraceStore(idx.index_dir)
    assert store.schema_version() == len(MIGRATIONS)
    store.close()
    again = TraceStore(idx.index_dir)  # opening a current database migrates nothing and loses nothing
    assert again.schema_version() == len(MIGRATIONS) and again.count() == 1
    again.close()


def test_eval_runs_are_recorded_and_listed_as_eval(idx):
    from walkrag.evals import Question, run_eval

    question = Question(id="q1", question="where is sales tax computed?", gold=[{"path": "shop/pricing.py"}])
    idx.search("a plain search first")
    run_eval(idx, [question], mode="search", k=5)
    store = _store(idx)
    evals = store.list(kind="eval")
    assert "where is sales tax computed?" in [r["question"] for r in evals]
    assert "a plain search first" not in [r["question"] for r in evals]
    assert all(store.get(r["id"]).config["source"] == "eval" for r in evals)


def test_a_failing_model_is_recorded_with_its_error(idx):
    from walkrag.models.llm import CallRecord, LLMUnavailable

    class Down:
        model, context_window = "down", 8192

        def complete(self, messages, **kwargs):
            error = LLMUnavailable("LLM down: cannot reach http://localhost:1")
            error.records = [CallRecord("down", kwargs.get("prompt_version"), 10, 0, True, 5.0, False, False,
                                        error="cannot reach http://localhost:1")]
            raise error

    result = idx.ask("how is the discount applied?", llm=Down(), walk=False)
    assert not result.llm_used
    trace = _store(idx).get(_store(idx).list()[0]["id"])
    assert trace.status == "ok" and trace.answer == result.answer
    assert len(trace.calls) == 1 and not trace.calls[0].ok and "cannot reach" in trace.calls[0].error
    assert trace.calls[0].messages and trace.calls[0].output is None
