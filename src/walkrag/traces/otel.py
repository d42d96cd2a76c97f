"""Optional OpenTelemetry export with the OpenInference semantic conventions, so that traces open in
Arize Phoenix, Langfuse or any OTLP backend.

Needs ``opentelemetry-sdk`` (and ``opentelemetry-exporter-otlp-proto-http`` to send over OTLP), which
walkrag does not depend on: ``pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http``.
:func:`spans_for` is plain Python (the mapping); :func:`export_otel` hands the spans to the SDK.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from walkrag.traces.record import Trace

INSTALL_HINT = ("OpenTelemetry export needs opentelemetry-sdk (and opentelemetry-exporter-otlp-proto-http to send "
                "over OTLP): pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http")
_ROOT_KIND = {"search": "RETRIEVER", "ask": "CHAIN", "walk": "AGENT", "eval": "CHAIN"}


class OTelUnavailable(RuntimeError):
    """opentelemetry-sdk is not installed."""


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


def _documents(prefix: str, evidence) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for i, e in enumerate(evidence):
        key = f"{prefix}.{i}.document"
        attrs[f"{key}.id"] = e.ref
        attrs[f"{key}.content"] = e.text
        if e.score is not None:
            attrs[f"{key}.score"] = float(e.score)
        meta = {"path": e.path, "start_line": e.start_line, "end_line": e.end_line, "cited": e.cited,
                "relevant": e.relevant}
        attrs[f"{key}.metadata"] = json.dumps(meta)
    return attrs


def spans_for(trace: Trace) -> list[dict]:
    """OpenInference spans of one trace: a root span, one per step, one per LLM call.

    Each span is ``{name, kind, start_ns, end_ns, parent (index or None), attributes}``.
    """
    start = trace.created
    end = start + trace.duration_ms / 1000
    root_attrs: dict[str, Any] = {
        "openinference.span.kind": _ROOT_KIND.get(trace.kind, "CHAIN"),
        "input.value": trace.question, "input.mime_type": "text/plain",
        "metadata": json.dumps({"walkrag.trace_id": trace.id, "config": trace.config}, default=str),
        "walkrag.trace_id": trace.id,
    }
    if trace.answer is not None:
        root_attrs.update({"output.value": trace.answer, "output.mime_type": "text/plain"})
    if trace.label:
        root_attrs["tag.tags"] = json.dumps([trace.label])
        root_attrs["walkrag.label"] = trace.label
    if trace.note:
        root_attrs["walkrag.note"] = trace.note
    if trace.kind == "search":
        root_attrs.update(_documents("retrieval.documents", trace.evidence))
    spans = [{"name": f"walkrag.{trace.kind}", "kind": root_attrs["openinference.span.kind"], "start_ns": _ns(start),
              "end_ns": _ns(end), "parent": None, "attributes": root_attrs, "error": trace.error}]
    for step in trace.steps if trace.kind != "search" else []:
        at = start + float(step.get("at_ms") or 0) / 1000
        took = float(step.get("ms") or 0) / 1000
        name = str(step.get("name", "step"))
        kind = "RETRIEVER" if name == "search" else "CHAIN"
        attrs: dict[str, Any] = {"openinference.span.kind": kind, "input.value": str(step.get("query") or ""),
                                 "metadata": json.dumps(step, default=str)}
        if kind == "RETRIEVER":
            mine = [e for e in trace.evidence if e.step == step.get("i")]
            attrs.update(_documents("retrieval.documents", mine))
        spans.append({"name": f"walkrag.step.{name}", "kind": kind, "start_ns": _ns(max(start, at - took)),
                      "end_ns": _ns(max(start, at)), "parent": 0, "attributes": attrs, "error": step.get("error")})
    cursor = start
    for call in trace.calls:
        attrs = {
            "openinference.span.kind": "LLM", "llm.model_name": call.model or "",
            "llm.token_count.prompt": call.prompt_tokens, "llm.token_count.completion": call.completion_tokens,
            "llm.token_count.total": call.prompt_tokens + call.completion_tokens,
        }
        if call.prompt_version:
            attrs["llm.prompt_template.version"] = call.prompt_version
            template = (trace.detail.get("prompts") or {}).get(call.prompt_version)
            if template:
                attrs["llm.prompt_template.template"] = json.dumps(template)
        for i, m in enumerate(call.messages):
            attrs[f"llm.input_messages.{i}.message.role"] = m.get("role", "")
            attrs[f"llm.input_messages.{i}.message.content"] = m.get("content", "")
        if call.output is not None:
            attrs["llm.output_messages.0.message.role"] = "assistant"
            attrs["llm.output_messages.0.message.content"] = call.output
            attrs["output.value"] = call.output
        if call.messages:
            attrs["input.value"] = json.dumps(call.messages)
            attrs["input.mime_type"] = "application/json"
        took = call.latency_ms / 1000
        spans.append({"name": f"walkrag.llm.{call.purpose or 'call'}", "kind": "LLM", "start_ns": _ns(cursor),
                      "end_ns": _ns(min(end, cursor + took) if end > cursor else cursor + took), "parent": 0,
                      "attributes": attrs, "error": call.error})
        cursor += took
    return spans


def _sdk():
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    except ImportError as exc:
        raise OTelUnavailable(INSTALL_HINT) from exc
    return Resource, TracerProvider, SimpleSpanProcessor


def otlp_exporter(endpoint: str | None):
    """The OTLP/HTTP exporter (``endpoint`` like ``http://localhost:6006/v1/traces`` for Phoenix)."""
    _sdk()
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise OTelUnavailable(INSTALL_HINT) from exc
    return OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()


def export_otel(traces: Iterable[Trace], exporter=None, *, endpoint: str | None = None,
                service_name: str = "walkrag") -> int:
    """Send ``traces`` as OpenInference spans to ``exporter`` (default: OTLP over HTTP). Returns spans sent."""
    Resource, TracerProvider, SimpleSpanProcessor = _sdk()
    from opentelemetry.trace import Status, StatusCode, set_span_in_context

    exporter = exporter or otlp_exporter(endpoint)
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("walkrag.traces")
    sent = 0
    for trace in traces:
        made: list = []
        specs = spans_for(trace)
        for spec in specs:
            context = set_span_in_context(made[spec["parent"]]) if spec["parent"] is not None else None
            span = tracer.start_span(spec["name"], context=context, start_time=spec["start_ns"],
                                     attributes=spec["attributes"])
            if spec.get("error"):
                span.set_status(Status(StatusCode.ERROR, str(spec["error"])))
            made.append(span)
        for span, spec in reversed(list(zip(made, specs))):
            span.end(end_time=max(spec["end_ns"], spec["start_ns"]))
        sent += len(made)
    provider.force_flush()
    provider.shutdown()
    return sent
