"""Recording at the Index level: ``search``, ``ask`` and ``walk`` each write a trace.

:func:`install` wraps those methods of :class:`~walkrag.index.Index`. A call made
while another is being recorded (the searches an ask or a walk runs) becomes a
step of the outer trace instead of a trace of its own. Recording never changes a
result and never raises: any failure in it is logged and the work goes on.

Off switches: ``WALKRAG_TRACES=off`` (or ``traces = "off"`` in ``walkrag.toml``),
``walkrag --no-trace ...``, or ``with walkrag.traces.paused(): ...`` in Python.
Retention: ``WALKRAG_TRACES_MAX_MB`` (default 256) and ``WALKRAG_TRACES_MAX_DAYS``
(default 90; unlabeled traces only), or ``traces_max_mb`` / ``traces_max_days``.

Traces are written inside the call by default; :func:`write_in_background` (the server's
choice) hands them to a background thread instead, and :func:`flush` waits for those.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import logging
import os
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from walkrag.traces import writer as _writer
from walkrag.traces.builder import Listener, RecordingLLM, TraceBuilder
from walkrag.traces.store import TraceStore

log = logging.getLogger("walkrag.traces")
ENV = "WALKRAG_TRACES"
OFF = {"off", "0", "false", "no", "disabled"}
PRUNE_EVERY = 100
DEFAULT_MAX_MB = 256.0
DEFAULT_MAX_DAYS = 90.0
_SECRET_WORDS = ("key", "token", "secret", "password")

_current: contextvars.ContextVar[TraceBuilder | None] = contextvars.ContextVar("walkrag_trace", default=None)
_paused: contextvars.ContextVar[bool] = contextvars.ContextVar("walkrag_trace_paused", default=False)
_listeners: contextvars.ContextVar[tuple[Listener, ...]] = contextvars.ContextVar("walkrag_trace_listeners",
                                                                                   default=())
# A recording waits at most this long for a busy traces.db, then gives up on that trace.
BUSY_TIMEOUT_MS = 1000
_stores: dict[Path, TraceStore] = {}
_stores_lock = threading.Lock()
_warned: set[str] = set()
_background = False  # see write_in_background()


@dataclass(slots=True)
class TraceSettings:
    enabled: bool = True
    max_bytes: int = int(DEFAULT_MAX_MB * 1024 * 1024)
    max_age_days: float = DEFAULT_MAX_DAYS


def _number(raw: Any, default: float) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return default


def trace_settings(root: Path | None = None) -> TraceSettings:
    """Settings from ``walkrag.toml`` in ``root`` (if any), then the environment."""
    data: dict = {}
    for name in ("walkrag.toml", ".walkrag.toml"):
        path = Path(root) / name if root else None
        if path is not None and path.is_file():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
                data = raw.get("walkrag", raw)
            except (OSError, tomllib.TOMLDecodeError):
                pass  # the index's own settings loader reports a broken file
            break
    toggle = os.environ.get(ENV) or str(data.get("traces", "on"))
    return TraceSettings(
        enabled=toggle.strip().lower() not in OFF,
        max_bytes=int(_number(os.environ.get("WALKRAG_TRACES_MAX_MB") or data.get("traces_max_mb"),
                              DEFAULT_MAX_MB) * 1024 * 1024),
        max_age_days=_number(os.environ.get("WALKRAG_TRACES_MAX_DAYS") or data.get("traces_max_days"),
                             DEFAULT_MAX_DAYS),
    )


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Record nothing inside this block (this thread/task only)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener(event, data)`` for every step and LLM call of traces started inside this block;
    the last event is ``trace`` with the stored trace's id."""
    token = _listeners.set((*_listeners.get(), listener))
    try:
        yield
    finally:
        _listeners.reset(token)


def current() -> TraceBuilder | None:
    """The trace being recorded in this context, if any (for code that wants to add a step)."""
    return _current.get()


def traces_dir(index_dir: Path) -> Path:
    """Where an index's traces live: its own folder; eval copies write into the base index's."""
    index_dir = Path(index_dir)
    if index_dir.parent.name == "eval-indexes":
        return index_dir.parent.parent
    return index_dir


def store_for(index_dir: Path) -> TraceStore:
    """The process-wide store of one traces folder (opened once; pruned when opened). Traces
    still queued for the background writer are stored first, so the caller sees all of them."""
    _writer.flush()
    return _store_for(index_dir)


def _store_for(index_dir: Path) -> TraceStore:
    folder = traces_dir(index_dir).resolve()
    with _stores_lock:
        store = _stores.get(folder)
        if store is None:
            store = TraceStore(folder, busy_timeout_ms=BUSY_TIMEOUT_MS)
            _stores[folder] = store
            store.added = 0  # type: ignore[attr-defined]
    return store


def _settings_of(idx: Any) -> TraceSettings:
    cached = idx.__dict__.get("_trace_settings")
    if cached is None:
        cached = trace_settings(getattr(idx, "_root", None))
        idx.__dict__["_trace_settings"] = cached
    if os.environ.get(ENV):  # the environment wins, and may change while a process runs
        return TraceSettings(os.environ[ENV].strip().lower() not in OFF, cached.max_bytes, cached.max_age_days)
    return cached


def _source() -> str:
    """Who asked: the eval runner, the HTTP/MCP server, the trace UI, the CLI, or Python code."""
    frame = sys._getframe(3)
    for _ in range(40):
        if frame is None:
            break
        module = frame.f_globals.get("__name__", "")
        for prefix, name in (("walkrag.evals", "eval"), ("walkrag.server", "server"),
                             ("walkrag.traces.ui", "ui"), ("walkrag.cli", "cli")):
            if module.startswith(prefix):
                return name
        frame = frame.f_back
    return "api"


