"""Helpers for the trace tests: a scripted model, hand-made traces, a UI server process."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from processes import running_walkrag, walkrag_env

from walkrag.models.llm import CallRecord, Completion, count_message_tokens, count_tokens
from walkrag.traces.record import LLMCall, Trace, TraceEvidence, new_id


class ScriptedLLM:
    """Answers every request with ``reply`` (a string or a function of the messages)."""

    def __init__(self, reply, model: str = "scripted"):
        self.reply = reply
        self.model = model
        self.context_window = 8192
        self.requests: list[list[dict]] = []

    def complete(self, messages, *, max_tokens=512, json_schema=None, on_token=None, prompt_version=None,
                 purpose=None):
        self.requests.append(list(messages))
        text = self.reply(list(messages)) if callable(self.reply) else self.reply
        record = CallRecord(self.model, prompt_version, count_message_tokens(messages), count_tokens(text), True,
                            2.0, on_token is not None, True, purpose=purpose)
        return Completion(text, record, "stop")


def answer_json(text: str) -> str:
    return json.dumps({"answer": text, "sufficient": True})


def evidence(rank: int, path: str, start: int, end: int, text: str, **flags) -> TraceEvidence:
    return TraceEvidence(rank=rank, path=path, start_line=start, end_line=end, text=text, score=1.0 / rank,
                         language="python", why={"lexical": {"rank": rank, "score": 1.0}}, **flags)


def make_trace(question: str, kind: str = "ask", *, created: float | None = None, answer: str | None = "It does [1].",
               ev: list[TraceEvidence] | None = None, label: str | None = None, checks_ok: bool | None = True,
               calls: list[LLMCall] | None = None, status: str = "ok") -> Trace:
    created = time.time() if created is None else created
    if ev is None:
        ev = [evidence(1, "shop/pricing.py", 17, 21, "def tax_for(amount, region):\n    ...", shown=True, cited=True),
              evidence(2, "shop/cart.py", 1, 16, "class Cart:\n    ...", shown=True),
              evidence(3, "docs/pricing.md", 1, 3, "# Pricing", shown=True)]
    return Trace(id=new_id(created), kind=kind, question=question, created=created, duration_ms=12.0, status=status,
                 answer=answer if kind != "search" else None, checks_ok=checks_ok if kind != "search" else None,
                 config={"k": 8}, steps=[{"i": 1, "name": "search", "query": question}], detail={}, evidence=ev,
                 calls=calls or [], label=label)


cli_env = walkrag_env


def walkrag_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "walkrag", *args], env=cli_env(**env), capture_output=True,
                          text=True, timeout=120)


@contextlib.contextmanager
def running_ui(index_dir: Path) -> Iterator[str]:
    """``walkrag ui`` on a free loopback port; yields its base URL once it answers."""
    with running_walkrag("ui", "--index-dir", str(index_dir), ready="/traces", env=cli_env()) as (base, _port):
        yield base
