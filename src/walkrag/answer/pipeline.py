"""Question to cited answer: retrieve, assemble, generate (or extract), check, time and account."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from walkrag.answer.checks import Check, citation_numbers, failed, run_checks
from walkrag.answer.context import Evidence, assemble
from walkrag.answer.extractive import extractive_answer
from walkrag.answer.generate import evidence_budget, generate
from walkrag.models.llm import LLM, LLMError

# Evidence shown when no model reads it: the extractive answer only quotes the top spans.
EXTRACTIVE_BUDGET = 3000
NO_LLM_TAIL = "the answer lists the most relevant lines of the best matching sources, each cited."


@dataclass(slots=True)
class Citation:
    """A numbered citation in the answer, resolved to a span of the indexed root."""

    n: int
    path: str
    start_line: int
    end_line: int
    snippet: str

    def as_dict(self) -> dict:
        return {"n": self.n, "path": self.path, "start_line": self.start_line, "end_line": self.end_line,
                "ref": f"{self.path}:{self.start_line}-{self.end_line}", "snippet": self.snippet}


@dataclass(slots=True)
class AnswerResult:
    """Everything ``ask`` produced; :meth:`as_dict` is the ``--json`` shape."""

    question: str
    answer: str
    citations: list[Citation]
    evidence: list[Evidence]
    checks: list[Check]
    llm_used: bool
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
    def usage(self) -> dict:
        return {
            "prompt_tokens": sum(c["prompt_tokens"] for c in self.calls),
            "completion_tokens": sum(c["completion_tokens"] for c in self.calls),
            "estimated": any(c["usage_estimated"] for c in self.calls),
            "calls": self.calls,
        }

    def as_dict(self) -> dict:
        return {
            "question": self.question, "answer": self.answer,
            "citations": [c.as_dict() for c in self.citations],
            "evidence": [e.as_dict() for e in self.evidence],
            "checks": [c.as_dict() for c in self.checks],
            "checks_ok": self.ok, "failed_checks": [c.name for c in failed(self.checks)],
            "llm_used": self.llm_used, "note": self.note, "sufficient": self.sufficient,
            "model": self.model, "prompt_version": self.prompt_version, "llm_error": self.llm_error,
            "usage": self.usage, "timings": self.timings,
        }


def resolve_citations(answer: str, evidence: Sequence[Evidence]) -> list[Citation]:
    """The citations used in ``answer``, in order of first use; numbers never shown are left out."""
    by_n = {e.n: e for e in evidence}
    out: list[Citation] = []
    for n in dict.fromkeys(citation_numbers(answer)):
        if n in by_n:
            e = by_n[n]
            out.append(Citation(n, e.path, e.start_line, e.end_line, e.text))
    return out


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def answer_question(
    question: str,
    search: Callable[[str, int], Sequence],
    *,
    llm: LLM | None = None,
    k: int = 8,
    max_tokens: int = 700,
    no_llm_reason: str | None = None,
    on_token: Callable[[str], None] | None = None,
) -> AnswerResult:
    """Answer ``question`` from what ``search(question, k)`` finds.

    With ``llm``: a generated answer with checked citations. Without one, or when
    the model is unreachable, errors, times out or returns malformed output: an
    extractive answer, with ``note`` saying why no LLM was used. Never raises an
    :class:`~walkrag.models.llm.LLMError`.
    """
    started = time.perf_counter()
    hits = list(search(question, k))
    timings = {"retrieve_ms": _ms(started)}
    calls: list[dict] = []
    failure: str | None = None
    if llm is not None:
        t = time.perf_counter()
        budget = evidence_budget(llm.context_window, question, max_tokens)
        evidence = assemble(hits, budget) if budget > 0 else []
        timings["assemble_ms"] = _ms(t)
        if budget <= 0:
            failure = f"the context window of {llm.context_window} tokens leaves no room for evidence"
        elif not evidence:
            failure = "nothing relevant was found to show the model"
        else:
            t = time.perf_counter()
            try:
                gen = generate(llm, question, evidence, max_tokens=max_tokens, on_token=on_token)
            except LLMError as exc:
                calls = [r.as_dict() for r in getattr(exc, "records", [])]
                failure = str(exc)
            else:
                timings["generate_ms"] = _ms(t)
                t = time.perf_counter()
                citations = resolve_citations(gen.answer, evidence)
                timings["check_ms"] = _ms(t)
                timings["total_ms"] = _ms(started)
                return AnswerResult(
                    question, gen.answer, citations, list(evidence), gen.checks, True,
                    note=None if gen.sufficient else "the model says the evidence does not fully answer the question",
                    sufficient=gen.sufficient, model=llm.model, prompt_version=gen.prompt_version,
                    calls=[r.as_dict() for r in gen.records], timings=timings,
                )
            timings["generate_ms"] = _ms(t)
    reason = f"LLM failed: {failure}" if failure else (no_llm_reason or "no LLM configured")
    t = time.perf_counter()
    evidence = assemble(hits, EXTRACTIVE_BUDGET)
    text, items = extractive_answer(question, evidence)
    citations = [Citation(x.n, x.path, x.start_line, x.end_line, x.text) for x in items]
    checks = run_checks(text, evidence)
    timings["extract_ms"] = _ms(t)
    timings["total_ms"] = _ms(started)
    return AnswerResult(
        question, text, citations, evidence, checks, False, note=f"No LLM was used ({reason}); {NO_LLM_TAIL}",
        sufficient=bool(items), model=llm.model if llm else None, llm_error=failure, calls=calls, timings=timings,
        prompt_version=calls[0]["prompt_version"] if calls else None,
    )
