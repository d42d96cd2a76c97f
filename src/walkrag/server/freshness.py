"""How fresh the index is: when it was last built and whether files changed since.

Without ``--watch`` the root is compared with the index (the same size and mtime
test ``walkrag index`` uses) in the background, at most every ``interval`` seconds,
so a request never waits for the check. With ``--watch`` (watchfiles) a change is
known as soon as it happens, and the caller re-indexes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from walkrag.config import Settings
from walkrag.sources.discover import discover
from walkrag.store.sqlite import SQLiteStore

log = logging.getLogger("walkrag.server")

CHECK_INTERVAL_S = 30.0


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds") if epoch else None


def changed_files(
    root: Path, index_dir: Path, settings: Settings, limit: int = 1000
) -> tuple[list[str], float | None]:
    """Paths added, changed or deleted since the last index run, and when that run finished."""
    store = SQLiteStore(index_dir)
    try:
        known = store.file_states()
        skipped = {s.path for s in store.skips()}
        last = store.last_run()
    finally:
        store.close()
    since_ns = int(last["started"] * 1e9) if last else 0
    found = discover(
        root,
        max_file_bytes=settings.max_file_bytes,
        include_secrets=settings.include_secrets,
        extra_excludes=settings.exclude,
    )
    changed: list[str] = []
    present: set[str] = set()
    for src in found.files:
        present.add(src.path)
        state = known.get(src.path)
        if state is None:
            # A file skipped last time (empty, minified) only counts when it changed after that run.
            if src.path not in skipped or src.mtime_ns > since_ns:
                changed.append(src.path)
        elif state[1] != src.size or state[2] != src.mtime_ns:
            changed.append(src.path)
        if len(changed) >= limit:
            break
    else:
        changed.extend(p for p in known if p not in present)
    return changed[:limit], (last or {}).get("finished")


class Freshness:
    """The cached freshness of one index; :meth:`snapshot` is what every response carries."""

    def __init__(self, root: Path, index_dir: Path, settings: Settings, interval: float = CHECK_INTERVAL_S):
        self.root, self.index_dir, self.settings, self.interval = (
            Path(root),
            Path(index_dir),
            settings,
            interval,
        )
        self._lock = threading.Lock()
        self._checking = False
        self.checked_at: float | None = None
        self.last_indexed: float | None = None
        self.changed: set[str] = set()
        self.watching = False
        self.reindexing = False
        self.last_error: str | None = None
        self.last_reindex: dict | None = None

    def check(self) -> None:
        """Compare the root with the index now (blocking)."""
        try:
            changed, finished = changed_files(self.root, self.index_dir, self.settings)
        except Exception as exc:  # a vanished root or a locked index must not take the server down
            log.warning("freshness check failed: %s", exc)
            with self._lock:
                self.last_error = f"freshness check failed: {exc}"
                self._checking = False
            return
        with self._lock:
            self.changed = set(changed)
            self.last_indexed = finished
            self.checked_at = time.time()
            self._checking = False

    def _maybe_recheck(self) -> None:
        with self._lock:
            due = self.checked_at is None or time.time() - self.checked_at >= self.interval
            if self.watching or self._checking or self.reindexing or not due:
                return
            self._checking = True
        threading.Thread(target=self.check, name="walkrag-freshness", daemon=True).start()

    def mark_changed(self, paths: set[str]) -> None:
        with self._lock:
            self.changed |= paths

    def snapshot(self) -> dict:
        """Last indexed time, the stale flag and what is known about pending changes."""
        self._maybe_recheck()
        with self._lock:
            return {
                "last_indexed": _iso(self.last_indexed),
                "last_indexed_epoch": self.last_indexed,
                "stale": bool(self.changed) or self.reindexing,
                "changed_files": len(self.changed),
                "changed_sample": sorted(self.changed)[:10],
                "checked_at": _iso(self.checked_at),
                "watching": self.watching,
                "reindexing": self.reindexing,
                "last_error": self.last_error,
            }

    def headers(self) -> dict[str, str]:
        snap = self.snapshot()
        return {
            "X-Walkrag-Last-Indexed": snap["last_indexed"] or "never",
            "X-Walkrag-Stale": "true" if snap["stale"] else "false",
            "X-Walkrag-Changed-Files": str(snap["changed_files"]),
        }


def watch(
    root: Path, ignore: list[Path], on_change: Callable[[set[str]], None], stop: threading.Event
) -> None:
    """Call ``on_change`` with root-relative paths of each batch of changes until ``stop`` is set."""
    from watchfiles import DefaultFilter
    from watchfiles import watch as watch_changes

    real_root = Path(root).resolve()
    ignored = [Path(p).resolve() for p in ignore]

    class _Filter(DefaultFilter):
        def __call__(self, change, path: str) -> bool:
            p = Path(path)
            if any(p == i or p.is_relative_to(i) for i in ignored):
                return False
            return super().__call__(change, path)

    for batch in watch_changes(
        real_root, watch_filter=_Filter(), stop_event=stop, raise_interrupt=False, debounce=800, step=100
    ):
        rel: set[str] = set()
        for _change, path in batch:
            try:
                rel.add(Path(path).resolve().relative_to(real_root).as_posix())
            except ValueError:
                continue
        if rel:
            on_change(rel)
