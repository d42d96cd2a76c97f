"""`walkrag ask`: a cited answer, then the cited snippets."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from walkrag.answer.extractive import best_window
from walkrag.cli import IndexDir, JsonFlag, app, console, open_for_reading, out
from walkrag.retrieval.tokenize import query_tokens

SNIPPET_LINES = 12


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in plain words")],
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
    k: Annotated[int, typer.Option("-k", help="spans to retrieve before assembling the context")] = 8,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="answer with cited lines only, without a model")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="exit with status 2 when an answer check fails")] = False,
    walk: Annotated[bool | None, typer.Option(
        "--walk/--no-walk", help="force the multi-step walk, or single-shot retrieval (default: by the question)")] = None,
) -> None:
    """Answer QUESTION from the index, citing path:start-end for every claim.

    The model is taken from WALKRAG_LLM_BASE_URL / WALKRAG_LLM_MODEL / WALKRAG_LLM_API_KEY
    (or OPENAI_*). Without one, or when it fails, the answer is the most relevant cited lines.
    """
    idx = open_for_reading(index_dir)
    live = not as_json and console.is_terminal
    if live:
        tokens = 0
        with console.status("answering...") as status:

            def on_token(_piece: str) -> None:
                nonlocal tokens
                tokens += 1
                status.update(f"generating the answer... {tokens} chunks received")

            result = idx.ask(question, k=k, use_llm=not no_llm, on_token=on_token, walk=walk)
    else:
        result = idx.ask(question, k=k, use_llm=not no_llm, on_token=None if as_json else (lambda _p: None),
                         walk=walk)
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
    else:
        _print_human(result)
    if strict and not result.ok:
        raise typer.Exit(2)


def _print_human(result) -> None:
    if result.note:
        style = "yellow" if not result.llm_used else "dim"
        out.print(result.note, style=style, highlight=False, markup=False, soft_wrap=True)
        out.print()
    out.print(result.answer, highlight=False, markup=False, soft_wrap=True)
    if result.llm_used and result.citations:
        wanted = set(query_tokens(result.question + " " + result.answer))
        out.print()
        out.print("[bold]Sources[/bold]")
        for c in result.citations:
            out.print(f"[bold][{c.n}] {c.path}:{c.start_line}-{c.end_line}[/bold]", highlight=False)
            _print_snippet(c, wanted)
    for check in result.checks:
        if not check.ok:
            console.print(f"[yellow]check failed:[/yellow] {check.name}: {check.detail}", highlight=False)
    usage = result.usage
    if usage["calls"]:
        approx = "~" if usage["estimated"] else ""
        state = "" if result.llm_used else " · failed"
        console.print(
            f"[dim]{result.model} · prompt {result.prompt_version} · {len(usage['calls'])} call(s) · "
            f"{approx}{usage['prompt_tokens']}+{approx}{usage['completion_tokens']} tokens · "
            f"{result.timings.get('total_ms', 0):.0f} ms{state}[/dim]",
            highlight=False,
        )


def _print_snippet(c, wanted: set[str]) -> None:
    """The cited lines, numbered; a long span shows the window that best matches the question and answer."""
    lines = c.snippet.split("\n")
    lo, hi = best_window(lines, wanted, SNIPPET_LINES) if len(lines) > SNIPPET_LINES else (0, len(lines) - 1)
    if lo:
        out.print(f"        … {lo} line(s) above", style="dim", highlight=False)
    for offset in range(lo, hi + 1):
        out.print(f"  {c.start_line + offset:>5} │ {lines[offset]}", highlight=False, markup=False, soft_wrap=True)
    if hi < len(lines) - 1:
        out.print(f"        … {len(lines) - 1 - hi} line(s) below", style="dim", highlight=False)
