"""Labeled traces become data: eval datasets, chat JSONL (sharegpt, OpenAI messages) and
(query, positive, hard negative) triples for embedding fine-tuning.

Which traces count:

* ``good`` / ``bad``: a person's label on the trace; evidence marked relevant or not is a label too;
* ``silver``: an unlabeled trace whose run succeeded and whose answer checks passed, trusted like a
  good one. ``labeled_only`` leaves silver traces out.

Every row passes assertions before it is written (valid schema, no duplicates, no empty answers);
what was dropped, and why, is counted in the :class:`ExportReport`. The train/held-out split is by
question and stable: a question's side depends only on the seed and its text, so adding traces
never moves an old question from held-out into train.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from walkrag.traces.record import Trace, TraceEvidence

FORMATS = ("eval", "sharegpt", "openai", "triples")
SYSTEM = ("Answer the question from the numbered evidence only. End every factual sentence with the "
          "[n] citations that support it. Say so when the evidence does not answer the question.")
HARD_NEGATIVE_DEPTH = 10
NEGATIVES_PER_POSITIVE = 3


class ExportError(ValueError):
    """An export cannot run as asked (unknown format, bad split)."""


@dataclass(slots=True)
class ExportReport:
    format: str
    written: int = 0
    heldout: int = 0
    traces_used: int = 0
    dropped: Counter = field(default_factory=Counter)
    paths: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"format": self.format, "written": self.written, "heldout": self.heldout,
                "traces_used": self.traces_used, "dropped": dict(self.dropped), "paths": self.paths}


def trust(trace: Trace, labeled_only: bool) -> str | None:
    """``good``, ``bad``, ``silver`` or None (not to be used as a whole)."""
    if trace.label in ("good", "bad"):
        return trace.label
    if labeled_only or trace.status != "ok" or trace.checks_ok is False:
        return None
    return "silver"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _content(e: TraceEvidence) -> str:
    return f"{e.header}\n{e.text}" if e.header and e.text else e.text


# -- eval datasets --------------------------------------------------------------------------------------


def gold_of(trace: Trace, level: str | None) -> list[TraceEvidence]:
    """Evidence a person marked relevant; for a good (or silver) answer without marks, what it cited."""
    marked = [e for e in trace.evidence if e.relevant]
    if marked:
        return marked
    if level in ("good", "silver"):
        return [e for e in trace.evidence if e.cited and e.relevant is not False]
    return []


def eval_row(trace: Trace, level: str | None) -> dict | None:
    gold = []
    for e in gold_of(trace, level):
        item = {"path": e.path, "lines": [e.start_line, e.end_line]}
        if e.symbol:
            item["symbol"] = e.symbol
        if item not in gold:
            gold.append(item)
    if not gold:
        return None
    row = {"id": f"trace-{trace.id}", "question": trace.question, "gold": gold}
    complexity = (trace.detail.get("record") or {}).get("complexity")
    if isinstance(complexity, str) and complexity:
        row["level"] = complexity
    return row


def check_eval_row(row: dict) -> str | None:
    from pydantic import ValidationError

    from walkrag.evals.dataset import Question

    try:
        Question.model_validate(row)
    except ValidationError as exc:
        return f"invalid: {exc.errors()[0]['msg']}"
    return None


# -- chat datasets --------------------------------------------------------------------------------------


def chat_messages(trace: Trace) -> list[dict] | None:
    """The conversation that produced a trace's answer: the recorded prompt and output when the model was
    called, otherwise a prompt rebuilt from the evidence shown and the (extractive) answer."""
    answering = [c for c in trace.calls if c.ok and c.output and c.messages]
    preferred = [c for c in answering if (c.purpose or c.prompt_version or "").startswith("answer")]
    call = (preferred or answering or [None])[-1]
    if call is not None:
        return [*call.messages, {"role": "assistant", "content": call.output}]
    shown = [e for e in trace.evidence if e.shown] or [e for e in trace.evidence if e.cited]
    if not shown or not (trace.answer or "").strip():
        return None
    block = "\n\n".join(f'<evidence n="{i}" source="{e.ref}">\n{e.text}\n</evidence>' for i, e in enumerate(shown, 1))
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Question: {trace.question}\n\nEvidence:\n{block}"},
        {"role": "assistant", "content": trace.answer},
    ]


def check_chat(messages: list[dict]) -> str | None:
    if not messages or messages[-1].get("role") != "assistant":
        return "no assistant reply"
    if not str(messages[-1].get("content", "")).strip():
        return "empty answer"
    if not any(m.get("role") == "user" for m in messages):
        return "no user turn"
    for m in messages:
        if m.get("role") not in ("system", "user", "assistant") or not isinstance(m.get("content"), str):
            return "invalid message"
        if not m["content"].strip():
            return "empty message"
    return None


_SHAREGPT_ROLE = {"system": "system", "user": "human", "assistant": "gpt"}


def chat_row(trace: Trace, messages: list[dict], fmt: str) -> dict:
    if fmt == "openai":
        return {"messages": [{"role": m["role"], "content": m["content"]} for m in messages]}
    return {"id": f"trace-{trace.id}",
            "conversations": [{"from": _SHAREGPT_ROLE[m["role"]], "value": m["content"]} for m in messages]}


# -- triples ------------------------------------------------------------------------------------------------


def triples_of(trace: Trace, level: str | None) -> list[dict]:
    """(query, positive, hard negative) rows from one trace.

    Positives: evidence marked relevant, or cited by a good (or silver) answer. Hard negatives: evidence
    marked not relevant, or (in a good or silver trace that cites something) retrieved in the top
    ``HARD_NEGATIVE_DEPTH`` but neither cited nor marked, and not overlapping a positive.
    """
    trusted = level in ("good", "silver")
    positives = [e for e in trace.evidence if e.relevant or (trusted and e.cited and e.relevant is not False)]
    if not positives:
        return []
    cites = any(e.cited for e in trace.evidence)
    negatives = [
        e for e in trace.evidence
        if e.relevant is False
        or (trusted and cites and e.relevant is None and not e.cited and e.rank <= HARD_NEGATIVE_DEPTH)
    ]
    negatives = [n for n in negatives if not any(n.overlaps(p.path, p.start_line, p.end_line) for p in positives)]
    rows = []
    for p in positives:
        for n in negatives[:NEGATIVES_PER_POSITIVE]:
            rows.append({"query": trace.question, "positive": _content(p), "negative": _content(n),
                         "positive_ref": p.ref, "negative_ref": n.ref, "trace_id": trace.id})
    return rows


def check_triple(row: dict) -> str | None:
    if not all(str(row.get(k, "")).strip() for k in ("query", "positive", "negative")):
        return "empty field"
    if row["positive"] == row["negative"]:
        return "positive equals negative"
    return None


# -- the export ---------------------------------------------------------------------------------------------


def heldout(key: str, fraction: float, seed: int) -> bool:
    """Whether the question ``key`` falls in the held-out part (stable for a seed)."""
    digest = hashlib.sha256(f"{seed}\x00{_norm(key)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def build_rows(traces: Iterable[Trace], fmt: str, *, labeled_only: bool = False) -> tuple[list[tuple[str, dict]],
                                                                                         ExportReport]:
    """``(question, row)`` pairs for ``fmt``, asserted and deduplicated (newest trace of a question wins)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    report = ExportReport(fmt)
    by_key: dict[str, tuple[str, dict, str]] = {}
    for trace in traces:
        level = trust(trace, labeled_only)
        produced: list[dict] = []
        if fmt == "eval":
            row = eval_row(trace, level)
            if row is None:
                report.dropped["no gold evidence"] += 1
                continue
            problem = check_eval_row(row)
            produced = [row] if problem is None else []
        elif fmt in ("sharegpt", "openai"):
            if level not in ("good", "silver") or trace.kind not in ("ask", "walk"):
                report.dropped["not a good answer"] += 1
                continue
            messages = chat_messages(trace)
            problem = "empty answer" if messages is None else check_chat(messages)
            produced = [chat_row(trace, messages, fmt)] if problem is None else []
        else:
            candidates = triples_of(trace, level)
            if not candidates:
                report.dropped["no positive with a negative"] += 1
                continue
            problem = None
            for row in candidates:
                bad = check_triple(row)
                if bad:
                    report.dropped[bad] += 1
                else:
                    produced.append(row)
        if problem is not None:
            report.dropped[problem] += 1
            continue
        report.traces_used += 1
        for row in produced:
            if fmt == "triples":
                key = json.dumps([_norm(row["query"]), row["positive_ref"], row["negative_ref"]])
            else:
                key = _norm(trace.question)
            if key in by_key:
                report.dropped["duplicate"] += 1
            by_key[key] = (trace.question, row, trace.id)
    rows = [(question, row) for question, row, _ in by_key.values()]
    return rows, report


def write_jsonl(rows: Iterable[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def heldout_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.heldout{out.suffix or '.jsonl'}")


def export(traces: Iterable[Trace], fmt: str, out: str | Path, *, labeled_only: bool = False,
           split: float | None = None, seed: int = 0) -> ExportReport:
    """Write ``fmt`` rows to ``out``; with ``split``, that fraction of questions goes to ``<out>.heldout``."""
    if split is not None and not 0 < split < 1:
        raise ExportError(f"--split must be between 0 and 1 (exclusive), got {split}")
    out = Path(out)
    rows, report = build_rows(traces, fmt, labeled_only=labeled_only)
    train = [row for q, row in rows if split is None or not heldout(q, split, seed)]
    held = [row for q, row in rows if split is not None and heldout(q, split, seed)]
    write_jsonl(train, out)
    report.paths.append(str(out))
    if split is not None:
        write_jsonl(held, heldout_path(out))
        report.paths.append(str(heldout_path(out)))
    report.written, report.heldout = len(train), len(held)
    return report
