"""What a walk returns: the answer, its citations and checks, the ranked evidence and the record."""

from __future__ import annotations

from dataclasses import dataclass, field

from walkrag.answer.checks import Check, failed
from walkrag.answer.pipeline import Citation
from walkrag.walk.analysis import QuestionAnalysis
from walkrag.walk.record import WalkEvidence, WalkRecord


@dataclass(slots=True)
class WalkResult:
    """The outcome of :func:`walkrag.walk.walk`.

    ``evidence`` is every span the walk kept, best first, each with ``path``,
    ``start_line``, ``end_line``, ``score``, ``symbol`` and ``why``; citation
    numbers in ``answer`` are the evidence's ``n``. :meth:`as_dict` has the
    ``ask --json`` shape plus ``analysis`` and ``walk`` (the record).
    """

    question: str
    answer: str
    citations: list[Citation]
    evidence: list[WalkEvidence]
    checks: list[Check]
    record: WalkRecord
    analysis: QuestionAnalysis
    llm_used: bool = False
    note: str | None = None
    sufficient: bool = True
    model: str | None = None
    prompt_version: str | None = None
    llm_error: str | None = None
    calls: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not failed(self.checks)

    @property
    def facts(self) -> list:
        return self.record.facts

    @property
    def usage(self) -> dict:
        return {
            "prompt_tokens": sum(int(c.get("prompt_tokens", 0)) for c in self.calls),
            "completion_tokens": sum(int(c.get("completion_tokens", 0)) for c in self.calls),
            "estimated": any(c.get("usage_estimated") for c in self.calls),
            "calls": self.calls,
        }

    def as_dict(self, *, with_text: bool = True) -> dict:
        return {
            "question": self.question, "answer": self.answer,
            "citations": [c.as_dict() for c in self.citations],
            "evidence": [e.as_dict(with_text=with_text) for e in self.evidence],
            "checks": [c.as_dict() for c in self.checks],
            "checks_ok": self.ok, "failed_checks": [c.name for c in failed(self.checks)],
            "llm_used": self.llm_used, "note": self.note, "sufficient": self.sufficient,
            "model": self.model, "prompt_version": self.prompt_version, "llm_error": self.llm_error,
            "usage": self.usage, "timings": self.timings,
            "analysis": self.analysis.as_dict(), "walk": self.record.as_dict(),
        }
