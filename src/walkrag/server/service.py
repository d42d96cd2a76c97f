"""One index, served: the read-only operations both the HTTP API and the MCP server expose.

Each :class:`~walkrag.index.Index` (one SQLite connection, one set of loaded
indexes) serves one thread at a time, so the service keeps small pools of them:
a few for searches and one for quick lookups. A re-index runs in a background
thread against its own connection; requests go on against the old readers until
new ones are warm, then they are swapped in one by one. An index run finished by
anyone else (another server process, ``walkrag index``) is noticed within
``FOLLOW_INTERVAL_S`` and swapped in the same way. Traces are written from a
background thread, and :meth:`IndexService.close` waits for them.
"""

from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from walkrag.index import Index, open_index
from walkrag.indexing import run_index
from walkrag.server.confine import ConfinementError, check_relative, resolve_inside
from walkrag.server.freshness import CHECK_INTERVAL_S, Freshness, watch
from walkrag.traces import recorder

log = logging.getLogger("walkrag.server")
CHECK_INTERVAL_ENV = "WALKRAG_SERVER_CHECK_INTERVAL"
FOLLOW_INTERVAL_S = 1.0  # how often a server looks for an index run it did not make itself


class Limits:
    """Bounds on what one request may ask for and get back."""

    max_query_chars = 2000
    max_k = 100
    max_graph_results = 500
    max_span_lines = 2000
    max_span_bytes = 256 * 1024
    max_list_files = 5000
    max_body_bytes = 64 * 1024
    search_timeout_s = 30.0
    ask_timeout_s = 180.0


class Busy(TimeoutError):
    """Every reader stayed busy for longer than a request may wait."""


class _Pool:
    """A few :class:`Index` objects, each used by one thread at a time (one SQLite connection each)."""

    def __init__(self, indexes: list[Index]):
        self._free: queue.SimpleQueue[Index] = queue.SimpleQueue()
        self._all = list(indexes)
        self._guard = threading.Lock()
        for idx in indexes:
            self._free.put(idx)

    @contextmanager
    def use(self, wait: float) -> Iterator[Index]:
        try:
            idx = self._free.get(timeout=wait)
        except queue.Empty as exc:
            raise Busy(f"the server is busy: no reader free within {wait:.0f} s") from exc
        try:
            yield idx
        finally:
            self._free.put(idx)

    def replace(self, fresh: list[Index]) -> None:
        """Swap in ``fresh`` one reader at a time; requests keep being served meanwhile."""
        with self._guard:
            for new in fresh:
                old = self._free.get()
                self._free.put(new)
                self._all.remove(old)
                self._all.append(new)
                old.close()

    def close(self) -> None:
        with self._guard:
            for idx in self._all:
                idx.close()


