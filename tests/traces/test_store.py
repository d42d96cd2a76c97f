"""The traces database: listing, labels, evidence marks, retention."""

from __future__ import annotations

import time

import pytest
from trace_helpers import make_trace

from walkrag.traces import TraceError, TraceStore


@pytest.fixture
def store(tmp_path):
    s = TraceStore(tmp_path / "idx")
    yield s
    s.close()


def test_list_is_newest_first_and_filters(store):
    now = time.time()
    store.add(make_trace("old search", "search", created=now - 30))
    store.add(make_trace("middle ask", created=now - 20))
    store.add(make_trace("new walk", "walk", created=now - 10))
    assert [r["question"] for r in store.list()] == ["new walk", "middle ask", "old search"]
    assert [r["question"] for r in store.list(kind="search")] == ["old search"]
    assert [r["question"] for r in store.list(text="ask")] == ["middle ask"]
    assert [r["question"] for r in store.list(limit=1, offset=1)] == ["middle ask"]
    assert store.count() == 3 and store.count(kind="walk") == 1


def test_label_note_and_marks_persist(store):
    t = make_trace("where is tax computed?")
    store.add(t)
    store.set_label(t.id, "good", "found pricing.py first")
    store.mark_evidence(t.id, 2, False)
    store.mark_evidence(t.id, 1, True)
    got = store.get(t.id)
    assert (got.label, got.note) == ("good", "found pricing.py first") and got.labeled_at
    assert [e.relevant for e in got.evidence] == [True, False, None]
    store.set_label(t.id, "bad", keep_note=True)
    assert store.get(t.id).note == "found pricing.py first"
    store.set_label(t.id, None)
    assert store.get(t.id).label is None
    assert [r["id"] for r in store.list(label="labeled")] == [t.id], "evidence marks count as labels"
    store.mark_evidence(t.id, 1, None)
    store.mark_evidence(t.id, 2, None)
    assert store.list(label="labeled") == [] and len(store.list(label="unlabeled")) == 1


def test_bad_labels_and_missing_things_are_refused(store):
    t = make_trace("q")
    store.add(t)
    with pytest.raises(ValueError):
        store.set_label(t.id, "meh")
    with pytest.raises(TraceError):
        store.set_label("nope", "good")
    with pytest.raises(TraceError):
        store.mark_evidence(t.id, 99, True)
    with pytest.raises(TraceError):
        store.get("nope")


def test_neighbours_follow_list_order(store):
    now = time.time()
    ids = []
    for i in range(3):
        t = make_trace(f"q{i}", created=now + i)
        store.add(t)
        ids.append(t.id)
    assert store.neighbours(ids[1]) == (ids[2], ids[0])
    assert store.neighbours(ids[2]) == (None, ids[1])


def test_retention_by_age_keeps_labeled_traces(store):
    now = time.time()
    old, old_labeled, old_marked, fresh = (make_trace(f"q{i}", created=now - 100 * 86400 + i) for i in range(4))
    fresh.created = now
    for t in (old, old_labeled, old_marked, fresh):
        store.add(t)
    store.set_label(old_labeled.id, "bad")
    store.mark_evidence(old_marked.id, 1, True)
    assert store.prune(max_age_days=90, now=now) == 1
    assert {r["id"] for r in store.list()} == {old_labeled.id, old_marked.id, fresh.id}


def test_retention_by_size_drops_oldest_unlabeled_first(store):
    now = time.time()
    traces = [make_trace(f"question {i}", created=now + i) for i in range(6)]
    sizes = [store.add(t) for t in traces]
    store.set_label(traces[0].id, "good")
    cap = sum(sizes[3:]) + sizes[0]  # room for the labeled one and the three newest
    removed = store.prune(max_bytes=cap)
    assert removed == 2
    assert {r["id"] for r in store.list()} == {traces[0].id, *(t.id for t in traces[3:])}
    assert store.stats()["bytes"] <= cap


def test_retention_runs_while_recording(idx, monkeypatch):
    from walkrag.traces import recorder

    monkeypatch.setenv("WALKRAG_TRACES_MAX_MB", "0.02")  # ~20 KB: a handful of searches
    monkeypatch.setattr(recorder, "PRUNE_EVERY", 5)
    for i in range(30):
        idx.search(f"cart total {i}", 10)
    store = recorder.store_for(idx.index_dir)
    assert store.stats()["bytes"] <= 0.02 * 1024 * 1024 + 10 * store.stats()["bytes"] / max(store.count(), 1)
    assert store.count() < 30
    assert store.list(limit=1)[0]["question"] == "cart total 29", "the newest survive"
