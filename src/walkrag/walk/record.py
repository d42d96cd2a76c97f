"""The walk record: what each step looked for, found, kept, dropped and decided.

Traces store it and the UI shows it, so every record here is a small dataclass
with ``as_dict()`` that returns plain JSON-ready values.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field


@dataclass(slots=True)
class Budget:
    """What one walk may spend. Any limit reached stops the walk and says which."""

    max_steps: int = 4
    max_tokens: int = 24_000
    max_seconds: float = 90.0
    threads_per_step: int = 4
    evidence_per_thread: int = 5

    def as_dict(self) -> dict:
        return asdict(self)


class Meter:
    """Spending against a :class:`Budget`: steps taken, tokens used, seconds elapsed."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.started = time.perf_counter()
        self.steps = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def charge(self, records) -> None:
        for r in records:
            self.prompt_tokens += int(getattr(r, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(r, "completion_tokens", 0) or 0)

    def exhausted(self) -> str | None:
        """The reason to stop, or ``None`` while the budget lasts."""
        if self.steps >= self.budget.max_steps:
            return f"budget: {self.budget.max_steps} steps taken"
        if self.tokens >= self.budget.max_tokens:
            return f"budget: {self.tokens} of {self.budget.max_tokens} tokens used"
        if self.seconds >= self.budget.max_seconds:
            return f"budget: {self.budget.max_seconds:g}s elapsed"
        return None


@dataclass(slots=True)
class Thread:
    """A place to look next: a search query, a symbol, a file or section, a graph reference."""

    id: int
    kind: str  # query | symbol | file | graph
    target: str
    reason: str = ""
    source: str = "question"  # question | analysis | fact:N | evidence:REF | model
    step: int = 0  # the step that opened it
    status: str = "open"  # open | done | duplicate | dropped
    found: int = 0  # new evidence it brought

    @property
    def key(self) -> tuple[str, str]:
        return thread_key(self.kind, self.target)

    def as_dict(self) -> dict:
        return asdict(self)


def thread_key(kind: str, target: str) -> tuple[str, str]:
    """Threads that differ only in case, spacing or trailing punctuation are the same thread."""
    norm = " ".join(str(target).lower().replace("`", "").split()).strip(" ?.()")
    return (kind if kind != "section" else "file", norm)


@dataclass(slots=True)
class Fact:
    """A fact read from the evidence, citing the span that establishes it."""

    id: int
    text: str
    path: str
    start_line: int
    end_line: int
    evidence: int  # the evidence number (n) it was read from
    parts: list[int] = field(default_factory=list)  # question parts it covers (0-based)
    quote: str | None = None
    step: int = 0

    @property
    def ref(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def as_dict(self) -> dict:
        return {**asdict(self), "ref": self.ref}


@dataclass(slots=True)
class WalkEvidence:
    """A span the walk found: where, how well it scored, and why it is here."""

    path: str
    start_line: int
    end_line: int
    score: float
    symbol: str | None = None
    why: dict = field(default_factory=dict)
    text: str = ""
    header: str = ""
    kind: str = ""
    n: int = 0
    step: int = 0
    thread: int | None = None
    status: str = "new"  # new | relevant | cited | irrelevant | unread

    @property
    def ref(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.path, self.start_line, self.end_line)

    def as_dict(self, *, with_text: bool = True) -> dict:
        d = asdict(self)
        d["ref"] = self.ref
        if not with_text:
            d.pop("text")
        return d

    def result_json(self) -> dict:
        """The ``search --batch`` line shape."""
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line,
                "score": round(self.score, 6), "symbol": self.symbol, "why": self.why}


@dataclass(slots=True)
class Step:
    """One turn of the loop."""

    n: int
    action: str  # search | expand | read | answer ...
    threads: list[int] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # refs of new evidence
    seen_again: int = 0  # evidence retrieved again and skipped
    dropped: list[str] = field(default_factory=list)  # refs judged irrelevant
    facts: list[int] = field(default_factory=list)
    new_threads: list[int] = field(default_factory=list)
    covered: list[int] = field(default_factory=list)
    decision: str = ""
    error: str | None = None
    ms: float = 0.0
    tokens: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class WalkRecord:
    """Everything the walk did, in order: the thing traces store and the UI shows."""

    question: str
    mode: str  # llm | graph | single-shot
    analysis: dict = field(default_factory=dict)
    budget: dict = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    stop_reason: str = ""
    timings: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=lambda: {"prompt": 0, "completion": 0})

    @property
    def queries(self) -> list[str]:
        return [q for s in self.steps for q in s.queries]

    def decide(self, text: str) -> None:
        self.decisions.append(text)

    def as_dict(self, evidence: list[WalkEvidence] | None = None) -> dict:
        d = {
            "question": self.question, "mode": self.mode, "analysis": self.analysis, "budget": self.budget,
            "steps": [s.as_dict() for s in self.steps], "queries": self.queries,
            "threads": [t.as_dict() for t in self.threads], "facts": [f.as_dict() for f in self.facts],
            "decisions": list(self.decisions), "stop_reason": self.stop_reason, "timings": dict(self.timings),
            "tokens": dict(self.tokens),
        }
        if evidence is not None:
            d["evidence"] = [e.as_dict(with_text=False) for e in evidence]
        return d
