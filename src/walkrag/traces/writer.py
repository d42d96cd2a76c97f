"""Trace writes off the request path: one background thread per process stores finished traces.

A server turns this on (:func:`walkrag.traces.recorder.write_in_background`) so that a search
answers without waiting for SQLite, and so that traces queued while the database is busy are
written together in one transaction. Nothing is dropped: when ``MAX_PENDING`` traces are
waiting, the next recording waits for room; :meth:`TraceWriter.flush` waits for every queued
trace to be stored, and runs at interpreter exit and whenever a store is taken with
:func:`~walkrag.traces.recorder.store_for`, so readers in this process see every trace
recorded before they looked.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("walkrag.traces")
MAX_PENDING = 1000  # traces waiting to be written before recording waits (back-pressure, not loss)
MAX_BATCH = 64  # traces written in one transaction

# (store, trace, after): ``after(store, n)`` runs once the batch holding the trace is stored.
Job = tuple[Any, Any, Callable[[Any, int], None] | None]


class TraceWriter:
    """A queue of finished traces and the thread that stores them, in order."""

    def __init__(self, on_error: Callable[[Any, BaseException], None]):
        self._queue: queue.Queue[Job] = queue.Queue(maxsize=MAX_PENDING)
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._on_error = on_error

    def submit(self, store: Any, trace: Any, after: Callable[[Any, int], None] | None = None) -> None:
        """Queue ``trace`` for ``store`` (a :class:`~walkrag.traces.store.TraceStore`)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._start:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="walkrag-traces", daemon=True)
                    self._thread.start()
        self._queue.put((store, trace, after))

    def flush(self) -> None:
        """Return once every trace queued so far is stored (or its failure logged)."""
        thread = self._thread
        if thread is None or thread is threading.current_thread() or not thread.is_alive():
            return
        self._queue.join()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _write(self, batch: list[Job]) -> None:
        by_store: dict[int, list[Job]] = {}
        for job in batch:
            by_store.setdefault(id(job[0]), []).append(job)
        for jobs in by_store.values():
            store = jobs[0][0]
            try:
                store.add_many([trace for _store, trace, _after in jobs])
            except Exception as exc:  # logged like a synchronous write's failure; the work went on
                self._on_error(store, exc)
                continue
            for _store, _trace, after in jobs:
                if after is not None:
                    try:
                        after(store, 1)
                    except Exception:
                        log.debug("after-write hook failed", exc_info=True)


_writer: TraceWriter | None = None
_writer_lock = threading.Lock()


def writer(on_error: Callable[[Any, BaseException], None]) -> TraceWriter:
    """The process's writer (created on first use; flushed at exit)."""
    global _writer
    with _writer_lock:
        if _writer is None:
            _writer = TraceWriter(on_error)
            atexit.register(_writer.flush)
        return _writer


def flush() -> None:
    """Wait until every trace queued in this process is stored; a no-op when none ever was."""
    if _writer is not None:
        _writer.flush()
