"""The command line: `walkrag index`, `status`, `search`, ...

Each area registers its commands in a module of this package; this module holds
the app, the options every command shares and the error handling.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from walkrag.config import ConfigError
from walkrag.index import Index, open_index
from walkrag.models.embedders import EmbedderError
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

EXPECTED_ERRORS = (StoreError, ConfigError, EmbedderError, ExtractionError, FileNotFoundError, ValueError)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear error line; return the exit to raise."""
    console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


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
