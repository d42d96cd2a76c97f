"""The command line: `walkrag index`, `status`, `search`, ...

Each area registers its commands in a module of this package; this module holds
the app, the options every command shares and the error handling.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from walkrag.config import ConfigError
from walkrag.index import Index, open_index
from walkrag.models.embedders import EmbedderError
from walkrag.models.rerankers import RerankerError
from walkrag.sources.extract import ExtractionError
from walkrag.store.sqlite import StoreError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Cited answers about any body of text.",
)
console = Console(stderr=True)
out = Console()

IndexDir = Annotated[
    Path | None,
    typer.Option("--index-dir", help="index folder (default: the .walkrag folder of the indexed root)"),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="machine-readable output")]

EXPECTED_ERRORS = (
    StoreError, ConfigError, EmbedderError, RerankerError, ExtractionError, FileNotFoundError, ValueError
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear error line; return the exit to raise."""
    console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def run_batch(batch: Path, out_path: Path | None, results_for: Callable[[str], list[dict]]) -> None:
    """The batch interface shared by `search` and `walk`: JSONL ``{qid, query}`` in, ``{qid, results}`` out."""
    if not batch.is_file():
        raise fail(f"batch file not found: {batch}")
    sink = open(out_path, "w", encoding="utf-8") if out_path else sys.stdout  # noqa: SIM115
    try:
        for n, line in enumerate(batch.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                qid, query = item["qid"], item["query"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise fail(f"{batch}:{n}: expected {{\"qid\": ..., \"query\": ...}} ({exc})") from exc
            sink.write(json.dumps({"qid": qid, "results": results_for(str(query))}) + "\n")
            sink.flush()
    finally:
        if out_path:
            sink.close()


def open_for_reading(index_dir: Path | None, root: Path | None = None) -> Index:
    return open_index(root, index_dir=index_dir)


def _register() -> None:
    from walkrag.cli import ask, eval, graph, indexing, serve, traces, walk  # noqa: F401  (commands register on import)


def main() -> None:
    _register()
    try:
        app()
    except EXPECTED_ERRORS as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
