"""The records a trace is made of, and the helpers that turn search/answer/walk results into them.

Everything here is tolerant of shape: a hit may be a :class:`~walkrag.retrieval.search.Hit`,
an :class:`~walkrag.answer.context.Evidence`, a walk's evidence object or a plain dict.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_EVIDENCE = 60
MAX_TEXT_CHARS = 12_000
MAX_OUTPUT_CHARS = 50_000


def new_id(now: float | None = None) -> str:
    """A short id that sorts by creation time: milliseconds in hex, then 4 random hex digits."""
    ms = int((now if now is not None else time.time()) * 1000)
    return f"{ms:011x}{os.urandom(2).hex()}"


@dataclass(slots=True)
class TraceEvidence:
    """One span a trace retrieved. ``shown``: given to the model; ``cited``: the answer cites it;
    ``relevant``: a person's mark (None until marked)."""

    rank: int
    path: str
    start_line: int
    end_line: int
    text: str = ""
    score: float | None = None
    symbol: str | None = None
    kind: str | None = None
    language: str | None = None
    header: str | None = None
    why: dict = field(default_factory=dict)
    step: int | None = None
    shown: bool = False
    cited: bool = False
    relevant: bool | None = None

    @property
    def ref(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def overlaps(self, path: str, start: int, end: int) -> bool:
        return self.path == path and self.start_line <= end and start <= self.end_line

    def as_dict(self) -> dict:
        return {**asdict(self), "ref": self.ref}


@dataclass(slots=True)
class LLMCall:
    """One request to a model, with what was sent and what came back."""

    seq: int
    model: str | None
    prompt_version: str | None
    purpose: str | None
    messages: list[dict]
    output: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_estimated: bool = True
    latency_ms: float = 0.0
    ok: bool = True
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Trace:
    """One search, ask, walk or eval question, as recorded.

    ``steps`` are what happened in order (each a dict with at least ``name``);
    ``detail`` holds the rest of the result: citations, checks, facts, threads,
    timings, the note, the prompt templates used, the walk record's other parts.
    """

    id: str
    kind: str
    question: str
    created: float
    duration_ms: float = 0.0
    status: str = "ok"
    error: str | None = None
    answer: str | None = None
    checks_ok: bool | None = None
    config: dict = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)
    detail: dict = field(default_factory=dict)
    evidence: list[TraceEvidence] = field(default_factory=list)
    calls: list[LLMCall] = field(default_factory=list)
    label: str | None = None
    note: str | None = None
    labeled_at: float | None = None

    def summary(self) -> dict:
        """The ``traces list --json`` shape."""
        return {
            "id": self.id, "kind": self.kind, "question": self.question, "created": self.created,
            "duration_ms": self.duration_ms, "status": self.status, "checks_ok": self.checks_ok,
            "n_evidence": len(self.evidence), "label": self.label, "note": self.note,
        }

    def as_dict(self) -> dict:
        """The ``traces show --json`` shape."""
        return {
            **self.summary(), "error": self.error, "answer": self.answer, "config": self.config,
            "steps": self.steps, "detail": self.detail, "labeled_at": self.labeled_at,
            "evidence": [e.as_dict() for e in self.evidence], "calls": [c.as_dict() for c in self.calls],
        }


# -- normalising what the pipeline returns ----------------------------------------------------------


def get_field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of ``value``: dataclasses and objects with ``as_dict`` are expanded."""
    if depth > 12:
        return repr(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth + 1) for v in value]
    as_dict = getattr(value, "as_dict", None)
    if callable(as_dict):
        try:
            return jsonable(as_dict(), depth + 1)
        except TypeError:
            pass
    if hasattr(value, "__dataclass_fields__"):
        return jsonable(asdict(value), depth + 1)
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump(), depth + 1)
    return repr(value)


def span_of(item: Any) -> tuple[str, int, int] | None:
    """``(path, start, end)`` of anything span-like, or None."""
    path = get_field(item, "path")
    start, end = get_field(item, "start_line"), get_field(item, "end_line")
    if start is None and get_field(item, "lines"):
        start, end = get_field(item, "lines")[:2]
    if not isinstance(path, str) or not isinstance(start, int) or not isinstance(end, int):
        return None
    return path, start, end


def to_evidence(item: Any, rank: int, step: int | None = None) -> TraceEvidence | None:
    span = span_of(item)
    if span is None:
        return None
    text = get_field(item, "text") or ""
    score = get_field(item, "score")
    why = get_field(item, "why") or {}
    status = get_field(item, "status")
    if isinstance(status, str) and isinstance(why, dict) and "status" not in why:
        why = {**why, "status": status}  # the walk's verdict on the span: relevant, cited, irrelevant...
    return TraceEvidence(
        rank=rank, path=span[0], start_line=span[1], end_line=span[2],
        text=str(text)[:MAX_TEXT_CHARS], score=float(score) if isinstance(score, int | float) else None,
        symbol=get_field(item, "symbol"), kind=get_field(item, "kind"), language=get_field(item, "language"),
        header=get_field(item, "header"), why=jsonable(why) if isinstance(why, dict) else {"note": str(why)},
        step=step,
    )


def merge_evidence(lists: list[tuple[int | None, list]], limit: int = MAX_EVIDENCE) -> list[TraceEvidence]:
    """Evidence from several ``(step, items)`` lists, first occurrence of a span wins, ranked in order."""
    seen: set[tuple[str, int, int]] = set()
    out: list[TraceEvidence] = []
    for step, items in lists:
        for item in items or []:
            ev = to_evidence(item, len(out) + 1, step)
            if ev is None or (ev.path, ev.start_line, ev.end_line) in seen:
                continue
            seen.add((ev.path, ev.start_line, ev.end_line))
            out.append(ev)
            if len(out) >= limit:
                return out
    return out


def flag_spans(evidence: list[TraceEvidence], spans: list, attr: str) -> None:
    """Set ``attr`` (``shown`` or ``cited``) on every evidence overlapping one of ``spans``."""
    wanted = [s for s in (span_of(x) for x in spans or []) if s is not None]
    for ev in evidence:
        if any(ev.overlaps(*s) for s in wanted):
            setattr(ev, attr, True)


def hit_summary(hits: list, limit: int = 20) -> list[dict]:
    """The compact view of a step's hits kept in the step itself (the full spans are the evidence)."""
    out = []
    for h in list(hits or [])[:limit]:
        span = span_of(h)
        if span:
            score = get_field(h, "score")
            out.append({"ref": f"{span[0]}:{span[1]}-{span[2]}",
                        "score": round(score, 6) if isinstance(score, int | float) else None})
    return out
