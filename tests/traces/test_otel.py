"""OpenTelemetry export with OpenInference conventions (optional: opentelemetry-sdk is not a dependency)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from trace_helpers import make_trace

from walkrag.traces.otel import INSTALL_HINT, OTelUnavailable, export_otel, spans_for
from walkrag.traces.record import LLMCall

HAS_SDK = importlib.util.find_spec("opentelemetry.sdk") is not None


def _trace():
    call = LLMCall(1, "gpt-x", "answer.v1", "answer", [{"role": "user", "content": "Q?"}], "A [1].", 12, 4, False,
                   30.0, True)
    t = make_trace("how is tax computed?", calls=[call], label="good")
    t.detail["prompts"] = {"answer.v1": {"system": "cite"}}
    return t


def test_spans_follow_openinference():
    spans = spans_for(_trace())
    root, step, llm = spans
    assert root["parent"] is None and root["attributes"]["openinference.span.kind"] == "CHAIN"
    assert root["attributes"]["input.value"] == "how is tax computed?"
    assert root["attributes"]["output.value"] == "It does [1]." and root["attributes"]["walkrag.label"] == "good"
    assert step["attributes"]["openinference.span.kind"] == "RETRIEVER" and step["parent"] == 0
    a = llm["attributes"]
    assert a["openinference.span.kind"] == "LLM" and a["llm.model_name"] == "gpt-x"
    assert a["llm.input_messages.0.message.content"] == "Q?" and a["llm.output_messages.0.message.content"] == "A [1]."
    assert (a["llm.token_count.prompt"], a["llm.token_count.completion"], a["llm.token_count.total"]) == (12, 4, 16)
    assert a["llm.prompt_template.version"] == "answer.v1" and json.loads(a["llm.prompt_template.template"])
    assert all(s["end_ns"] >= s["start_ns"] for s in spans)


def test_search_trace_carries_its_documents():
    root = spans_for(make_trace("tax", "search"))[0]
    assert root["attributes"]["openinference.span.kind"] == "RETRIEVER"
    assert root["attributes"]["retrieval.documents.0.document.id"] == "shop/pricing.py:17-21"
    assert "retrieval.documents.2.document.content" in root["attributes"]


@pytest.mark.skipif(HAS_SDK, reason="opentelemetry-sdk is installed")
def test_without_the_sdk_the_message_says_what_to_install():
    with pytest.raises(OTelUnavailable) as err:
        export_otel([_trace()])
    assert str(err.value) == INSTALL_HINT and "pip install opentelemetry-sdk" in INSTALL_HINT


@pytest.mark.skipif(not HAS_SDK, reason="opentelemetry-sdk is not installed")
def test_with_the_sdk_spans_are_exported():
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    assert export_otel([_trace()], exporter) == 3
    names = {s.name for s in exporter.get_finished_spans()}
    assert names == {"walkrag.ask", "walkrag.step.search", "walkrag.llm.answer"}
