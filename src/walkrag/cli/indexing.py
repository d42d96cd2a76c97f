"""`walkrag index`, `status` and `search`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from walkrag.cli import IndexDir, JsonFlag, app, console, fail, open_for_reading, out, run_batch
from walkrag.index import open_index
from walkrag.retrieval.ranking import why_text
from walkrag.retrieval.search import ALL_RETRIEVERS, SearchOptions


@app.command()
def index(
    path: Annotated[Path, typer.Argument(help="folder to index")],
    index_dir: IndexDir = None,
    max_file_bytes: Annotated[int | None, typer.Option(help="skip files larger than this")] = None,
    embedder: Annotated[str | None, typer.Option(help="static-minilm | minilm[:TOKENS] | st:NAME | openai:MODEL")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Build or update the index of PATH (only changed files are processed)."""
    if not path.is_dir():
        raise fail(f"not a folder: {path}")
    idx = open_index(path, index_dir=index_dir, max_file_bytes=max_file_bytes, embedder=embedder)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]indexing[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
        TimeElapsedColumn(), TextColumn("{task.fields[rate]}"),
        console=console, transient=True, disable=as_json or not console.is_terminal,
    ) as bar:
        task = bar.add_task("index", total=None, rate="")

        def progress(_stage: str, done: int, total: int, stats) -> None:
            elapsed = max(time.perf_counter() - started, 1e-6)
            rate = (
                f"{done / elapsed:.0f} files/s, {stats.added + stats.changed} files stored, "
                f"{stats.embedded / elapsed:.0f} embeddings/s"
            )
            bar.update(task, completed=done, total=total, rate=rate)

        stats = idx.update(progress)
    if as_json:
        out.print_json(json.dumps({"index_dir": str(idx.index_dir), **stats.as_dict()}))
        return
    rate = stats.embedded / stats.seconds if stats.seconds else 0
    console.print(
        f"indexed [bold]{path}[/bold] in {stats.seconds:.1f}s: {stats.added} added, {stats.changed} changed, "
        f"{stats.deleted} deleted, {stats.unchanged} unchanged, {stats.skipped} skipped; "
        f"{stats.chunks} chunks, {stats.embedded} embedded ({rate:.0f}/s), {stats.embed_cached} from cache"
        + (" [yellow](repaired an interrupted run)[/yellow]" if stats.repaired else ""),
        highlight=False,
    )
    for reason, n in sorted(stats.skip_reasons.items(), key=lambda kv: -kv[1]):
        console.print(f"  skipped {n:>5}  {reason}", highlight=False)
    console.print(f"index: {idx.index_dir}", highlight=False)


@app.command()
def status(
    path: Annotated[Path | None, typer.Argument(help="indexed folder (default: found from here)")] = None,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """What the index holds: files by language, chunks, skipped files with reasons, model, size."""
    idx = open_for_reading(index_dir, path)
    info = idx.status()
    if as_json:
        out.print_json(json.dumps(info))
        return
    table = Table(title=f"walkrag index of {info['root']}", show_header=False)
    for key in ("index_dir", "files", "chunks", "definitions", "embedder", "index_bytes", "skipped_count"):
        table.add_row(key, str(info[key]))
    table.add_row("languages", ", ".join(f"{k} {v}" for k, v in info["files_by_language"].items()))
    table.add_row("formats", ", ".join(f"{k} {v}" for k, v in info["files_by_format"].items()))
    if info["last_run"]:
        table.add_row("last run", f"{info['last_run'].get('seconds', 0)}s, {info['last_run'].get('added', 0)} added")
    out.print(table)
    for s in info["skipped"][:50]:
        out.print(f"  skipped  {s['path']}: {s['reason']}", highlight=False)


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="what to look for")] = None,
    k: Annotated[int, typer.Option("-k", help="number of results")] = 10,
    files: Annotated[bool, typer.Option("--files", help="roll results up to files")] = False,
    batch: Annotated[Path | None, typer.Option(help="JSONL of {qid, query}")] = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="where --batch writes results")] = None,
    retrievers: Annotated[
        str | None, typer.Option(help="comma-separated subset of lexical,dense,symbol,path,file_dense,file_lexical")
    ] = None,
    rank: Annotated[bool, typer.Option("--rank/--no-rank", help="apply the ranking stack")] = True,
    expand: Annotated[bool, typer.Option("--expand", help="add code-graph neighbours of the top hits")] = False,
    rerank: Annotated[
        bool, typer.Option("--rerank/--no-rerank", help="use the configured reranker (reranker = ... in walkrag.toml)")
    ] = True,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Search the index: cited spans, best first, each saying why it ranked."""
    idx = open_for_reading(index_dir)
    options = SearchOptions(rank=rank, expand=expand, rerank=rerank)
    if retrievers:
        chosen = tuple(r.strip() for r in retrievers.split(",") if r.strip())
        unknown = set(chosen) - set(ALL_RETRIEVERS)
        if unknown:
            raise fail(f"unknown retrievers: {', '.join(sorted(unknown))} (choose from {', '.join(ALL_RETRIEVERS)})")
        options = SearchOptions(retrievers=chosen, rank=rank, expand=expand, rerank=rerank)
    if batch is not None:
        run_batch(batch, out_path, lambda q: [h.as_result() for h in idx.search(q, max(k, 20), options=options)])
        return
    if not query:
        raise fail("give a QUERY or --batch FILE")
    hits = idx.search(query, k * 3 if files else k, options=options)
    if files:
        from walkrag.retrieval.files import roll_up

        rolled = roll_up(hits)[:k]
        if as_json:
            out.print_json(json.dumps([{**f, "chunks": [h.as_result() for h in f["chunks"]]} for f in rolled]))
            return
        for i, f in enumerate(rolled, 1):
            out.print(f"[bold]{i:>2}. {f['path']}[/bold]  {f['score']:.4f}", highlight=False)
            for h in f["chunks"][:3]:
                out.print(f"      :{h.start_line}-{h.end_line}  {h.header}", highlight=False)
        return
    if as_json:
        out.print_json(json.dumps([h.as_result() for h in hits]))
        return
    for i, h in enumerate(hits, 1):
        retrievers = why_text({n: v for n, v in h.why.items() if not isinstance(v, list)})
        out.print(f"[bold]{i:>2}. {h.path}:{h.start_line}-{h.end_line}[/bold]  {h.score:.4f}  ({retrievers})",
                  highlight=False)
        out.print(f"    {h.header}", style="dim", highlight=False)
        for line in h.text.splitlines()[:3]:
            out.print(f"    │ {line[:120]}", highlight=False, markup=False)


