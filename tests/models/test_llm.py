"""The OpenAI-compatible client against a real local HTTP server with scripted completions."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from walkrag.config import ConfigError, Settings, load_settings
from walkrag.models.llm import (
    LLM,
    ContextOverflow,
    LLMConfig,
    LLMOutputError,
    LLMUnavailable,
    OpenAIChat,
    check_fits,
    count_tokens,
    llm_from_settings,
    parse_json_output,
    structured,
)

_spec = importlib.util.spec_from_file_location(
    "openai_stub", Path(__file__).resolve().parents[1] / "answer" / "openai_stub.py"
)
stub_mod = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("openai_stub", stub_mod)
_spec.loader.exec_module(stub_mod)
Reply, StubOpenAI = stub_mod.Reply, stub_mod.StubOpenAI


class Verdict(BaseModel):
    relevant: bool
    reason: str


def client(stub, **kw) -> OpenAIChat:
    cfg = {"base_url": stub.base_url, "model": "stub-model", "max_retries": 0, "timeout_s": 5.0, **kw}
    return OpenAIChat(LLMConfig(**cfg))


MSG = [{"role": "user", "content": "hello"}]


def test_plain_completion_records_usage_latency_and_prompt_version():
    with StubOpenAI(lambda body, i: Reply("hi there", prompt_tokens=40, completion_tokens=3)) as stub:
        llm = client(stub)
        assert isinstance(llm, LLM)
        done = llm.complete(MSG, max_tokens=50, prompt_version="answer.v1", purpose="test")
    assert done.text == "hi there" and done.finish_reason == "stop"
    rec = done.record
    assert (rec.prompt_tokens, rec.completion_tokens, rec.usage_estimated) == (40, 3, False)
    assert rec.prompt_version == "answer.v1" and rec.ok and rec.latency_ms > 0 and not rec.streamed
    assert llm.calls == [rec]
    sent = stub.requests[0]
    assert sent["model"] == "stub-model" and sent["max_tokens"] == 50 and not sent.get("stream")


def test_streaming_delivers_pieces_and_usage_from_the_final_chunk():
    text = "A streamed answer that arrives in several pieces [1]."
    with StubOpenAI(lambda body, i: Reply(text, prompt_tokens=70, completion_tokens=12)) as stub:
        pieces: list[str] = []
        done = client(stub).complete(MSG, on_token=pieces.append)
    assert len(pieces) > 3 and "".join(pieces) == text == done.text
    assert done.record.streamed and (done.record.prompt_tokens, done.record.completion_tokens) == (70, 12)
    assert stub.requests[0]["stream"] is True
    assert stub.requests[0]["stream_options"] == {"include_usage": True}


def test_structured_output_retries_with_the_validation_error_then_succeeds():
    replies = ["not json at all", json.dumps({"relevant": True, "reason": "mentions tax"})]
    with StubOpenAI(lambda body, i: Reply(replies[i])) as stub:
        out, done = structured(client(stub), MSG, Verdict, retries=2, prompt_version="judge.v1")
    assert out == Verdict(relevant=True, reason="mentions tax")
    assert len(done) == 2 and len(stub.requests) == 2
    fmt = stub.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Verdict"
    assert "relevant" in fmt["json_schema"]["schema"]["properties"]
    feedback = stub.requests[1]["messages"][-1]["content"]
    assert "rejected" in feedback and "not valid JSON" in feedback


def test_structured_output_gives_up_after_bounded_retries():
    with StubOpenAI(lambda body, i: Reply('{"relevant": "maybe"')) as stub:
        with pytest.raises(LLMOutputError) as err:
            structured(client(stub), MSG, Verdict, retries=1)
    assert len(stub.requests) == 2
    assert len(err.value.records) == 2


def test_schema_mismatch_is_rejected_and_fenced_json_is_accepted():
    with pytest.raises(ValueError, match="schema"):
        parse_json_output('{"relevant": true}', Verdict)
    assert parse_json_output('```json\n{"relevant": false, "reason": "x"}\n```', Verdict).relevant is False


def test_server_error_is_unavailable_and_recorded():
    with StubOpenAI(lambda body, i: Reply(status=500)) as stub:
        llm = client(stub)
        with pytest.raises(LLMUnavailable, match="HTTP 500") as err:
            llm.complete(MSG)
    assert err.value.records[0].ok is False and llm.calls[0].error == "endpoint answered HTTP 500"


def test_timeout_is_unavailable_and_bounded():
    with StubOpenAI(lambda body, i: Reply("late", delay=3.0)) as stub:
        started = time.perf_counter()
        with pytest.raises(LLMUnavailable, match="timed out"):
            client(stub, timeout_s=0.4).complete(MSG)
    assert time.perf_counter() - started < 2.5


def test_unreachable_endpoint_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = OpenAIChat(LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=0, timeout_s=2))
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        llm.complete(MSG)


def test_a_200_that_is_not_a_completion_is_an_output_error():
    with StubOpenAI(lambda body, i: Reply(raw_body="<html>proxy says hello</html>")) as stub:
        with pytest.raises(LLMOutputError):
            client(stub).complete(MSG)


def test_server_without_json_schema_support_gets_the_request_again_without_it():
    def responder(body, i):
        return Reply(status=400) if "response_format" in body else Reply('{"relevant": true, "reason": "ok"}')

    with StubOpenAI(responder) as stub:
        out, _ = structured(client(stub), MSG, Verdict)
    assert out.relevant and len(stub.requests) == 2 and "response_format" not in stub.requests[1]


def test_context_overflow_is_refused_before_sending():
    with StubOpenAI(lambda body, i: Reply("x")) as stub:
        llm = client(stub, context_window=300)
        with pytest.raises(ContextOverflow):
            llm.complete([{"role": "user", "content": "word " * 400}], max_tokens=100)
        llm.complete([{"role": "user", "content": "short"}], max_tokens=100)
    assert len(stub.requests) == 1


def test_token_estimate_and_fit_check():
    assert count_tokens("") == 0
    assert count_tokens("x" * 35) == 10
    assert count_tokens("def f():\n    return 1\n" * 10) > count_tokens("def f():\n    return 1\n")
    msgs = [{"role": "user", "content": "a" * 350}]
    assert check_fits(msgs, 100, 1000) >= 100
    with pytest.raises(ContextOverflow):
        check_fits(msgs, 950, 1000)


def test_concurrency_limit_caps_requests_in_flight():
    with StubOpenAI(lambda body, i: Reply("ok", delay=0.25)) as stub:
        llm = client(stub, concurrency=2)
        threads = [threading.Thread(target=llm.complete, args=(MSG,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(stub.requests) == 6 and len(llm.calls) == 6
    assert stub.max_in_flight == 2


def test_llm_from_settings(monkeypatch):
    assert llm_from_settings(Settings()) is None
    monkeypatch.setenv("WALKRAG_LLM_CONTEXT_WINDOW", "4096")
    monkeypatch.setenv("WALKRAG_LLM_TIMEOUT", "7.5")
    monkeypatch.setenv("WALKRAG_LLM_CONCURRENCY", "3")
    llm = llm_from_settings(load_settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="qwen"))
    assert (llm.model, llm.context_window, llm.config.timeout_s, llm.config.concurrency) == ("qwen", 4096, 7.5, 3)
    monkeypatch.setenv("WALKRAG_LLM_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="llm_timeout_s"):
        load_settings(llm_model="qwen")
