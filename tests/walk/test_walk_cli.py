"""`walkrag walk` end to end: the batch format checks rely on, --show, --json, `ask --walk/--no-walk`,
and the walk through the real `openai` client against a local OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openai_stub import Reply, StubOpenAI
from walk_helpers import QUESTION, WalkModel, covering_read

import walkrag
from walkrag.models.llm import LLMConfig, OpenAIChat

pytestmark = pytest.mark.slow  # each case starts a `walkrag` process or a server


def run(root: Path, *args: str, stub: StubOpenAI | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALKRAG_", "OPENAI_"))}
    env["WALKRAG_TRACES"] = "off"
    if stub is not None:
        env.update(WALKRAG_LLM_BASE_URL=stub.base_url, WALKRAG_LLM_MODEL="stub-model", WALKRAG_LLM_API_KEY="k",
                   WALKRAG_LLM_MAX_RETRIES="0", WALKRAG_LLM_TIMEOUT="5", WALKRAG_LLM_CONTEXT_WINDOW="16000")
    return subprocess.run([sys.executable, "-m", "walkrag", *args, "--index-dir", str(root / ".walkrag")],
                          capture_output=True, text=True, env=env, cwd=root.parent, timeout=120)


def stub_responder(model: WalkModel):
    return lambda body, i: Reply(model(body["messages"], i))


def check_batch(path: Path, root: Path, qids: list[str], chunks: int) -> None:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["qid"] for line in lines] == qids
    for line in lines:
        results = line["results"]
        assert len(results) >= min(20, chunks)
        for r in results:
            assert {"path", "start_line", "end_line", "score", "symbol", "why"} <= set(r)
            assert not r["path"].startswith("/") and (root / r["path"]).is_file()
            assert 1 <= r["start_line"] <= r["end_line"]
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True)


def test_batch_without_llm_has_the_search_batch_format(indexed: Path, tmp_path: Path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"qid": "a", "query": QUESTION}) + "\n\n"
                       + json.dumps({"qid": 7, "query": "Where is the ring buffer defined?"}) + "\n")
    out = tmp_path / "out.jsonl"
    proc = run(indexed, "walk", "--batch", str(queries), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    with walkrag.open(indexed) as idx:
        chunks = idx.store.count("chunks")
    check_batch(out, indexed, ["a", 7], chunks)
    first = json.loads(out.read_text().splitlines()[0])["results"]
    assert {"shop/cart.py", "shop/pricing.py"} <= {r["path"] for r in first[:6]}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "no qid"}\n')
    proc = run(indexed, "walk", "--batch", str(bad))
    assert proc.returncode == 1 and "expected" in proc.stderr and "Traceback" not in proc.stderr


def test_batch_with_llm_uses_the_model(indexed: Path, tmp_path: Path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"qid": "q1", "query": QUESTION}) + "\n")
    out = tmp_path / "out.jsonl"
    model = WalkModel(covering_read)
    with StubOpenAI(stub_responder(model)) as stub:
        proc = run(indexed, "walk", "--batch", str(queries), "--out", str(out), stub=stub)
    assert proc.returncode == 0, proc.stderr
    assert "read" in model.kinds
    with walkrag.open(indexed) as idx:
        chunks = idx.store.count("chunks")
    check_batch(out, indexed, ["q1"], chunks)
    results = json.loads(out.read_text())["results"]
    assert results[0]["why"]["walk"]["status"] == "cited"


def test_show_prints_steps_and_json_has_the_record(indexed: Path):
    proc = run(indexed, "walk", QUESTION, "--no-llm", "--show")
    assert proc.returncode == 0, proc.stderr
    assert "step 1" in proc.stderr and "search" in proc.stderr
    assert "Evidence" in proc.stdout
    proc = run(indexed, "walk", QUESTION, "--no-llm", "--json", "--max-steps", "2")
    data = json.loads(proc.stdout)
    assert data["walk"]["mode"] == "graph" and len(data["walk"]["steps"]) <= 2
    assert data["evidence"] and data["citations"] and data["checks_ok"]


def test_ask_walk_flags(indexed: Path):
    walked = json.loads(run(indexed, "ask", "Where is the ring buffer defined?", "--no-llm", "--json",
                            "--walk").stdout)
    single = json.loads(run(indexed, "ask", QUESTION, "--no-llm", "--json", "--no-walk").stdout)
    routed = json.loads(run(indexed, "ask", QUESTION, "--no-llm", "--json").stdout)
    assert "walk" in walked and "walk" not in single and "walk" in routed
    keys = {"question", "answer", "citations", "evidence", "checks", "checks_ok", "llm_used", "note", "usage"}
    assert keys <= set(walked) and keys <= set(single)


def test_walk_through_the_openai_client(indexed: Path):
    model = WalkModel(covering_read)
    with StubOpenAI(stub_responder(model)) as stub, walkrag.open(indexed) as idx:
        llm = OpenAIChat(LLMConfig(base_url=stub.base_url, model="stub-model", api_key="k", context_window=16000,
                                   max_retries=0, timeout_s=5))
        result = idx.walk(QUESTION, llm=llm)
        sent = [b["response_format"]["json_schema"]["name"] for b in stub.requests if "response_format" in b]
    assert sent[:2] == ["_AnalysisOutput", "ReadOutput"] and sent[-1] == "AnswerOutput"
    assert result.llm_used and result.ok and result.record.stop_reason == "every part of the question is covered"
    assert {f.path for f in result.record.facts} == {"shop/cart.py", "shop/pricing.py"}
    assert result.usage["prompt_tokens"] == 111 * len(stub.requests)  # the server's usage, not estimates
    assert not result.usage["estimated"]
