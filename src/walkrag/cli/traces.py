"""`walkrag traces list | show | label | export | prune | otel`, `walkrag ui`, and the global `--no-trace`."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from walkrag.cli import IndexDir, JsonFlag, app, console, fail, out

traces_app = typer.Typer(no_args_is_help=True, help="Recorded searches, asks and walks: list, show, label, export.")
app.add_typer(traces_app, name="traces")

Kind = Annotated[str | None, typer.Option("--kind", help="search | ask | walk, or eval (what eval runs recorded)")]


@app.callback()
def _main(
    no_trace: Annotated[bool, typer.Option("--no-trace", help="record no trace of this run (or WALKRAG_TRACES=off)")]
    = False,
) -> None:
    """Cited answers about any body of text."""
    if no_trace:
        os.environ["WALKRAG_TRACES"] = "off"


def _index_dir(index_dir: Path | None) -> Path:
    if index_dir is not None:
        return index_dir
    from walkrag.indexing import find_index_dir

    found = find_index_dir()
    if found is None:
        raise fail("no .walkrag index found here or above; pass --index-dir")
    return Path(found)


def _store(index_dir: Path | None, *, create: bool = False):
    from walkrag.traces.recorder import traces_dir
    from walkrag.traces.store import TraceError, TraceStore

    folder = traces_dir(_index_dir(index_dir))
    try:
        return TraceStore(folder, create=create)
    except TraceError as exc:
        raise fail(str(exc)) from exc


def _check_kind(kind: str | None) -> None:
    from walkrag.traces.store import KINDS

    if kind is not None and kind not in KINDS:
        raise fail(f"--kind must be one of {', '.join(KINDS)}")


@traces_app.command("list")
def list_traces(
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="most traces to list")] = 50,
    kind: Kind = None,
    label: Annotated[str | None, typer.Option("--label", help="good | bad | unlabeled | labeled")] = None,
    contains: Annotated[str | None, typer.Option("--contains", help="question contains this text")] = None,
) -> None:
    """Traces, newest first."""
    _check_kind(kind)
    from walkrag.traces.recorder import traces_dir
    from walkrag.traces.store import DB_NAME

    if not (traces_dir(_index_dir(index_dir)) / DB_NAME).exists():
        rows: list[dict] = []
    else:
        rows = _store(index_dir).list(limit=limit, kind=kind, label=label, text=contains)
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    if not rows:
        out.print("no traces yet (run a search, ask or walk)")
        return
    for r in rows:
        when = dt.datetime.fromtimestamp(r["created"]).strftime("%Y-%m-%d %H:%M")
        label_text = r["label"] or "-"
        out.print(f"{r['id']}  {when}  {r['kind']:<6} {label_text:<5} {r['n_evidence']:>3} ev  {r['question'][:90]}",
                  highlight=False, markup=False, soft_wrap=True)


@traces_app.command("show")
def show(trace_id: Annotated[str, typer.Argument(help="trace id")], index_dir: IndexDir = None,
         as_json: JsonFlag = False) -> None:
    """One trace: steps, evidence, LLM calls, answer and checks."""
    from walkrag.traces.store import TraceError

    try:
        trace = _store(index_dir).get(trace_id)
    except TraceError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps(trace.as_dict(), ensure_ascii=False) + "\n")
        return
    out.print(f"[bold]{trace.question}[/bold]", highlight=False)
    out.print(f"{trace.kind} · {trace.id} · {trace.duration_ms:.0f} ms · {trace.status} · label {trace.label or '-'}"
              + (f" · note: {trace.note}" if trace.note else ""), style="dim", highlight=False, markup=False)
    if trace.error:
        out.print(f"error: {trace.error}", style="red", highlight=False, markup=False)
    for step in trace.steps:
        query = step.get("query") or "; ".join(map(str, step.get("queries") or []))
        found = step.get("n_hits", len(step.get("found") or []))
        parts = [f"“{query}”" if query else "", f"{found} found" if found else "",
                 f"{step['ms']:.0f} ms" if isinstance(step.get("ms"), int | float) else "", step.get("decision") or ""]
        out.print(f"  step {step.get('i')}: {step.get('name')}  " + " · ".join(p for p in parts if p),
                  highlight=False, markup=False, soft_wrap=True)
    if trace.answer is not None:
        out.print()
        out.print(trace.answer, highlight=False, markup=False, soft_wrap=True)
    out.print()
    for e in trace.evidence:
        flags = " ".join(f for f, on in (("shown", e.shown), ("cited", e.cited)) if on)
        mark = {True: "relevant", False: "not relevant", None: ""}[e.relevant]
        score = f"{e.score:.4f}" if e.score is not None else ""
        out.print(f"  #{e.rank:<3} {e.ref}  {score}  {flags}  {mark}", highlight=False, markup=False)
    for c in trace.calls:
        out.print(f"  llm #{c.seq} {c.model} {c.prompt_version or ''} {c.prompt_tokens}+{c.completion_tokens} tokens "
                  f"{c.latency_ms:.0f} ms {'ok' if c.ok else 'failed: ' + (c.error or '')}", highlight=False, markup=False)


@traces_app.command("label")
def label(
    trace_id: Annotated[str, typer.Argument(help="trace id")],
    value: Annotated[str, typer.Argument(help="good | bad | clear")],
    note: Annotated[str | None, typer.Option("--note", help="why")] = None,
    relevant: Annotated[list[int] | None, typer.Option("--relevant", help="evidence rank to mark relevant")] = None,
    not_relevant: Annotated[list[int] | None, typer.Option("--not-relevant", help="evidence rank to mark not relevant")]
    = None,
    index_dir: IndexDir = None,
) -> None:
    """Label a trace good or bad (with a note), and mark evidence relevant or not."""
    from walkrag.traces.store import TraceError

    if value not in ("good", "bad", "clear"):
        raise fail("the label is good, bad or clear")
    store = _store(index_dir)
    try:
        store.set_label(trace_id, None if value == "clear" else value, note)
        for rank in relevant or []:
            store.mark_evidence(trace_id, rank, True)
        for rank in not_relevant or []:
            store.mark_evidence(trace_id, rank, False)
    except TraceError as exc:
        raise fail(str(exc)) from exc
    console.print(f"{trace_id}: {value}", highlight=False)


@traces_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="eval | sharegpt | openai | triples")],
    out_path: Annotated[Path, typer.Option("--out", help="JSONL file to write")],
    labeled_only: Annotated[bool, typer.Option("--labeled-only", help="only traces a person labeled or marked")]
    = False,
    split: Annotated[float | None, typer.Option("--split", help="fraction of questions held out, to FILE.heldout")]
    = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the train/held-out split")] = 0,
    kind: Kind = None,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Labeled traces as an eval dataset, chat JSONL (sharegpt, OpenAI messages) or embedding triples."""
    _check_kind(kind)
    from walkrag.traces.export import ExportError
    from walkrag.traces.export import export as run_export

    store = _store(index_dir)
    try:
        report = run_export(store.iter_traces(labeled_only=labeled_only, kind=kind), fmt, out_path,
                            labeled_only=labeled_only, split=split, seed=seed)
    except ExportError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
        return
    dropped = ", ".join(f"{n} {why}" for why, n in report.dropped.items()) or "none"
    console.print(f"wrote {report.written} row(s) to {report.paths[0]}"
                  + (f", {report.heldout} held out to {report.paths[1]}" if split is not None else "")
                  + f" from {report.traces_used} trace(s); dropped: {dropped}", highlight=False)


