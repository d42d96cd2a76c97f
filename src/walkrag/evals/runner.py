"""Run a dataset against an index in one configuration: search, ask or walk mode.

Every question gets retrieval metrics (see :mod:`walkrag.evals.metrics`) from
the ranked spans it produced, its latency, and in ``ask``/``walk`` mode the
answer metrics (see :mod:`walkrag.evals.judge`) and token cost. A
:class:`RunResult` aggregates them overall and per level.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from walkrag.evals.config import INDEX_KEYS, EvalConfig
from walkrag.evals.dataset import Question
from walkrag.evals.judge import Judge, judge_answer
from walkrag.evals.metrics import mean, metric_names, percentile, retrieval_metrics
from walkrag.index import Index

MODES = ("search", "ask", "walk")
ANSWER_METRICS = ("answer_coverage", "faithfulness", "citation_validity")
NO_LEVEL = "(none)"


class EvalError(RuntimeError):
    """The eval cannot run as asked (for instance, a mode this walkrag does not support)."""


@dataclass(slots=True)
class QuestionResult:
    id: str
    question: str
    level: str | None
    gold_files: list[str]
    files: list[str]
    metrics: dict[str, float | None]
    latency_ms: float
    answer: str | None = None
    judgement: dict | None = None
    tokens: dict = field(default_factory=lambda: {"prompt": 0, "completion": 0})
    error: str | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id, "question": self.question, "level": self.level, "gold_files": self.gold_files,
            "files": self.files, "metrics": self.metrics, "latency_ms": self.latency_ms, "answer": self.answer,
            "judgement": self.judgement, "tokens": self.tokens, "error": self.error,
        }


@dataclass(slots=True)
class RunResult:
    config: EvalConfig
    mode: str
    k: int
    questions: list[QuestionResult]
    judge: str | None = None
    judge_tokens: dict = field(default_factory=lambda: {"prompt": 0, "completion": 0})

    @property
    def metric_names(self) -> list[str]:
        names = metric_names(self.k)
        return names + list(ANSWER_METRICS) if self.mode != "search" else names

    def metrics(self, questions: Sequence[QuestionResult] | None = None) -> dict[str, float | None]:
        qs = self.questions if questions is None else questions
        return {name: _round(mean(q.metrics.get(name) for q in qs)) for name in self.metric_names}

    def per_level(self) -> dict[str, dict]:
        levels: dict[str, list[QuestionResult]] = {}
        for q in self.questions:
            levels.setdefault(q.level or NO_LEVEL, []).append(q)
        return {name: {"n": len(qs), **self.metrics(qs)} for name, qs in sorted(levels.items())}

    def latency(self) -> dict:
        ms = [q.latency_ms for q in self.questions]
        return {"mean": _round(mean(ms)) or 0.0, "p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95),
                "max": max(ms, default=0.0), "values": ms}

    def tokens(self) -> dict:
        return {
            "prompt": sum(q.tokens["prompt"] for q in self.questions),
            "completion": sum(q.tokens["completion"] for q in self.questions),
            "judge_prompt": self.judge_tokens["prompt"], "judge_completion": self.judge_tokens["completion"],
        }

    def as_dict(self, *, with_questions: bool = True) -> dict:
        d = {
            "config": self.config.as_dict(), "mode": self.mode, "k": self.k, "n": len(self.questions),
            "judge": self.judge, "metrics": self.metrics(), "per_level": self.per_level(),
            "latency_ms": self.latency(), "tokens": self.tokens(),
            "errors": sum(1 for q in self.questions if q.error),
        }
        if with_questions:
            d["questions"] = [q.as_dict() for q in self.questions]
        return d


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def index_for(base: Index, config: EvalConfig, progress=None) -> Index:
    """The index a configuration runs on: the base one, or a dedicated one when it changes what is indexed."""
    if not config.settings:
        return base
    settings = base.settings.with_overrides(**config.settings)
    if all(getattr(settings, k) == getattr(base.settings, k) for k in INDEX_KEYS):
        return Index(base.root, base.index_dir, settings)
    idx = Index(base.root, base.index_dir / "eval-indexes" / config.index_digest(settings), settings)
    idx.update(progress)
    return idx


def _usage(result) -> dict:
    usage = getattr(result, "usage", None) or {}
    if not isinstance(usage, dict):
        usage = {}
    return {"prompt": int(usage.get("prompt_tokens", 0) or 0), "completion": int(usage.get("completion_tokens", 0) or 0)}


def _call_walk(walk: Callable, question: str, llm, use_llm: bool, k: int):
    """Call ``Index.walk`` with the keyword arguments it accepts (its signature is not fixed yet)."""
    try:
        accepted = inspect.signature(walk).parameters
    except (TypeError, ValueError):
        accepted = {}
    kwargs = {name: value for name, value in (("llm", llm), ("use_llm", use_llm), ("k", k)) if name in accepted}
    return walk(question, **kwargs)


class Runner:
    """Runs questions against one index in one configuration."""

    def __init__(self, index: Index, config: EvalConfig | None = None, *, mode: str = "search", k: int = 10,
                 llm=None, use_llm: bool = True, judge: Judge | None = None):
        if mode not in MODES:
            raise EvalError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        if mode == "walk" and not callable(getattr(index, "walk", None)):
            raise EvalError("--mode walk needs Index.walk, which this walkrag does not have yet; "
                            "use --mode search or --mode ask")
        self.index = index
        self.config = config or EvalConfig()
        self.mode = mode
        self.k = k
        self.llm = llm
        self.use_llm = use_llm and llm is not None
        self.judge = judge or Judge(llm if self.use_llm else None)
        # Enough spans to fill the deepest recall@k curve point with distinct files.
        self.depth = max(k, 20) * 3

    def _search(self, query: str, n: int):
        return self.index.search(query, n, options=self.config.search)

    def run_one(self, q: Question) -> QuestionResult:
        started = time.perf_counter()
        answer = judgement = None
        tokens = {"prompt": 0, "completion": 0}
        error = None
        hits: list = []
        result = None
        if self.mode == "search":
            hits = self._search(q.question, self.depth)
        else:
            try:
                answer, hits, result = self._answer(q.question)
                tokens = _usage(result)
            except Exception as exc:  # one failing answer must not sink the run; it is reported
                error = f"{type(exc).__name__}: {exc}"
        latency = round((time.perf_counter() - started) * 1000, 2)
        metrics = retrieval_metrics(hits, q.gold, self.k)
        if self.mode != "search":
            metrics.update(dict.fromkeys(ANSWER_METRICS))
            if answer is not None and error is None:
                judged = judge_answer(
                    self.judge, q.question, answer, points=q.answer_points,
                    evidence=getattr(result, "evidence", []) or [], citations=getattr(result, "citations", []) or [],
                    checks=getattr(result, "checks", []) or [], root=self.index.root,
                )
                metrics["answer_coverage"] = judged.coverage
                metrics["faithfulness"] = judged.faithfulness
                metrics["citation_validity"] = 1.0 if judged.citations_ok else 0.0
                judgement = judged.as_dict()
        return QuestionResult(
            id=q.id, question=q.question, level=q.level, gold_files=q.gold_files,
            files=list(dict.fromkeys(h.path for h in hits))[:20], metrics=metrics, latency_ms=latency,
            answer=answer, judgement=judgement, tokens=tokens, error=error,
        )

    def _answer(self, question: str):
        if self.mode == "walk":
            result = _call_walk(self.index.walk, question, self.llm, self.use_llm, self.k)
            spans = list(getattr(result, "evidence", None) or getattr(result, "citations", None) or [])
            return str(getattr(result, "answer", "") or ""), spans, result
        from walkrag.answer import answer_question

        seen: list = []

        def search(query: str, n: int):
            found = self._search(query, max(n, self.depth))
            if not seen:
                seen.extend(found)
            return found[:n]

        result = answer_question(question, search, llm=self.llm if self.use_llm else None, k=self.k,
                                 no_llm_reason=None if self.use_llm else "--no-llm or no LLM configured")
        return result.answer, seen, result

    def run(self, questions: Sequence[Question], progress: Callable[[int, int], None] | None = None) -> RunResult:
        results = []
        self._search("warm up", 1)  # load models and indexes before the first timed question
        for i, q in enumerate(questions, start=1):
            results.append(self.run_one(q))
            if progress:
                progress(i, len(questions))
        judge_tokens = {
            "prompt": sum(c.get("prompt_tokens", 0) for c in self.judge.calls),
            "completion": sum(c.get("completion_tokens", 0) for c in self.judge.calls),
        }
        return RunResult(self.config, self.mode, self.k, results,
                         judge=self.judge.name if self.mode != "search" else None, judge_tokens=judge_tokens)


def run_eval(index: Index, questions: Sequence[Question], config: EvalConfig | None = None, *, mode: str = "search",
             k: int = 10, llm=None, use_llm: bool = True, progress=None) -> RunResult:
    """Evaluate ``questions`` against ``index`` (see :class:`Runner`)."""
    return Runner(index, config, mode=mode, k=k, llm=llm, use_llm=use_llm).run(questions, progress)