def single_threaded_math() -> None:
    """One BLAS thread per process. A server runs several requests at once on few cores; BLAS
    threads splitting each small matrix-vector product, then spinning while they wait for more,
    take cores from the other requests (measured on 2 cores, Django index: 34 ms of CPU per
    search with OpenBLAS's default of one thread per core, 16 ms with one thread; the wall time
    fell too, 27 to 16 ms). Results are the same up to float rounding."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n… (clipped: read the span for the rest)"


def _bounded(value: int, low: int, high: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}")
    return value


def _query(text: object, name: str = "q") -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must be a non-empty string")
    if len(text) > Limits.max_query_chars:
        raise ValueError(f"{name} is longer than {Limits.max_query_chars} characters")
    if "\x00" in text:
        raise ValueError(f"{name} contains a NUL byte")
    return text


class IndexService:
    """Read-only access to one index, plus background re-indexing and freshness."""

    def __init__(self, index: Index, *, workers: int = 2, check_interval: float = CHECK_INTERVAL_S):
        self.root: Path = index.root.resolve()
        self.index_dir = Path(index.index_dir).resolve()
        self.settings = index.settings
        self.workers = max(1, workers)
        # Searches hold a reader for tens of milliseconds; symbol lookups, spans and file lists
        # take a fraction of one, so they get their own reader and never queue behind searches.
        self._run_seen = self._last_run()
        self._search = _Pool([index] + [self._open() for _ in range(self.workers - 1)])
        self._graph = _Pool([self._open()])
        self._reindex_lock = threading.Lock()
        self._again = False
        self._stop = threading.Event()
        self.freshness = Freshness(self.root, self.index_dir, self.settings, check_interval)
        self.freshness.check()
        recorder.write_in_background()  # a search answers without waiting for traces.db
        threading.Thread(target=self._follow, name="walkrag-follow", daemon=True).start()

    @classmethod
    def open(
        cls, index_dir: Path | None = None, root: Path | None = None, *, workers: int = 2
    ) -> IndexService:
        """Open an index for serving; ``WALKRAG_SERVER_CHECK_INTERVAL`` sets how often staleness is checked.

        Also limits this process's BLAS to one thread (see :func:`single_threaded_math`)."""
        single_threaded_math()
        interval = float(os.environ.get(CHECK_INTERVAL_ENV) or CHECK_INTERVAL_S)
        return cls(open_index(root, index_dir=index_dir), workers=workers, check_interval=max(interval, 0.1))

    def _open(self) -> Index:
        return open_index(self.root, index_dir=self.index_dir)

    @contextmanager
    def reading(self, lane: str = "search") -> Iterator[Index]:
        """An index to read from: ``search`` for retrieval, ``graph`` for quick lookups."""
        pool = self._search if lane == "search" else self._graph
        with pool.use(Limits.search_timeout_s) as idx:
            yield idx

    def warm(self) -> None:
        """Load the models and indexes now, so the first request is not the slow one."""
        for _ in range(self.workers):
            with self.reading() as idx:
                idx.searcher()

    # -- retrieval ---------------------------------------------------------------
    def search(self, q: str, k: int = 10, *, snippet_chars: int | None = None) -> list[dict]:
        """The ``search --json`` shape; with ``snippet_chars``, each hit also has ``ref`` and clipped ``text``."""
        q, k = _query(q), _bounded(k, 1, Limits.max_k, "k")
        with self.reading() as idx:
            hits = idx.search(q, k)
        if snippet_chars is None:
            return [h.as_result() for h in hits]
        return [
            {
                "ref": f"{h.path}:{h.start_line}-{h.end_line}",
                **h.as_result(),
                "text": _clip(h.text, snippet_chars),
            }
            for h in hits
        ]

    def _locked_search(self, query: str, k: int):
        with self.reading() as idx:
            return idx.search(query, k)

    def ask(
        self,
        question: str,
        k: int = 8,
        *,
        use_llm: bool = True,
        on_token: Callable[[str], None] | None = None,
    ) -> dict:
        """The ``ask --json`` shape. The model call runs outside the index lock."""
        from walkrag.answer import answer_question
        from walkrag.models.llm import llm_from_settings

        question, k = _query(question, "question"), _bounded(k, 1, 50, "k")
        llm, reason = None, "--no-llm" if not use_llm else None
        if use_llm:
            llm = llm_from_settings(self.settings)
            if llm is None:
                reason = (
                    "no LLM model configured: set WALKRAG_LLM_MODEL"
                    if self.settings.llm_base_url
                    else "no LLM configured: set WALKRAG_LLM_BASE_URL and WALKRAG_LLM_MODEL"
                )
        result = answer_question(
            question, self._locked_search, llm=llm, k=k, no_llm_reason=reason, on_token=on_token
        )
        return result.as_dict()

    def walk(self, question: str) -> dict:
        question = _query(question, "question")
        with self.reading() as idx:
            return idx.walk(question).as_dict()

    # -- code graph -----------------------------------------------------------------
    def symbols(self, name: str, k: int = 10) -> list[dict]:
        name, k = _query(name, "name"), _bounded(k, 1, Limits.max_k, "k")
        with self.reading("graph") as idx:
            return [m.as_dict() if hasattr(m, "as_dict") else m for m in idx.symbols(name, k)]

    def refs(self, symbol: str, k: int = 200) -> list[dict]:
        symbol, k = _query(symbol, "symbol"), _bounded(k, 1, Limits.max_graph_results, "k")
        with self.reading("graph") as idx:
            return idx.refs(symbol, k)

    def calls(self, symbol: str, k: int = 200) -> list[dict]:
        symbol, k = _query(symbol, "symbol"), _bounded(k, 1, Limits.max_graph_results, "k")
        with self.reading("graph") as idx:
            return idx.calls(symbol, k)

    def related(self, path: str, line: int | None = None, k: int = 60) -> list[dict]:
        rel = check_relative(path)
        if line is not None:
            _bounded(line, 1, 10**9, "line")
        k = _bounded(k, 1, Limits.max_graph_results, "k")
        with self.reading("graph") as idx:
            return idx.related(rel, line, k)

    # -- files ------------------------------------------------------------------------
    def _indexed(self, *paths: str) -> bool:
        with self.reading("graph") as idx:
            db = idx.store.db
            return any(db.execute("SELECT 1 FROM files WHERE path=?", (p,)).fetchone() for p in paths)

    def span(self, path: str, start: int = 1, end: int | None = None) -> dict:
        """Lines ``start``-``end`` (1-based, inclusive) of an indexed file under the root."""
        target, rel = resolve_inside(self.root, path)
        real_rel = target.relative_to(self.root).as_posix()
        if not self._indexed(rel, real_rel):
            raise ConfinementError(f"{rel} is not an indexed file (only indexed files can be read)", 404)
        start = _bounded(start, 1, 10**9, "start")
        end = start + Limits.max_span_lines - 1 if end is None else _bounded(end, 1, 10**9, "end")
        if end < start:
            raise ValueError("end must be at least start")
        clipped = end - start + 1 > Limits.max_span_lines
        if clipped:
            end = start + Limits.max_span_lines - 1
        truncated = False
        lines: list[str] = []
        size = total = 0
        with open(target, encoding="utf-8", errors="replace") as fh:
            for total, line in enumerate(fh, 1):
                if start <= total <= end and not truncated:
                    size += len(line)
                    truncated = size > Limits.max_span_bytes
                    if not truncated:
                        lines.append(line.rstrip("\r\n"))
        if start > max(total, 1):
            raise ValueError(f"start {start} is past the end of {rel} ({total} lines)")
        last = start + len(lines) - 1 if lines else start
        return {
            "path": rel,
            "start_line": start,
            "end_line": last,
            "ref": f"{rel}:{start}-{last}",
            "total_lines": total,
            "truncated": truncated or (clipped and total > end),
            "text": "\n".join(lines),
        }

    def list_files(
        self, prefix: str | None = None, language: str | None = None, limit: int = 500
    ) -> list[dict]:
        limit = _bounded(limit, 1, Limits.max_list_files, "limit")
        sql, args = "SELECT path, language, format, size, n_chunks FROM files", []
        where = []
        if prefix:
            clean = check_relative(prefix).rstrip("/")
            where.append("(path = ? OR path LIKE ? ESCAPE '\\')")
            escaped = clean.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args += [clean, escaped + "/%"]
        if language:
            where.append("language = ?")
            args.append(str(language)[:64])
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY path LIMIT ?"
        args.append(limit)
        with self.reading("graph") as idx:
            return [dict(r) for r in idx.store.db.execute(sql, args)]

    def status(self) -> dict:
        with self.reading("graph") as idx:
            return idx.status()

    # -- re-indexing ----------------------------------------------------------------------
    def reindex(self) -> dict:
        """Start a background re-index; a request during one queues exactly one more run."""
        if not self._reindex_lock.acquire(blocking=False):
            self._again = True
            return {"started": False, "queued": True, "reason": "a re-index is already running"}
        self.freshness.reindexing = True
        threading.Thread(target=self._reindex_loop, name="walkrag-reindex", daemon=True).start()
        return {"started": True, "queued": False, "reason": None}

    def _reindex_loop(self) -> None:
        try:
            while True:
                self._again = False
                self._reindex_once()
                if not self._again or self._stop.is_set():
                    break
        finally:
            self.freshness.reindexing = False
            self._reindex_lock.release()
            self.freshness.check()

    def _reindex_once(self) -> None:
        try:
            stats = run_index(self.root, self.index_dir, self.settings)
            self._swap_readers()
        except Exception as exc:  # reported in freshness; the old index keeps serving
            log.warning("re-index failed: %s", exc)
            self.freshness.last_error = f"re-index failed: {exc}"
            return
        self.freshness.last_error = None
        self.freshness.last_reindex = stats.as_dict()

    def _swap_readers(self) -> None:
        """Open and warm readers of the index as it is now, then swap them in."""
        seen = self._last_run()
        fresh = [self._open() for _ in range(self.workers)]
        for idx in fresh:
            idx.searcher()
        self._search.replace(fresh)
        self._graph.replace([self._open()])
        self._run_seen = seen

    def _last_run(self) -> int | None:
        """The id of the newest finished index run (None when it cannot be read)."""
        try:
            db = sqlite3.connect(f"file:{self.index_dir / 'index.db'}?mode=ro", uri=True, timeout=1)
            try:
                row = db.execute("SELECT MAX(id) FROM runs WHERE finished IS NOT NULL").fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def _follow(self) -> None:
        """Swap in an index run finished by another process (a second server worker, ``walkrag index``)."""
        while not self._stop.wait(FOLLOW_INTERVAL_S):
            latest = self._last_run()
            if latest is None or latest == self._run_seen or not self._reindex_lock.acquire(blocking=False):
                continue
            try:
                if self._stop.is_set():
                    return
                self._swap_readers()
                log.info("serving index run %s, made by another process", latest)
            except Exception as exc:  # the readers already open keep serving until the next run
                log.warning("could not open the newer index: %s", exc)
                self._run_seen = latest
            finally:
                self._reindex_lock.release()
            self.freshness.check()

    def start_watching(self) -> None:
        """Re-index in the background whenever files under the root change."""

        def changed(paths: set[str]) -> None:
            self.freshness.mark_changed(paths)
            self.reindex()

        self.freshness.watching = True
        threading.Thread(
            target=watch,
            args=(self.root, [self.index_dir], changed, self._stop),
            name="walkrag-watch",
            daemon=True,
        ).start()

    def close(self) -> None:
        """Stop background work, store every trace still queued, close the readers."""
        self._stop.set()
        recorder.flush()
        self._search.close()
        self._graph.close()
