"""Run a walk: analyse the question, walk with the model (or the graph without one), answer with citations."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from walkrag.answer.checks import run_checks
from walkrag.answer.context import Evidence, render_evidence
from walkrag.answer.extractive import excerpts, render
from walkrag.answer.generate import evidence_budget, generate
from walkrag.answer.pipeline import EXTRACTIVE_BUDGET, Citation, resolve_citations
from walkrag.models.llm import LLM, LLMError, count_tokens
from walkrag.walk.analysis import QuestionAnalysis, analyze_question
from walkrag.walk.graph import graph_walk
from walkrag.walk.llm_walk import LLMWalk
from walkrag.walk.pool import evidence_from_hit
from walkrag.walk.record import Budget, Meter, Step, WalkEvidence, WalkRecord
from walkrag.walk.result import WalkResult

MIN_RESULTS = 20
ANSWER_MAX_TOKENS = 700
NO_LLM_NOTE = ("No LLM was used ({reason}); the answer lists the most relevant lines of the evidence the graph "
               "walk gathered, each cited.")


def as_budget(budget: Budget | dict | int | None) -> Budget:
    """A :class:`Budget` from one, a dict of its fields, a step count, or ``None`` (the defaults)."""
    if budget is None:
        return Budget()
    if isinstance(budget, Budget):
        return budget
    if isinstance(budget, int):
        return Budget(max_steps=budget)
    return Budget(**budget)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _as_context(e: WalkEvidence) -> Evidence:
    return Evidence(e.n, e.path, e.start_line, e.end_line, e.text, e.header, e.score)


def select_context(evidence: Sequence[WalkEvidence], budget_tokens: int, max_spans: int) -> list[Evidence]:
    """The best spans that fit ``budget_tokens``, keeping their numbers (the answer cites them as ``[n]``)."""
    chosen: list[Evidence] = []
    used = 0
    for e in evidence:
        if len(chosen) >= max_spans:
            break
        span = _as_context(e)
        cost = count_tokens(render_evidence([span])) + 2
        if used + cost <= budget_tokens:
            chosen.append(span)
            used += cost
        elif not chosen:
            lines = span.text.split("\n")
            keep = max(1, int(len(lines) * budget_tokens / max(cost, 1)) - 2)
            chosen.append(Evidence(span.n, span.path, span.start_line, span.start_line + min(keep, len(lines)) - 1,
                                   "\n".join(lines[:keep]), span.header, span.score))
            used = budget_tokens
    return chosen


def _pad(index, question: str, evidence: list[WalkEvidence], n: int) -> list[WalkEvidence]:
    """Top up with the question's own search results so that a batch line has at least ``n`` spans."""
    if len(evidence) >= n:
        return evidence
    out = list(evidence)
    for hit in index.search(question, n * 2):
        if len(out) >= n:
            break
        if any(e.path == hit.path and e.start_line <= hit.end_line and hit.start_line <= e.end_line for e in out):
            continue
        ev = evidence_from_hit(hit)
        ev.why = {"padding": {"retrievers": hit.why}}
        ev.status = "unread"
        ev.score = round(min([e.score for e in out] or [1.0]) * 0.9, 6)
        ev.n = max([e.n for e in out] or [0]) + 1
        out.append(ev)
    return out


def _facts_block(record: WalkRecord) -> str:
    if not record.facts:
        return ""
    lines = "\n".join(f"- {f.text} [{f.evidence}]" for f in record.facts)
    return f"\n\nFacts established while researching (each with the evidence it came from):\n{lines}"


def walk(
    index,
    question: str,
    *,
    k: int = 10,
    llm: LLM | None = None,
    budget: Budget | dict | int | None = None,
    on_step: Callable[[Step], None] | None = None,
    analysis: QuestionAnalysis | None = None,
    no_llm_reason: str | None = None,
) -> WalkResult:
    """Walk ``index`` to answer ``question``: with ``llm`` the model reads and follows threads, without one
    the graph walk gathers evidence and the answer is extractive. Never raises an LLM error."""
    started = time.perf_counter()
    meter = Meter(as_budget(budget))
    calls: list = []
    if analysis is None:
        analysis, records = analyze_question(question, llm)
        calls += records
        meter.charge(records)
    record = WalkRecord(question, "llm" if llm is not None else "graph", analysis.as_dict(), meter.budget.as_dict())
    record.decide(f"analysis ({analysis.source}): {analysis.level}: {analysis.reason}")
    record.timings["analyze_ms"] = _ms(started)
    failure: str | None = None
    t = time.perf_counter()
    if llm is not None:
        runner = LLMWalk(index, llm, question, analysis, record, meter, on_step)
        runner.run()
        calls += runner.calls
        failure = runner.failure
        evidence = runner.ranked()
    else:
        evidence = graph_walk(index, question, analysis, record, meter, on_step)
        for i, e in enumerate(evidence, 1):
            e.n = i
    record.timings["walk_ms"] = _ms(t)
    evidence = _pad(index, question, evidence, MIN_RESULTS)
    t = time.perf_counter()
    result = _answer(question, evidence, record, analysis, llm if failure is None else None, k, calls,
                     no_llm_reason if failure is None else f"LLM failed: {failure}")
    record.timings["answer_ms"] = _ms(t)
    record.timings["total_ms"] = _ms(started)
    record.tokens = {"prompt": result.usage["prompt_tokens"], "completion": result.usage["completion_tokens"]}
    result.timings = dict(record.timings)
    result.llm_error = failure or result.llm_error
    return result


def _answer(question: str, evidence: list[WalkEvidence], record: WalkRecord, analysis: QuestionAnalysis,
            llm: LLM | None, k: int, calls: list, no_llm_reason: str | None) -> WalkResult:
    call_dicts = [c.as_dict() if hasattr(c, "as_dict") else dict(c) for c in calls]
    failure = None
    if llm is not None:
        asked = question + _facts_block(record)
        cited_first = sorted(evidence, key=lambda e: e.status != "cited")
        context = select_context(cited_first, evidence_budget(llm.context_window, asked, ANSWER_MAX_TOKENS),
                                 max(k, 8))
        if context:
            try:
                gen = generate(llm, asked, context, max_tokens=ANSWER_MAX_TOKENS)
            except LLMError as exc:
                call_dicts += [r.as_dict() for r in getattr(exc, "records", [])]
                failure = str(exc)
            else:
                call_dicts += [r.as_dict() for r in gen.records]
                record.decide("answered from the facts and their evidence" + (" (corrected once)" if gen.corrected
                                                                              else ""))
                return WalkResult(
                    question, gen.answer, resolve_citations(gen.answer, context), evidence, gen.checks, True,
                    None if gen.sufficient else "the model says the evidence does not fully answer the question",
                    gen.sufficient, llm.model, gen.prompt_version, calls=call_dicts, record=record, analysis=analysis,
                )
        else:
            failure = "the context window leaves no room for evidence"
    reason = f"LLM failed: {failure}" if failure else (no_llm_reason or "no LLM configured")
    context = select_context(evidence, EXTRACTIVE_BUDGET + 1000, max(k, 8))
    items = excerpts(question, context, spans=4, pool=8)
    text = render(items)
    citations = [Citation(x.n, x.path, x.start_line, x.end_line, x.text) for x in items]
    record.decide(f"answered extractively ({reason})")
    return WalkResult(
        question, text, citations, evidence, run_checks(text, context), False,
        NO_LLM_NOTE.format(reason=reason), bool(items), llm.model if llm else None, None, failure, calls=call_dicts,
        record=record, analysis=analysis,
    )
