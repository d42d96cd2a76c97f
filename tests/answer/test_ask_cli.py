"""`walkrag ask` end to end: a real corpus, a real index, the real `openai` client talking HTTP to a
local OpenAI-compatible server that serves scripted completions (streaming included)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openai_stub import Reply, StubOpenAI, answer_json, shown_evidence

import walkrag
from walkrag.answer.checks import check_spans_exist

pytestmark = pytest.mark.slow  # each case starts a `walkrag` process

QUESTION = "What happens when tax_for gets a region without a configured rate?"


def run_ask(root: Path, stub: StubOpenAI | None, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALKRAG_", "OPENAI_"))}
    if stub is not None:
        env.update(WALKRAG_LLM_BASE_URL=stub.base_url, WALKRAG_LLM_MODEL="stub-model", WALKRAG_LLM_API_KEY="k",
                   WALKRAG_LLM_MAX_RETRIES="0", WALKRAG_LLM_TIMEOUT="1")
    return subprocess.run(
        [sys.executable, "-m", "walkrag", "ask", QUESTION, "--index-dir", str(root / ".walkrag"), *args],
        capture_output=True, text=True, env=env, cwd=root.parent, timeout=timeout,
    )


def as_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def cite_value_error(body: dict, i: int) -> Reply:
    """A correct answer: cites the shown span that holds tax_for's ValueError, quoting it verbatim."""
    shown = shown_evidence(body)
    n = next((n for n, (_, text) in shown.items() if "def tax_for" in text and "ValueError" in text), None)
    assert n is not None, f"tax_for was not among the evidence shown: {[r for r, _ in shown.values()]}"
    return Reply(answer_json(f"For a region missing from `TAX_RATES`, `tax_for` raises `ValueError` [{n}]."))


def test_good_cited_answer_json(indexed):
    with StubOpenAI(cite_value_error) as stub:
        data = as_json(run_ask(indexed, stub, "--json"))
    assert data["llm_used"] and data["checks_ok"] and data["note"] is None
    assert "`tax_for` raises `ValueError` [" in data["answer"]
    (cite,) = data["citations"]
    assert cite["path"] == "shop/pricing.py" and "def tax_for" in cite["snippet"]
    assert check_spans_exist(data["citations"], indexed).ok
    assert any(e["n"] == cite["n"] and e["ref"] == cite["ref"] for e in data["evidence"])
    assert data["usage"]["prompt_tokens"] == 111 and data["usage"]["completion_tokens"] == 22
    assert data["usage"]["calls"][0]["prompt_version"] == data["prompt_version"] == "answer.v1"
    assert data["usage"]["calls"][0]["latency_ms"] > 0 and data["timings"]["total_ms"] > 0
    assert len(stub.requests) == 1 and stub.requests[0]["model"] == "stub-model"
    assert stub.requests[0]["response_format"]["type"] == "json_schema"


def test_good_answer_human_output_streams_then_prints_the_cited_snippets(indexed):
    with StubOpenAI(cite_value_error) as stub:
        proc = run_ask(indexed, stub)
    assert proc.returncode == 0, proc.stderr
    assert stub.requests[0]["stream"] is True
    out = proc.stdout
    answer_at, sources_at = out.index("raises `ValueError` ["), out.index("Sources")
    assert answer_at < sources_at
    assert "shop/pricing.py:" in out[sources_at:] and "def tax_for(amount: Decimal, region: str)" in out[sources_at:]
    assert "check failed" not in proc.stderr


def test_server_error_degrades_to_an_extractive_answer(indexed):
    with StubOpenAI(lambda body, i: Reply(status=500)) as stub:
        data = as_json(run_ask(indexed, stub, "--json"))
    assert not data["llm_used"] and "HTTP 500" in data["note"] and data["note"].startswith("No LLM was used")
    assert data["citations"] and check_spans_exist(data["citations"], indexed).ok
    assert len(stub.requests) == 1 and data["usage"]["calls"][0]["ok"] is False


def test_timeout_degrades_quickly(indexed):
    with StubOpenAI(lambda body, i: Reply(answer_json("late [1]"), delay=5)) as stub:
        started = time.perf_counter()
        data = as_json(run_ask(indexed, stub, "--json"))
    assert time.perf_counter() - started < 15
    assert not data["llm_used"] and "timed out after 1s" in data["note"] and data["citations"]


def test_malformed_json_is_retried_once_then_degrades(indexed):
    with StubOpenAI(lambda body, i: Reply('{"answer": "unterminated')) as stub:
        data = as_json(run_ask(indexed, stub, "--json"))
    assert not data["llm_used"] and "malformed output" in data["note"]
    assert len(stub.requests) == 2 and "rejected" in stub.requests[1]["messages"][-1]["content"]
    assert len(data["usage"]["calls"]) == 2 and data["citations"]


def test_citation_to_evidence_never_shown_is_caught_and_reported_after_the_retry(indexed):
    def unseen(body, i):
        return Reply(answer_json(f"`tax_for` raises `ValueError` [{max(shown_evidence(body)) + 5}]."))

    with StubOpenAI(unseen) as stub:
        data = as_json(run_ask(indexed, stub, "--json"))
        strict = run_ask(indexed, stub, "--json", "--strict")
    assert data["llm_used"] and not data["checks_ok"] and "citations_shown" in data["failed_checks"]
    shown = len(data["evidence"])
    bad = next(c for c in data["checks"] if c["name"] == "citations_shown")
    assert bad["problems"] == [f"[{shown + 5}]"]
    assert data["citations"] == []
    assert len(stub.requests) == 4  # two per run: the answer and one corrective retry
    correction = stub.requests[1]["messages"][-1]["content"]
    assert "citations_shown" in correction and f"[{shown + 5}]" in correction
    assert strict.returncode == 2


def test_no_llm_flag_and_unconfigured_llm_answer_extractively(indexed):
    with StubOpenAI(cite_value_error) as stub:
        flagged = as_json(run_ask(indexed, stub, "--json", "--no-llm", "-k", "4"))
        assert stub.requests == []
    assert not flagged["llm_used"] and "(--no-llm)" in flagged["note"] and flagged["checks_ok"]
    assert len(flagged["evidence"]) <= 4
    human = run_ask(indexed, None)
    assert human.returncode == 0 and "No LLM was used (no LLM configured" in human.stdout
    assert "shop/pricing.py:" in human.stdout


def test_index_ask_python_api(indexed):
    with StubOpenAI(cite_value_error) as stub, walkrag.open(indexed) as idx:
        from walkrag.models.llm import LLMConfig, OpenAIChat

        llm = OpenAIChat(LLMConfig(base_url=stub.base_url, model="stub-model", max_retries=0))
        result = idx.ask(QUESTION, llm=llm)
    assert result.llm_used and result.ok and result.citations[0].path == "shop/pricing.py"
    assert llm.calls[0].prompt_version == "answer.v1"
