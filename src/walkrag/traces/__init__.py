"""Traces: every search, ask, walk and eval question, recorded so that a person can look at it,
label it, and turn it into evaluation and fine-tuning data.

* :mod:`~walkrag.traces.recorder` wraps ``Index.search/ask/walk`` and writes each call to
  ``<index_dir>/traces.db`` (:mod:`~walkrag.traces.store`, numbered migrations); a server
  writes them from a background thread (:mod:`~walkrag.traces.writer`);
* :mod:`~walkrag.traces.export` turns labeled traces into eval datasets, chat JSONL and triples;
* :mod:`~walkrag.traces.ui` is the web UI of ``walkrag ui``; :mod:`~walkrag.traces.otel` sends
  traces to OpenTelemetry with the OpenInference conventions (Phoenix, Langfuse).

In Python::

    with walkrag.open(root) as idx:
        idx.search("where are taxes computed?")
        store = walkrag.traces.store_for(idx.index_dir)
        newest = store.list(limit=1)[0]
        store.set_label(newest["id"], "good", "found pricing.py first")
"""

from walkrag.traces.record import LLMCall, Trace, TraceEvidence
from walkrag.traces.recorder import (
    flush,
    install,
    listening,
    paused,
    store_for,
    trace_settings,
    write_in_background,
)
from walkrag.traces.store import TraceError, TraceStore

__all__ = [
    "LLMCall", "Trace", "TraceError", "TraceEvidence", "TraceStore",
    "flush", "install", "listening", "paused", "store_for", "trace_settings", "write_in_background",
]
