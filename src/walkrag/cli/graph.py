"""`walkrag symbols`, `refs`, `calls` and `related`: navigation over the code graph."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from walkrag.cli import IndexDir, JsonFlag, app, open_for_reading, out

Limit = Annotated[int, typer.Option("-k", "--limit", help="most results to show")]


def _print_json(items: list) -> None:
    out.print_json(json.dumps(items))


def _span(item: dict) -> str:
    return f"{item['path']}:{item['start_line']}-{item['end_line']}"


@app.command()
def symbols(
    name: Annotated[str, typer.Argument(help="a name, part of one, a misspelling, or a dotted path")],
    k: Limit = 10,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Find definitions by name: exact, case-insensitive, partial and fuzzy (best first)."""
    found = open_for_reading(index_dir).symbols(name, k)
    if as_json:
        _print_json([m.as_dict() for m in found])
        return
    if not found:
        out.print(f"no definition matches {name!r}", highlight=False)
    for m in found:
        out.print(
            f"[bold]{m.qualified_name}[/bold]  {m.kind}  {m.path}:{m.start_line}-{m.end_line}  "
            f"[dim]{m.match} {m.score:.2f}[/dim]",
            highlight=False,
        )


@app.command()
def refs(
    symbol: Annotated[str, typer.Argument(help="the symbol whose references to list")],
    k: Limit = 200,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Who references SYMBOL: calls, type uses, subclasses, imports and documentation."""
    found = open_for_reading(index_dir).refs(symbol, k)
    if as_json:
        _print_json(found)
        return
    if not found:
        out.print(f"no references to {symbol!r}", highlight=False)
    for r in found:
        sure = "" if r["confidence"] >= 1 else f"  [yellow]{r['confidence']:.2f} {r['how']}[/yellow]"
        out.print(f"{_span(r)}  {r['kind']:<8} in {r['symbol'] or '(top level)'}{sure}", highlight=False)


@app.command()
def calls(
    symbol: Annotated[str, typer.Argument(help="the symbol whose calls to list")],
    k: Limit = 200,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """What SYMBOL calls and uses, and where each target is defined."""
    found = open_for_reading(index_dir).calls(symbol, k)
    if as_json:
        _print_json(found)
        return
    if not found:
        out.print(f"no calls found in {symbol!r}", highlight=False)
    for c in found:
        where = (
            ", ".join(
                f"{t['qualified_name']} ({t['path']}:{t['start_line']}"
                + ("" if t["confidence"] >= 1 else f", {t['confidence']:.2f}")
                + ")"
                for t in c["targets"][:3]
            )
            or "[dim]unresolved[/dim]"
        )
        out.print(f"{c['path']}:{c['start_line']}  {c['kind']:<7} {c['name']}  -> {where}", highlight=False)


@app.command()
def related(
    place: Annotated[str, typer.Argument(help="PATH or PATH:LINE")],
    k: Limit = 60,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Neighbours of a place: its definitions, callers, callees, documenting sections, linked files."""
    found = open_for_reading(index_dir).related(place, limit=k)
    if as_json:
        _print_json(found)
        return
    if not found:
        out.print(f"nothing indexed at {place}", highlight=False)
    for item in found:
        out.print(
            f"{item['relation']:<14} {_span(item)}  {item.get('symbol') or ''}  "
            f"[dim]{item['weight']:.2f}[/dim]",
            highlight=False,
        )
