"""A trace being recorded: steps, retrieved spans and LLM calls collect here while the work runs,
and :meth:`TraceBuilder.finish` turns the result into a :class:`~walkrag.traces.record.Trace`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from walkrag.traces.record import (
    MAX_OUTPUT_CHARS,
    LLMCall,
    Trace,
    flag_spans,
    get_field,
    hit_summary,
    jsonable,
    merge_evidence,
    new_id,
)

log = logging.getLogger("walkrag.traces")
Listener = Callable[[str, dict], None]
# Keys of a walk record that have a place of their own in the trace.
_WALK_OWN = ("steps", "evidence", "answer", "question", "citations", "checks", "calls", "facts", "threads")


class TraceBuilder:
    """Collects one trace. Thread-safe: a walk may search and call models from several threads."""

    def __init__(self, kind: str, question: str, config: dict, listeners: Sequence[Listener] = ()):
        self.created = time.time()
        self.id = new_id(self.created)
        self.kind = kind
        self.question = question
        self.config = config
        self._t0 = time.perf_counter()
        self._lock = threading.Lock()
        self.steps: list[dict] = []
        self.retrieved: list[tuple[int | None, list]] = []
        self.calls: list[LLMCall] = []
        self.listeners = list(listeners)

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self._t0) * 1000, 2)

    def emit(self, event: str, data: dict) -> None:
        for listener in self.listeners:
            try:
                listener(event, data)
            except Exception:  # a closed live page must not break the work it watches
                log.debug("trace listener failed", exc_info=True)

    # -- while the work runs ------------------------------------------------------------------------
    def add_step(self, step: dict, hits: list | None = None) -> dict:
        with self._lock:
            step = {"i": len(self.steps) + 1, "at_ms": self.elapsed_ms(), **step}
            self.steps.append(step)
            if hits:
                self.retrieved.append((step["i"], list(hits)))
        self.emit("step", step)
        return step

    def add_call(self, messages: Sequence[dict], output: str | None, record: Any = None, *,
                 prompt_version: str | None = None, purpose: str | None = None, error: str | None = None) -> None:
        rec = jsonable(record) if record is not None else {}
        with self._lock:
            call = LLMCall(
                seq=len(self.calls) + 1, model=rec.get("model"),
                prompt_version=rec.get("prompt_version") or prompt_version, purpose=rec.get("purpose") or purpose,
                messages=[{"role": str(m.get("role", "")), "content": str(m.get("content", ""))} for m in messages],
                output=None if output is None else output[:MAX_OUTPUT_CHARS],
                prompt_tokens=int(rec.get("prompt_tokens") or 0), completion_tokens=int(rec.get("completion_tokens") or 0),
                usage_estimated=bool(rec.get("usage_estimated", True)), latency_ms=float(rec.get("latency_ms") or 0.0),
                ok=error is None and bool(rec.get("ok", True)), error=error or rec.get("error"),
            )
            self.calls.append(call)
        self.emit("llm", {k: v for k, v in call.as_dict().items() if k != "messages"})

    # -- at the end ---------------------------------------------------------------------------------
    def finish(self, result: Any = None, error: BaseException | None = None) -> Trace:
        trace = Trace(id=self.id, kind=self.kind, question=self.question, created=self.created,
                      duration_ms=self.elapsed_ms(), config=self.config)
        if error is not None:
            trace.status = "error"
            trace.error = f"{type(error).__name__}: {error}"[:2000]
        elif self.kind == "search":
            self._finish_search(trace, result)
        elif self.kind == "walk" or getattr(result, "record", None) is not None:
            self._finish_walk(trace, result)  # an ask may be routed through the walk
        else:
            self._finish_answer(trace, result)
        trace.steps = trace.steps or list(self.steps)
        if not trace.evidence:
            trace.evidence = merge_evidence(self.retrieved)
        trace.calls = trace.calls or list(self.calls)
        _attach_prompts(trace)
        return trace

    def _finish_search(self, trace: Trace, hits: Any) -> None:
        hits = list(hits or [])
        trace.steps = [{"i": 1, "name": "search", "query": self.question, "k": self.config.get("k"),
                        "n_hits": len(hits), "ms": trace.duration_ms, "hits": hit_summary(hits)}]
        trace.evidence = merge_evidence([(1, hits)])

    def _finish_answer(self, trace: Trace, result: Any) -> None:
        data = jsonable(result)
        if not isinstance(data, dict):
            trace.detail = {"result": data}
            return
        trace.answer = data.get("answer")
        trace.checks_ok = data.get("checks_ok")
        shown = list(getattr(result, "evidence", None) or [])
        trace.evidence = merge_evidence([*self.retrieved, (None, shown)])
        flag_spans(trace.evidence, shown, "shown")
        flag_spans(trace.evidence, list(getattr(result, "citations", None) or []), "cited")
        usage = dict(data.get("usage") or {})
        calls = usage.pop("calls", None) or data.get("calls") or []
        trace.detail = {k: data.get(k) for k in ("citations", "checks", "failed_checks", "llm_used", "note",
                                                  "sufficient", "model", "prompt_version", "llm_error", "timings")}
        trace.detail["usage"] = usage
        steps = list(self.steps)
        timings = data.get("timings") or {}
        steps.append({"i": len(steps) + 1, "name": "answer", "llm_used": data.get("llm_used"),
                      "model": data.get("model"), "shown": len(shown), "cited": len(data.get("citations") or []),
                      "ms": timings.get("generate_ms", timings.get("extract_ms"))})
        steps.append({"i": len(steps) + 1, "name": "check", "ok": data.get("checks_ok"),
                      "failed": data.get("failed_checks") or []})
        trace.steps = steps
        trace.calls = list(self.calls) or _calls_from_records(calls)

    def _finish_walk(self, trace: Trace, result: Any) -> None:
        record = getattr(result, "record", None)
        rec = jsonable(record) if record is not None else {}
        if not isinstance(rec, dict):
            rec = {"record": rec}
        data = jsonable(result)
        data = data if isinstance(data, dict) else {}

        def pick(name: str, default=None):
            value = getattr(result, name, None)
            if value is None:
                value = rec.get(name, data.get(name))
            return default if value is None else value

        answer = pick("answer")
        trace.answer = answer if isinstance(answer, str) else None
        checks = jsonable(pick("checks", []))
        if getattr(result, "ok", None) is not None:
            trace.checks_ok = bool(result.ok)
        elif checks:
            trace.checks_ok = all(c.get("ok", True) for c in checks if isinstance(c, dict))
        walk_steps = [s if isinstance(s, dict) else {"value": s} for s in (rec.get("steps") or [])]
        for i, step in enumerate(walk_steps, 1):
            step.setdefault("i", i)
            step.setdefault("name", step.get("kind") or step.get("action") or f"step {i}")
        trace.steps = walk_steps or list(self.steps)
        kept = list(pick("evidence", []) or [])
        step_hits = [(s["i"], s.get("evidence") or s.get("hits") or []) for s in walk_steps]
        trace.evidence = merge_evidence([(None, kept), *step_hits, *self.retrieved])
        # Padding the walk added from a plain search ("unread") was never in front of the answer.
        flag_spans(trace.evidence, [e for e in kept if get_field(e, "status") != "unread"], "shown")
        flag_spans(trace.evidence, list(pick("citations", []) or []), "cited")
        rest = {k: v for k, v in rec.items() if k not in _WALK_OWN}
        trace.detail = {
            "facts": jsonable(pick("facts", [])), "threads": jsonable(pick("threads", [])),
            "citations": jsonable(pick("citations", [])), "checks": checks, "record": rest,
            **{k: data.get(k) for k in ("note", "llm_used", "model", "prompt_version", "llm_error", "timings",
                                        "sufficient") if data.get(k) is not None},
        }
        if walk_steps:
            trace.detail["searches"] = list(self.steps)
        calls = pick("calls", [])
        trace.calls = list(self.calls) or _calls_from_records(jsonable(calls) if isinstance(calls, list) else [])


def _calls_from_records(records: list) -> list[LLMCall]:
    """Calls known only by their :class:`~walkrag.models.llm.CallRecord` (no messages were captured)."""
    out = []
    for i, r in enumerate(records, 1):
        if isinstance(r, dict):
            out.append(LLMCall(
                seq=i, model=r.get("model"), prompt_version=r.get("prompt_version"), purpose=r.get("purpose"),
                messages=[], output=None, prompt_tokens=int(r.get("prompt_tokens") or 0),
                completion_tokens=int(r.get("completion_tokens") or 0),
                usage_estimated=bool(r.get("usage_estimated", True)), latency_ms=float(r.get("latency_ms") or 0.0),
                ok=bool(r.get("ok", True)), error=r.get("error"),
            ))
    return out


def _attach_prompts(trace: Trace) -> None:
    """The template text of each prompt version used, so the trace shows what the model was told."""
    from walkrag import prompts

    found = {}
    for call in trace.calls:
        pv = call.prompt_version or ""
        name, _, version = pv.rpartition(".v")
        if name and version.isdigit() and pv not in found:
            try:
                found[pv] = prompts.load(name, int(version)).sections
            except Exception:  # a template that is gone or renamed: the messages still show what was sent
                continue
    if found:
        trace.detail["prompts"] = found


class RecordingLLM:
    """Wraps an LLM so that each call's messages and output land in the trace being recorded."""

    def __init__(self, inner: Any, builder: TraceBuilder):
        self._inner = inner
        self._builder = builder

    @property
    def model(self) -> str:
        return self._inner.model

    @property
    def context_window(self) -> int:
        return self._inner.context_window

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def complete(self, messages, **kwargs):
        try:
            completion = self._inner.complete(messages, **kwargs)
        except Exception as exc:
            records = getattr(exc, "records", None) or [None]
            self._safe(messages, None, records[-1], kwargs, f"{type(exc).__name__}: {exc}")
            raise
        self._safe(messages, getattr(completion, "text", None), getattr(completion, "record", None), kwargs, None)
        return completion

    def _safe(self, messages, output, record, kwargs, error) -> None:
        try:
            self._builder.add_call(list(messages), output, record, prompt_version=kwargs.get("prompt_version"),
                                   purpose=kwargs.get("purpose"), error=error)
        except Exception:
            log.debug("could not record an LLM call", exc_info=True)