def _config(idx: Any, kind: str, arguments: dict) -> dict:
    settings = getattr(idx, "settings", None)
    dumped = settings.model_dump() if hasattr(settings, "model_dump") else {}
    config: dict = {"source": _source(), "index_dir": str(getattr(idx, "index_dir", ""))}
    for name, value in arguments.items():
        if name in ("self", "on_token", "llm") or callable(value):
            continue
        if is_dataclass(value):
            value = asdict(value)
        config[name] = value if isinstance(value, str | int | float | bool | type(None) | dict | list) else repr(value)
    config["settings"] = {k: v for k, v in dumped.items()
                          if not any(w in k for w in _SECRET_WORDS) and not isinstance(v, list | dict)}
    return config


def _traced(kind: str, fn: Callable) -> Callable:
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        if _paused.get():
            return fn(self, *args, **kwargs)
        parent = _current.get()
        if parent is not None:
            return _as_step(kind, parent, fn, self, args, kwargs)
        try:
            if not _settings_of(self).enabled:
                return fn(self, *args, **kwargs)
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            question = str(next(iter(list(arguments.values())[1:2]), ""))
            builder = TraceBuilder(kind, question, _config(self, kind, arguments), _listeners.get())
            _wrap_llm(kind, self, bound, builder)
        except Exception:
            log.warning("trace recording disabled for this call", exc_info=True)
            return fn(self, *args, **kwargs)
        token = _current.set(builder)
        try:
            result = fn(*bound.args, **bound.kwargs)
        except BaseException as exc:
            _current.reset(token)
            _save(self, builder, error=exc)
            raise
        _current.reset(token)
        _save(self, builder, result=result)
        return result

    wrapper.__walkrag_traced__ = True  # type: ignore[attr-defined]
    return wrapper


def _wrap_llm(kind: str, idx: Any, bound: inspect.BoundArguments, builder: TraceBuilder) -> None:
    """Hand the work an LLM that records messages and outputs (the configured one when none is given:
    ``ask`` and ``walk`` would pick that same one themselves)."""
    if "llm" not in bound.arguments:
        return
    llm = bound.arguments["llm"]
    if llm is None and kind in ("ask", "walk") and bound.arguments.get("use_llm", True):
        from walkrag.models.llm import llm_from_settings

        llm = llm_from_settings(idx.settings)
    if llm is not None:
        bound.arguments["llm"] = RecordingLLM(llm, builder)


def _as_step(kind: str, parent: TraceBuilder, fn: Callable, idx: Any, args: tuple, kwargs: dict):
    started = time.perf_counter()
    try:
        result = fn(idx, *args, **kwargs)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            parent.add_step({"name": kind, "query": str(args[0]) if args else "", "error": f"{type(exc).__name__}"})
        raise
    try:
        ms = round((time.perf_counter() - started) * 1000, 2)
        query = str(args[0] if args else next(iter(kwargs.values()), ""))
        if kind == "search":
            from walkrag.traces.record import hit_summary

            k = args[1] if len(args) > 1 else kwargs.get("k")
            hits = list(result or [])
            parent.add_step({"name": "search", "query": query, "k": k, "n_hits": len(hits), "ms": ms,
                             "hits": hit_summary(hits)}, hits)
        else:
            parent.add_step({"name": kind, "query": query, "ms": ms,
                             "answer": getattr(result, "answer", None)},
                            list(getattr(result, "evidence", None) or []))
    except Exception:
        log.debug("could not record a step", exc_info=True)
    return result


def _save(idx: Any, builder: TraceBuilder, *, result: Any = None, error: BaseException | None = None) -> None:
    try:
        trace = builder.finish(result, error)
        store = _store_for(idx.index_dir)
        settings = _settings_of(idx)
        idx.__dict__["last_trace_id"] = trace.id
        # Listeners are told the stored trace's id and may read it at once: those traces are written now.
        if _background and not builder.listeners:
            _writer.writer(_write_failed).submit(store, trace, lambda s, _n: _after_write(s, settings))
            return
        store.add(trace)
        _after_write(store, settings)
        builder.emit("trace", {"id": trace.id, "kind": trace.kind, "question": trace.question})
    except Exception as exc:
        _write_failed(getattr(idx, "index_dir", ""), exc)


def _after_write(store: TraceStore, settings: TraceSettings) -> None:
    store.added += 1  # type: ignore[attr-defined]
    if store.added % PRUNE_EVERY == 1:  # the first write of a process, then every PRUNE_EVERY
        store.prune(max_bytes=settings.max_bytes, max_age_days=settings.max_age_days)


def _write_failed(where: Any, exc: BaseException) -> None:
    # Once per folder and kind of failure: a read-only index must not log on every search.
    key = f"{getattr(where, 'index_dir', where)}:{type(exc).__name__}"
    level = logging.DEBUG if key in _warned else logging.WARNING
    _warned.add(key)
    log.log(level, "could not record the trace (%s); the work itself is unaffected", exc)


def write_in_background(enabled: bool = True) -> None:
    """Store traces from a background thread of this process instead of inside each call
    (what a server wants: a search does not wait for SQLite). :func:`flush` waits for them."""
    global _background
    _background = enabled


def flush() -> None:
    """Wait until every trace recorded so far in this process is stored."""
    _writer.flush()


def install(cls: type) -> type:
    """Wrap ``search``, ``ask`` and ``walk`` of ``cls`` (those it has) with the recorder; idempotent."""
    for name in ("search", "ask", "walk"):
        fn = cls.__dict__.get(name)
        if callable(fn) and not getattr(fn, "__walkrag_traced__", False):
            setattr(cls, name, _traced(name, fn))
    return cls
