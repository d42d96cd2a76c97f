"""Traces written from a background thread (what the server does): none lost, none out of order."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from walkrag.traces import TraceStore, flush, recorder, store_for, write_in_background


@pytest.fixture
def background(monkeypatch):
    monkeypatch.setattr(recorder, "_background", False)
    write_in_background()
    yield
    flush()


def test_background_traces_are_all_visible_through_store_for(idx, background):
    ids = []
    for q in ("cart total", "sales tax", "discount coupon", "region"):
        idx.search(q, 3)
        ids.append(idx.last_trace_id)
    rows = store_for(idx.index_dir).list()
    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert {r["question"] for r in rows} == {"cart total", "sales tax", "discount coupon", "region"}
    trace = store_for(idx.index_dir).get(ids[0])
    assert trace.kind == "search" and trace.evidence


def test_searches_from_many_threads_are_all_recorded(idx, background):
    # One Index serves one thread at a time (one SQLite connection); the recorder and its queue are shared.
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(5):
            with lock:
                idx.search(f"cart total {n} {i}", 2)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store_for(idx.index_dir).count() == 20


def test_a_failed_write_is_logged_and_later_traces_still_land(idx, background, monkeypatch, caplog):
    real = TraceStore.add_many
    calls = {"n": 0}

    def flaky(self, traces):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(self, traces)

    monkeypatch.setattr(TraceStore, "add_many", flaky)
    hits = idx.search("cart total", 3)
    assert hits, "the search itself is unaffected"
    flush()
    assert "could not record the trace" in caplog.text
    idx.search("sales tax", 3)
    questions = [r["question"] for r in store_for(idx.index_dir).list()]
    assert questions == ["sales tax"]


def test_nothing_is_lost_when_the_process_exits(indexed):
    script = textwrap.dedent(
        f"""
        import walkrag
        from walkrag.traces import write_in_background
        write_in_background()
        with walkrag.open({str(indexed)!r}) as idx:
            for i in range(30):
                idx.search(f"cart total {{i}}", 3)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    store = TraceStore(indexed / ".walkrag")
    assert store.count() == 30
    store.close()
