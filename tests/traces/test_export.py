"""Labeled traces become eval datasets, chat JSONL and embedding triples; assertions clean them."""

from __future__ import annotations

import json
import time

import pytest
from trace_helpers import evidence, make_trace

from walkrag.evals.dataset import parse_jsonl
from walkrag.traces import TraceStore
from walkrag.traces.export import ExportError, build_rows, export, heldout, heldout_path
from walkrag.traces.record import LLMCall


def _read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def store(tmp_path):
    s = TraceStore(tmp_path / "idx")
    now = time.time()
    good = make_trace("how is sales tax computed?", created=now - 50, label="good")
    bad = make_trace("what does the cart hold?", created=now - 40, label="bad")
    marked = make_trace("where are coupons defined?", "search", created=now - 30)
    unlabeled = make_trace("how does checkout call the server?", created=now - 20)
    failed_checks = make_trace("what is the deployment process?", created=now - 10, checks_ok=False)
    for t in (good, bad, marked, unlabeled, failed_checks):
        s.add(t)
    s.mark_evidence(marked.id, 2, True)
    s.mark_evidence(marked.id, 1, False)
    s.mark_evidence(bad.id, 3, True)
    s.ids = {"good": good.id, "bad": bad.id, "marked": marked.id, "unlabeled": unlabeled.id}
    yield s
    s.close()


def test_eval_export_is_a_valid_dataset_with_relevant_evidence_as_gold(store, tmp_path):
    out = tmp_path / "eval.jsonl"
    report = export(store.iter_traces(labeled_only=True), "eval", out, labeled_only=True)
    rows = _read(out)
    questions = parse_jsonl(out.read_text().splitlines(), str(out))  # the format `walkrag eval` reads
    assert len(questions) == len(rows) == report.written == 3
    by_q = {r["question"]: r for r in rows}
    assert by_q["how is sales tax computed?"]["gold"] == [{"path": "shop/pricing.py", "lines": [17, 21]}]
    assert by_q["where are coupons defined?"]["gold"] == [{"path": "shop/cart.py", "lines": [1, 16]}]
    assert by_q["what does the cart hold?"]["gold"] == [{"path": "docs/pricing.md", "lines": [1, 3]}]
    assert "how does checkout call the server?" not in by_q, "--labeled-only leaves silver traces out"


def test_silver_traces_count_without_labeled_only(store, tmp_path):
    report = export(store.iter_traces(), "eval", tmp_path / "e.jsonl")
    questions = {r["question"] for r in _read(tmp_path / "e.jsonl")}
    assert "how does checkout call the server?" in questions
    assert "what is the deployment process?" not in questions, "failed checks are not trusted"
    assert report.dropped["no gold evidence"] == 1


@pytest.mark.parametrize("fmt", ["sharegpt", "openai"])
def test_chat_exports_only_good_answers_in_their_format(store, tmp_path, fmt):
    out = tmp_path / f"{fmt}.jsonl"
    export(store.iter_traces(labeled_only=True), fmt, out, labeled_only=True)
    rows = _read(out)
    assert len(rows) == 1
    if fmt == "openai":
        assert list(rows[0]) == ["messages"]
        roles = [m["role"] for m in rows[0]["messages"]]
        assert roles == ["system", "user", "assistant"]
        assert "how is sales tax computed?" in rows[0]["messages"][1]["content"]
        assert rows[0]["messages"][-1]["content"] == "It does [1]."
    else:
        assert [m["from"] for m in rows[0]["conversations"]] == ["system", "human", "gpt"]
        assert rows[0]["id"] == f"trace-{store.ids['good']}"


def test_chat_uses_the_recorded_prompt_and_output_when_a_model_answered(tmp_path):
    store = TraceStore(tmp_path / "idx")
    messages = [{"role": "system", "content": "cite"}, {"role": "user", "content": "Q and evidence"}]
    call = LLMCall(1, "m", "answer.v1", "answer", messages, '{"answer": "x [1]"}', 10, 5, False, 3.0, True)
    store.add(make_trace("q with model", label="good", calls=[call]))
    rows, _ = build_rows(store.iter_traces(), "openai")
    assert rows[0][1]["messages"] == [*messages, {"role": "assistant", "content": '{"answer": "x [1]"}'}]


def test_assertions_drop_empty_answers_and_duplicates(tmp_path):
    store = TraceStore(tmp_path / "idx")
    now = time.time()
    store.add(make_trace("Same question?", created=now - 3, label="good", answer="first [1]."))
    store.add(make_trace("same   question?", created=now - 2, label="good", answer="second [1]."))
    store.add(make_trace("empty one", created=now - 1, label="good", answer="   "))
    rows, report = build_rows(store.iter_traces(), "sharegpt")
    assert len(rows) == 1 and rows[0][1]["conversations"][-1]["value"] == "second [1].", "the newest wins"
    assert report.dropped["duplicate"] == 1 and report.dropped["empty answer"] == 1


def test_triples_use_marks_citations_and_high_uncited_hits(tmp_path):
    store = TraceStore(tmp_path / "idx")
    ev = [evidence(1, "a.py", 1, 5, "alpha", shown=True, cited=True),
          evidence(2, "b.py", 1, 5, "beta", shown=True),
          evidence(3, "c.py", 1, 5, "gamma"),
          evidence(4, "a.py", 3, 9, "alpha overlap")]
    good = make_trace("q good", label="good", ev=ev)
    store.add(good)
    marked = make_trace("q marked", "search", ev=[evidence(1, "x.py", 1, 2, "x"), evidence(2, "y.py", 1, 2, "y"),
                                                  evidence(3, "z.py", 1, 2, "z")])
    store.add(marked)
    store.mark_evidence(marked.id, 2, True)
    store.mark_evidence(marked.id, 1, False)
    out = tmp_path / "t.jsonl"
    export(store.iter_traces(), "triples", out)
    rows = _read(out)
    pairs = {(r["query"], r["positive_ref"], r["negative_ref"]) for r in rows}
    assert pairs == {("q good", "a.py:1-5", "b.py:1-5"), ("q good", "a.py:1-5", "c.py:1-5"),
                     ("q marked", "y.py:1-2", "x.py:1-2")}, "overlapping spans are never negatives"
    assert all(r["positive"] and r["negative"] and r["positive"] != r["negative"] for r in rows)


def test_split_is_reproducible_disjoint_and_stable(tmp_path):
    store = TraceStore(tmp_path / "idx")
    for i in range(40):
        store.add(make_trace(f"question number {i}", label="good", created=time.time() + i))
    out = tmp_path / "train.jsonl"
    report = export(store.iter_traces(), "eval", out, split=0.25, seed=7)
    train = {r["question"] for r in _read(out)}
    held = {r["question"] for r in _read(heldout_path(out))}
    assert train and held and not train & held and len(train | held) == 40
    assert report.written == len(train) and report.heldout == len(held)
    again = tmp_path / "again.jsonl"
    export(store.iter_traces(), "eval", again, split=0.25, seed=7)
    assert out.read_text() == again.read_text()
    assert held == {f"question number {i}" for i in range(40) if heldout(f"question number {i}", 0.25, 7)}
    other = {f"question number {i}" for i in range(40) if heldout(f"question number {i}", 0.25, 8)}
    assert other != held, "another seed gives another split"


def test_bad_arguments(tmp_path):
    store = TraceStore(tmp_path / "idx")
    with pytest.raises(ExportError):
        export(store.iter_traces(), "csv", tmp_path / "x")
    with pytest.raises(ExportError):
        export(store.iter_traces(), "eval", tmp_path / "x", split=1.5)