@traces_app.command("prune")
def prune(
    max_mb: Annotated[float | None, typer.Option("--max-mb", help="keep the store under this size")] = None,
    max_days: Annotated[float | None, typer.Option("--max-days", help="drop unlabeled traces older than this")]
    = None,
    index_dir: IndexDir = None,
) -> None:
    """Apply retention now (defaults: WALKRAG_TRACES_MAX_MB / WALKRAG_TRACES_MAX_DAYS or the settings)."""
    from walkrag.traces.recorder import trace_settings

    settings = trace_settings()
    store = _store(index_dir)
    removed = store.prune(max_bytes=int(max_mb * 1024 * 1024) if max_mb is not None else settings.max_bytes,
                          max_age_days=max_days if max_days is not None else settings.max_age_days)
    console.print(f"removed {removed} trace(s); {store.stats()['traces']} left", highlight=False)


@traces_app.command("otel")
def otel(
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="OTLP/HTTP traces URL (Phoenix: "
                                                                    "http://localhost:6006/v1/traces)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="newest traces to send")] = 1000,
    labeled_only: Annotated[bool, typer.Option("--labeled-only")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Send traces to an OpenTelemetry backend with OpenInference conventions (needs opentelemetry-sdk)."""
    from walkrag.traces.otel import OTelUnavailable, export_otel, otlp_exporter

    store = _store(index_dir)
    try:
        exporter = otlp_exporter(endpoint)
    except OTelUnavailable as exc:
        raise fail(str(exc)) from exc
    ids = [r["id"] for r in store.list(limit=limit, label="labeled" if labeled_only else None)]
    sent = export_otel((store.get(i) for i in reversed(ids)), exporter)
    console.print(f"sent {sent} span(s) from {len(ids)} trace(s)", highlight=False)


@app.command()
def ui(
    index_dir: IndexDir = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8770,
    host: Annotated[str, typer.Option(help="address to bind (loopback only)")] = "127.0.0.1",
) -> None:
    """Browse, filter and label traces in the browser; ask a question and watch it run."""
    from walkrag.traces.ui import UIError, serve_ui

    try:
        serve_ui(_index_dir(index_dir), host=host, port=port)
    except UIError as exc:
        raise fail(str(exc), 2) from exc
