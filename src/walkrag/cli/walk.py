"""`walkrag walk`: multi-step retrieval with a record of every step; `--batch` for evaluation harnesses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from walkrag.cli import IndexDir, JsonFlag, app, console, fail, open_for_reading, out, run_batch


@app.command()
def walk(
    question: Annotated[str | None, typer.Argument(help="the question, in plain words")] = None,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
    show: Annotated[bool, typer.Option("--show", help="print each step as it happens")] = False,
    k: Annotated[int, typer.Option("-k", help="evidence spans to answer from")] = 10,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="walk the code graph without a model")] = False,
    max_steps: Annotated[int | None, typer.Option("--max-steps", help="stop after this many steps")] = None,
    batch: Annotated[Path | None, typer.Option(help="JSONL of {qid, query}: write the walk's evidence per query")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="where --batch writes results")] = None,
) -> None:
    """Walk the index to answer QUESTION: read, extract cited facts, follow threads, stop when covered.

    Uses the model of WALKRAG_LLM_BASE_URL / WALKRAG_LLM_MODEL when configured, and the
    LLM-free graph walk otherwise (or with --no-llm).
    """
    from walkrag.walk import Budget

    idx = open_for_reading(index_dir)
    budget = Budget(max_steps=max_steps) if max_steps is not None else None
    if batch is not None:
        run_batch(
            batch,
            out_path,
            lambda q: [e.result_json() for e in idx.walk(q, k=k, use_llm=not no_llm, budget=budget).evidence],
        )
        return
    if not question:
        raise fail("give a QUESTION or --batch FILE")
    on_step = _print_step if show else None
    result = idx.walk(question, k=k, use_llm=not no_llm, budget=budget, on_step=on_step)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        return
    _print_result(result)


def _print_step(step) -> None:
    console.print(f"[bold]step {step.n}[/bold] {step.action} · {step.ms:.0f} ms"
                  + (f" · {step.tokens} tokens" if step.tokens else ""), highlight=False)
    for q in step.queries:
        console.print(f"  search  {q}", highlight=False, markup=False)
    for ref in step.found[:8]:
        console.print(f"  found   {ref}", highlight=False, markup=False)
    if len(step.found) > 8:
        console.print(f"  ...and {len(step.found) - 8} more", style="dim", highlight=False)
    for ref in step.dropped:
        console.print(f"  dropped {ref}", style="dim", highlight=False, markup=False)
    if step.error:
        console.print(f"  [yellow]{step.error}[/yellow]", highlight=False)
    console.print(f"  → {step.decision}", style="dim", highlight=False, markup=False)


def _print_result(result) -> None:
    a = result.analysis
    out.print(f"[dim]{a.level} ({a.source}) · {len(result.record.steps)} step(s) · "
              f"stopped: {result.record.stop_reason}[/dim]", highlight=False)
    if result.note:
        out.print(result.note, style="yellow" if not result.llm_used else "dim", highlight=False, markup=False)
    out.print()
    out.print(result.answer, highlight=False, markup=False, soft_wrap=True)
    if result.record.facts:
        out.print()
        out.print("[bold]Facts[/bold]")
        for f in result.record.facts:
            out.print(f"  - {f.text}  ({f.ref})", highlight=False, markup=False, soft_wrap=True)
    out.print()
    out.print("[bold]Evidence[/bold]")
    for i, e in enumerate(result.evidence[:10], 1):
        out.print(f"{i:>3}. {e.ref}  {e.score:.3f}  {e.symbol or e.header}", highlight=False, markup=False)
    for check in result.checks:
        if not check.ok:
            console.print(f"[yellow]check failed:[/yellow] {check.name}: {check.detail}", highlight=False)
