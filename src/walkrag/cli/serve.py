"""`walkrag serve` (HTTP API) and `walkrag mcp` (MCP server for coding agents)."""

from __future__ import annotations

from typing import Annotated

import typer

from walkrag.cli import IndexDir, app, fail


@app.command()
def serve(
    index_dir: IndexDir = None,
    host: Annotated[
        str, typer.Option(help="address to bind; anything but loopback needs --token")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(help="bearer token clients must send (or WALKRAG_SERVER_TOKEN)", show_default=False),
    ] = None,
    watch: Annotated[bool, typer.Option("--watch", help="re-index changed files in the background")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=16,
            help="server processes, each loading the index (default: one per core, at most 4; 1 with --watch)",
            show_default=False,
        ),
    ] = None,
    readers: Annotated[
        int, typer.Option(min=1, max=16, help="searches each process runs at once (each loads the index)")
    ] = 2,
) -> None:
    """Serve the index over HTTP (OpenAPI at /docs and /openapi.json)."""
    from walkrag.server.http import ServeError
    from walkrag.server.http import serve as run_server

    try:
        run_server(
            index_dir, host=host, port=port, token=token, watch=watch, workers=workers, readers=readers
        )
    except ServeError as exc:
        raise fail(str(exc), 2) from exc


@app.command()
def mcp(
    index_dir: IndexDir = None,
    http: Annotated[
        bool, typer.Option("--http", help="streamable HTTP on 127.0.0.1 instead of stdio")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port for --http")] = 8766,
    watch: Annotated[bool, typer.Option("--watch", help="re-index changed files in the background")] = False,
) -> None:
    """Serve the index to coding agents over MCP (stdio by default)."""
    from walkrag.server.mcp import run

    run(index_dir, http=http, port=port, watch=watch)
