"""The walk with a model: retrieve for open threads, read, extract cited facts, follow new threads.

Every span is seen once: anything retrieved again is skipped, so the walk never
loops on the same evidence; threads are deduplicated by kind and normalised
target. The walk stops when the model says every part of the question is
covered, when no open thread is left, or when the budget runs out.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from walkrag import prompts
from walkrag.answer.context import Evidence, render_evidence
from walkrag.codegraph.lookup import lookup
from walkrag.codegraph.navigate import neighbours
from walkrag.models.llm import LLM, LLMError, LLMUnavailable, count_message_tokens, count_tokens, structured
from walkrag.walk.analysis import QuestionAnalysis
from walkrag.walk.pool import chunks_at, chunks_of_file, evidence_from_hit, evidence_from_row
from walkrag.walk.record import Fact, Meter, Step, Thread, WalkEvidence, WalkRecord, thread_key

READ_PROMPT = "walk-read"
READ_MAX_TOKENS = 900
SPAN_MAX_LINES = 80
THREAD_KINDS = ("query", "symbol", "file", "graph")
_REF = re.compile(r"^(?P<path>[^:#\s]+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?(?:#(?P<section>.+))?$")


class ReadFact(BaseModel):
    text: str = Field(min_length=1)
    evidence: int
    lines: list[int] = Field(default_factory=list)
    quote: str | None = None
    parts: list[int] = Field(default_factory=list)


class ReadThread(BaseModel):
    kind: str
    target: str = Field(min_length=1)
    reason: str = ""


class ReadOutput(BaseModel):
    facts: list[ReadFact] = Field(default_factory=list)
    irrelevant: list[int] = Field(default_factory=list)
    threads: list[ReadThread] = Field(default_factory=list)
    covered: list[int] = Field(default_factory=list)
    done: bool = False


def _norm(text: str) -> str:
    return " ".join(text.split())


class LLMWalk:
    """One walk with ``llm`` over an :class:`~walkrag.index.Index`; :meth:`run` fills ``record``."""

    def __init__(self, index, llm: LLM, question: str, analysis: QuestionAnalysis, record: WalkRecord,
                 meter: Meter, on_step: Callable[[Step], None] | None = None):
        self.index, self.llm, self.question, self.analysis = index, llm, question, analysis
        self.record, self.meter, self.on_step = record, meter, on_step
        self.db = index.store.db
        self.parts = analysis.parts or [question]
        self.evidence: list[WalkEvidence] = []  # every span seen, numbered n = position + 1
        self.pending: list[WalkEvidence] = []  # retrieved, not read yet
        self.thread_keys: set[tuple[str, str]] = set()
        self.covered: set[int] = set()
        self.calls: list = []
        self.failure: str | None = None

    # -- threads ---------------------------------------------------------------------------------------
    def open_thread(self, kind: str, target: str, reason: str, source: str, step: int) -> Thread | None:
        kind = kind.strip().lower()
        kind = "file" if kind == "section" else kind
        if kind not in THREAD_KINDS or not target.strip():
            return None
        key = thread_key(kind, target)
        if key in self.thread_keys:
            return None
        self.thread_keys.add(key)
        thread = Thread(len(self.record.threads) + 1, kind, target.strip(), reason, source, step)
        self.record.threads.append(thread)
        return thread

    def seed_threads(self) -> None:
        self.open_thread("query", self.question, "the question itself", "question", 0)
        for part in self.parts:
            self.open_thread("query", part, "a part of the question", "analysis", 0)
        for name in self.analysis.identifiers[:4]:
            self.open_thread("symbol", name, "named in the question", "analysis", 0)

    # -- retrieval -------------------------------------------------------------------------------------
    def _seen(self, ev: WalkEvidence) -> bool:
        return any(e.path == ev.path and e.start_line <= ev.end_line and ev.start_line <= e.end_line
                   for e in self.evidence)

    def retrieve(self, thread: Thread, step: Step) -> None:
        k = self.meter.budget.evidence_per_thread
        try:
            found = self._retrieve(thread, k, step.n)
        except Exception as exc:  # noqa: BLE001  (a bad thread target must not end the walk)
            step.error = f"thread {thread.id} ({thread.kind} {thread.target!r}) failed: {exc}"
            found = []
        thread.status = "done"
        for ev in found:
            if self._seen(ev):
                step.seen_again += 1
                continue
            ev.thread, ev.step = thread.id, step.n
            ev.n = len(self.evidence) + 1
            self.evidence.append(ev)
            self.pending.append(ev)
            thread.found += 1
            step.found.append(ev.ref)

    def _retrieve(self, thread: Thread, k: int, step: int) -> list[WalkEvidence]:
        if thread.kind == "query":
            step_queries = self.record.steps[-1].queries if self.record.steps else []
            step_queries.append(thread.target)
            return [evidence_from_hit(h, step) for h in self.index.search(thread.target, k)]
        if thread.kind == "symbol":
            rows = [r for m in lookup(self.db, thread.target, 3) for r in chunks_at(self.db, m.path, m.start_line,
                                                                                   m.end_line, 1)]
            if rows:
                return [evidence_from_row(r, step) for r in rows[:k]]
            return [evidence_from_hit(h, step) for h in self.index.search(thread.target, k)]
        if thread.kind == "file":
            return self._open_file(thread.target, k, step)
        return self._follow(thread.target, k, step)

    def _resolve_path(self, path: str) -> str | None:
        path = path.strip().lstrip("./")
        if self.db.execute("SELECT 1 FROM files WHERE path=?", (path,)).fetchone():
            return path
        row = self.db.execute("SELECT path FROM files WHERE path LIKE ? ORDER BY length(path) LIMIT 1",
                              ("%/" + path,)).fetchone()
        return row[0] if row else None

    def _open_file(self, target: str, k: int, step: int) -> list[WalkEvidence]:
        m = _REF.match(target.strip())
        path = self._resolve_path(m.group("path")) if m else None
        if path is None:
            return [evidence_from_hit(h, step) for h in self.index.search(target, k)]
        if m.group("start"):
            start = int(m.group("start"))
            rows = chunks_at(self.db, path, start, int(m.group("end") or start), k)
        else:
            want = set(re.findall(r"\w+", f"{m.group('section') or ''} {self.question}".lower()))
            rows = sorted(chunks_of_file(self.db, path),
                          key=lambda r: -len(want & set(re.findall(r"\w+", (r["header"] + r["text"]).lower()))))
        return [evidence_from_row(r, step) for r in rows[:k]]

    def _follow(self, target: str, k: int, step: int) -> list[WalkEvidence]:
        m = _REF.match(target.strip())
        path = self._resolve_path(m.group("path")) if m and m.group("start") else None
        if path:
            start = int(m.group("start"))
            spans = [{"path": path, "start_line": start, "end_line": int(m.group("end") or start)}]
        else:
            spans = [{"path": d.path, "start_line": d.start_line, "end_line": d.end_line}
                     for d in lookup(self.db, target, 2)]
        rows = []
        for n in neighbours(self.db, spans, per_hit=k, limit=k):
            rows += chunks_at(self.db, n.path, n.start_line, n.end_line, 1)
        return [evidence_from_row(r, step) for r in rows[:k]]

    # -- reading ---------------------------------------------------------------------------------------
    def _shown(self, ev: WalkEvidence) -> Evidence:
        lines = ev.text.split("\n")[:SPAN_MAX_LINES]
        return Evidence(ev.n, ev.path, ev.start_line, ev.start_line + len(lines) - 1, "\n".join(lines), ev.header)

    def _messages(self, shown: list[Evidence]) -> list[dict]:
        template = prompts.load(READ_PROMPT)
        facts = "\n".join(f"- {f.text} [{f.evidence}] ({f.ref})" for f in self.record.facts) or "(none yet)"
        tried = "; ".join(f"{t.kind}: {t.target}" for t in self.record.threads) or "(none)"
        return [
            {"role": "system", "content": template.render("system")},
            {"role": "user", "content": template.render(
                "user", question=self.question, parts="\n".join(f"{i}. {p}" for i, p in enumerate(self.parts)),
                facts=facts, tried=tried[:3000], evidence=render_evidence(shown))},
        ]

    def _batch(self) -> list[Evidence]:
        """The pending spans that fit this read's prompt; the rest wait for the next read."""
        room = self.llm.context_window - READ_MAX_TOKENS - count_message_tokens(self._messages([])) - 64
        shown: list[Evidence] = []
        used = 0
        for ev in list(self.pending):
            e = self._shown(ev)
            cost = count_tokens(render_evidence([e])) + 2
            if used + cost > room:
                if shown:
                    break
                self.pending.remove(ev)  # too big for any prompt: kept, unread, never retried
                ev.status = "unread"
                continue
            shown.append(e)
            used += cost
            self.pending.remove(ev)
        return shown

    def read(self, step: Step) -> None:
        shown = self._batch()
        if not shown:
            return
        template = prompts.load(READ_PROMPT)
        try:
            out, completions = structured(self.llm, self._messages(shown), ReadOutput, max_tokens=READ_MAX_TOKENS,
                                          retries=1, prompt_version=template.id, purpose="walk-read")
        except LLMError as exc:
            records = list(getattr(exc, "records", []))
            self._charge(step, records)
            step.error = f"reading failed: {exc}"
            for e in shown:
                self.evidence[e.n - 1].status = "unread"
            if isinstance(exc, LLMUnavailable):
                self.failure = str(exc)
            return
        self._charge(step, [c.record for c in completions])
        by_n = {e.n: e for e in shown}
        for e in shown:
            self.evidence[e.n - 1].status = "relevant"
        for n in out.irrelevant:
            if n in by_n:
                self.evidence[n - 1].status = "irrelevant"
                step.dropped.append(by_n[n].ref)
        for f in out.facts:
            fact = self._check_fact(f, by_n, step)
            if fact is not None:
                self.record.facts.append(fact)
                step.facts.append(fact.id)
                self.evidence[fact.evidence - 1].status = "cited"
        for t in out.threads:
            thread = self.open_thread(t.kind, t.target, t.reason, "model", step.n)
            if thread is not None:
                step.new_threads.append(thread.id)
        valid = set(range(len(self.parts)))
        self.covered |= {p for f in self.record.facts for p in f.parts}
        self.covered |= {p for p in out.covered if p in valid and any(f.parts for f in self.record.facts)}
        if out.done and self.record.facts:
            self.covered |= valid
        step.covered = sorted(self.covered)

    def _check_fact(self, f: ReadFact, by_n: dict[int, Evidence], step: Step) -> Fact | None:
        """A fact survives only if it cites shown evidence, its lines lie in that span and its quote is there."""
        span = by_n.get(f.evidence)
        if span is None:
            self.record.decide(f"step {step.n}: dropped a fact citing evidence [{f.evidence}] that was not shown")
            return None
        start, end = span.start_line, span.end_line
        if len(f.lines) == 2 and span.start_line <= f.lines[0] <= f.lines[1] <= span.end_line:
            start, end = f.lines
        text = "\n".join(span.text.split("\n")[start - span.start_line:end - span.start_line + 1])
        if f.quote and _norm(f.quote) not in _norm(text):
            if _norm(f.quote) not in _norm(span.text):
                self.record.decide(f"step {step.n}: dropped a fact whose quote is not in [{f.evidence}]")
                return None
            start, end = span.start_line, span.end_line
        parts = sorted({p for p in f.parts if 0 <= p < len(self.parts)})
        return Fact(len(self.record.facts) + 1, f.text.strip(), span.path, start, end, span.n, parts,
                    f.quote, step.n)

    def _charge(self, step: Step, records: list) -> None:
        self.calls += records
        self.meter.charge(records)
        step.tokens += sum(int(r.prompt_tokens) + int(r.completion_tokens) for r in records)

    # -- the loop --------------------------------------------------------------------------------------
    def run(self) -> None:
        self.seed_threads()
        while True:
            reason = self.meter.exhausted()
            if reason:
                self.record.stop_reason = reason
                break
            open_threads = [t for t in self.record.threads if t.status == "open"]
            if not open_threads and not self.pending:
                self.record.stop_reason = "no open threads left"
                break
            t0 = time.perf_counter()
            self.meter.steps += 1
            step = Step(n=self.meter.steps, action="retrieve+read")
            self.record.steps.append(step)
            for thread in open_threads[: self.meter.budget.threads_per_step]:
                step.threads.append(thread.id)
                self.retrieve(thread, step)
            self.read(step)
            step.ms = round((time.perf_counter() - t0) * 1000, 1)
            step.decision = self._decide(step)
            self.record.decide(f"step {step.n}: {step.decision}")
            if self.on_step:
                self.on_step(step)
            if self.failure or len(self.covered) >= len(self.parts):
                self.record.stop_reason = f"model failed: {self.failure}" if self.failure else \
                    "every part of the question is covered"
                break

    def _decide(self, step: Step) -> str:
        if self.failure:
            return "the model is unreachable: answer from what was found"
        said = f"{len(step.found)} new span(s), {step.seen_again} seen before, {len(step.facts)} fact(s), " \
               f"{len(step.dropped)} dropped, {len(step.new_threads)} new thread(s)"
        if len(self.covered) >= len(self.parts):
            return said + "; covered: answer"
        return said + f"; covered {len(self.covered)}/{len(self.parts)} part(s): continue"

    def ranked(self) -> list[WalkEvidence]:
        """Cited spans first (most facts first), then relevant, unread, and irrelevant ones last."""
        cites: dict[int, int] = {}
        for f in self.record.facts:
            cites[f.evidence] = cites.get(f.evidence, 0) + 1
        order = {"cited": 0, "relevant": 1, "unread": 2, "new": 2, "irrelevant": 3}
        ranked = sorted(self.evidence, key=lambda e: (order.get(e.status, 2), -cites.get(e.n, 0), e.n))
        for i, e in enumerate(ranked):
            e.score = round(1.0 / (1 + i), 6)
            e.why.setdefault("walk", {"status": e.status, "facts": cites.get(e.n, 0), "step": e.step,
                                      "thread": e.thread})
        return ranked
