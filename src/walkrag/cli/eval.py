"""`walkrag eval DATASET` (metrics, comparison, reports) and `walkrag eval synth` (synthetic questions).

`eval` takes a positional DATASET, so `synth` cannot be an ordinary subcommand
of a group: click would read "synth" as the dataset. :class:`EvalCommand` hands
`walkrag eval synth ...` to the synth command before parsing instead.
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperCommand

from walkrag.cli import IndexDir, app, console, fail, out
from walkrag.evals.compare import check_fail_under, compare_runs, parse_fail_under
from walkrag.evals.config import EvalConfigError, load_configs
from walkrag.evals.dataset import DatasetError, load_dataset
from walkrag.evals.report import print_report, report_dict, write_json
from walkrag.evals.report_html import screenshot, write_html
from walkrag.evals.runner import MODES, EvalError, Runner, index_for
from walkrag.index import Index, open_index
from walkrag.store.sqlite import StoreError

FAIL_UNDER_EXIT = 2
_synth_command = None


class EvalCommand(TyperCommand):
    """`walkrag eval DATASET ...`, except that `walkrag eval synth ...` runs the synth command."""

    def make_context(self, info_name, args, parent=None, **extra):
        if args and args[0] == "synth":
            return _synth().make_context("synth", list(args[1:]), parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


def _synth():
    global _synth_command
    if _synth_command is None:
        synth_app = typer.Typer(add_completion=False)
        synth_app.command("synth")(synth)
        _synth_command = typer.main.get_command(synth_app)
    return _synth_command


def _open(corpus: Path | None, index_dir: Path | None) -> Index:
    """The index to evaluate: ``--corpus`` is indexed (incrementally) first; else an existing index is opened."""
    if corpus is not None:
        if not corpus.is_dir():
            raise fail(f"not a folder: {corpus}")
        idx = open_index(corpus, index_dir=index_dir)
        with console.status(f"indexing {corpus}...") if console.is_terminal else nullcontext():
            idx.update()
        return idx
    return open_index(None, index_dir=index_dir)


def _known_paths(idx: Index) -> set[str]:
    return {r[0] for r in idx.store.db.execute("SELECT path FROM files")}


@app.command("eval", cls=EvalCommand)
def eval_command(
    dataset: Annotated[Path, typer.Argument(help="JSONL dataset, or a semble annotation JSON file")],
    corpus: Annotated[Path | None, typer.Option("--corpus", help="folder to index (incrementally) and evaluate")] = None,
    index_dir: IndexDir = None,
    mode: Annotated[str, typer.Option("--mode", help="search | ask | walk")] = "search",
    config: Annotated[list[Path] | None, typer.Option(
        "--config", help="TOML file of settings overrides and search options; repeat to compare")] = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="cut-off for recall@k, full@k, span hit")] = 10,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the JSON report here")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="write the HTML report here")] = None,
    fail_under: Annotated[list[str] | None, typer.Option(
        "--fail-under", help="METRIC=VALUE: exit with status 2 when any configuration scores below")] = None,
    screenshot_out: Annotated[Path | None, typer.Option(
        "--screenshot", help="render the HTML report to this PNG with headless Chromium")] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto | jsonl | semble")] = "auto",
    strip_prefix: Annotated[str | None, typer.Option(
        "--strip-prefix", help="semble: prefix to remove from gold paths (default: inferred from the index)")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="ask/walk without a model; judge by string match")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="evaluate only the first N questions")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the bootstrap resampling")] = 0,
) -> None:
    """Evaluate retrieval (and answers) on DATASET: recall@k, full@k, ndcg@10, mrr, span hit, per level.

    With two or more --config files, the first is the baseline and the others are compared with it
    (paired bootstrap 95% intervals; regressions highlighted). `walkrag eval synth --help` makes datasets.
    """
    if mode not in MODES:
        raise fail(f"unknown --mode {mode!r}: use one of {', '.join(MODES)}")
    try:
        thresholds = parse_fail_under(fail_under or [])
        configs = load_configs(list(config or []))
        idx = _open(corpus, index_dir)
        questions = load_dataset(dataset, fmt, strip_prefix, known_paths=_known_paths(idx))[:limit]
        llm = None
        if mode != "search" and not no_llm:
            from walkrag.models.llm import llm_from_settings

            llm = llm_from_settings(idx.settings)
            if llm is None:
                console.print("[yellow]no LLM configured: extractive answers, string-match judge[/yellow]")
        runs = []
        for cfg in configs:
            cidx = index_for(idx, cfg)
            runner = Runner(cidx, cfg, mode=mode, k=k, llm=llm, use_llm=llm is not None)
            runs.append(_run_with_progress(runner, questions, cfg.name))
        deltas = compare_runs(runs, seed=seed)
        failures = check_fail_under(runs, thresholds)
        report = report_dict(runs, deltas, dataset={"path": str(dataset), "n": len(questions), "format": fmt},
                             thresholds=thresholds, failures=failures)
        print_report(out, runs, deltas, failures)
        if json_out:
            console.print(f"JSON report: {write_json(report, json_out)}", highlight=False)
        if html_out or screenshot_out:
            html_path = html_out or Path(tempfile.mkdtemp(prefix="walkrag-eval-")) / "report.html"
            write_html(report, html_path)
            if html_out:
                console.print(f"HTML report: {html_path}", highlight=False)
            if screenshot_out:
                console.print(f"screenshot: {screenshot(html_path, screenshot_out)}", highlight=False)
    except (DatasetError, EvalConfigError, EvalError, StoreError, RuntimeError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if failures:
        raise typer.Exit(FAIL_UNDER_EXIT)


def _run_with_progress(runner: Runner, questions, name: str):
    with Progress(
        TextColumn(f"[bold]{name}[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("questions"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("eval", total=len(questions))
        return runner.run(questions, lambda done, total: bar.update(task, completed=done, total=total))


def synth(
    n: Annotated[int, typer.Option("--n", min=1, help="number of questions to write (dev + held-out)")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for dev.jsonl, heldout.jsonl, manifest.json")],
    index_dir: IndexDir = None,
    corpus: Annotated[Path | None, typer.Option("--corpus", help="folder to index (incrementally) first")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the sampling and the split")] = 0,
    held_out: Annotated[float, typer.Option("--held-out", min=0.0, max=0.9, help="share kept out of dev")] = 0.3,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="use docstrings/headings/definitions even with a model")]
    = False,
) -> None:
    """Write N synthetic questions with gold spans from the indexed corpus, split into dev and held-out.

    With an LLM configured (WALKRAG_LLM_*), a model writes them; without one, they come from docstrings,
    section headings and definitions, with the answer's words blanked out. Every question is checked:
    its gold span exists, it does not quote its answer, no duplicates.
    """
    from walkrag.evals.synth import synthesize, write_synth
    from walkrag.models.llm import llm_from_settings

    try:
        idx = _open(corpus, index_dir)
        llm = None if no_llm else llm_from_settings(idx.settings)
        result = synthesize(idx, n, seed=seed, held_out=held_out, llm=llm)
        paths = write_synth(result, out_dir)
    except (StoreError, RuntimeError, ValueError) as exc:
        raise fail(str(exc)) from exc
    total = len(result.dev) + len(result.held_out)
    rejected = ", ".join(f"{v} {k}" for k, v in sorted(result.rejected.items())) or "none"
    console.print(
        f"wrote {total} question(s) ({result.generator}, seed {seed}): {len(result.dev)} dev -> {paths['dev']}, "
        f"{len(result.held_out)} held-out -> {paths['held_out']}; rejected: {rejected}",
        highlight=False,
    )
    if total < n:
        console.print(f"[yellow]only {total} of {n} questions survived cleaning[/yellow]")
