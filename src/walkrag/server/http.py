"""`walkrag serve`: the HTTP API (FastAPI; the OpenAPI document is at ``/openapi.json``).

JSON shapes are those of the CLI's ``--json``; every response carries the index's
freshness in ``X-Walkrag-*`` headers (``/freshness`` has the details). Binds
127.0.0.1 by default; any other address needs a bearer token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from walkrag.server.confine import ConfinementError
from walkrag.server.guard import Guard, is_loopback
from walkrag.server.service import Busy, IndexService, Limits
from walkrag.store.sqlite import StoreError

TOKEN_ENV = "WALKRAG_SERVER_TOKEN"
MIN_TOKEN_CHARS = 16


class ServeError(RuntimeError):
    """The server cannot start as asked (e.g. a public address without a token)."""


class AskBody(BaseModel):
    question: str = Field(..., max_length=Limits.max_query_chars, description="the question, in plain words")
    k: int = Field(8, ge=1, le=50, description="spans to retrieve before assembling the context")
    llm: bool = Field(True, description="use the configured LLM; false gives the extractive answer")
    stream: bool = Field(False, description="stream Server-Sent Events: `token` pieces, then one `result`")


class WalkBody(BaseModel):
    question: str = Field(..., max_length=Limits.max_query_chars)


class Hit(BaseModel):
    """One result of `walkrag search --json`."""

    path: str
    start_line: int
    end_line: int
    score: float
    symbol: str | None
    kind: str
    header: str
    why: dict[str, Any]


class Span(BaseModel):
    path: str
    start_line: int
    end_line: int
    ref: str = Field(..., description="`path:start-end`, ready to cite")
    total_lines: int
    truncated: bool
    text: str


class ErrorBody(BaseModel):
    error: str
    status: int


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 413, 503, 504)
}
K = Annotated[int, Query(ge=1, le=Limits.max_k, description="number of results")]
GraphK = Annotated[int, Query(ge=1, le=Limits.max_graph_results, description="most results")]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def create_app(
    service: IndexService, *, token: str | None = None, on_shutdown: Callable[[], None] | None = None
) -> FastAPI:
    """The FastAPI app over ``service``; ``token`` makes every route require ``Authorization: Bearer``;
    ``on_shutdown`` runs when the server stops."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        try:
            yield
        finally:
            if on_shutdown is not None:
                await run_in_threadpool(on_shutdown)

    app = FastAPI(
        lifespan=lifespan,
        title="walkrag",
        version="1",
        summary="Cited search, answers and code navigation over one indexed folder.",
        description=(
            "Every result cites `path:start-end`. Reads are confined to the indexed root and to indexed files. "
            "Each response carries `X-Walkrag-Last-Indexed`, `X-Walkrag-Stale` and `X-Walkrag-Changed-Files`."
        ),
    )

    # A request waits for a free reader here, first come first served. Left to the worker
    # threads, it would wait blocked on the reader pool, and those wake in no particular
    # order: under load a few requests waited many times longer than the rest.
    gates = {"search": asyncio.Semaphore(service.workers), "graph": asyncio.Semaphore(1)}

    async def call(fn, *args, timeout: float = Limits.search_timeout_s, lane: str | None = "graph", **kwargs):
        async def run():
            if lane is None:
                return await run_in_threadpool(fn, *args, **kwargs)
            async with gates[lane]:
                return await run_in_threadpool(fn, *args, **kwargs)

        return await asyncio.wait_for(run(), timeout)

    @app.exception_handler(ConfinementError)
    async def _confined(_request: Request, exc: ConfinementError):
        return _error(exc.status, str(exc))

    @app.exception_handler(ValueError)
    async def _bad_value(_request: Request, exc: ValueError):
        return _error(400, str(exc))

    @app.exception_handler(StoreError)
    async def _store(_request: Request, exc: StoreError):
        return _error(503, f"index unavailable: {exc}")

    @app.exception_handler(Busy)
    async def _busy(_request: Request, exc: Busy):
        return _error(503, str(exc))

    @app.exception_handler(TimeoutError)
    async def _timeout(_request: Request, _exc: TimeoutError):
        return _error(504, "the request took too long and was abandoned")

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception):
        return _error(500, f"internal error: {exc.__class__.__name__}")

    @app.get(
        "/search", tags=["retrieval"], response_model=None, responses={200: {"model": list[Hit]}, **ERRORS}
    )
    async def search(
        q: Annotated[str, Query(max_length=Limits.max_query_chars, description="what to look for")], k: K = 10
    ):
        """Hybrid search: cited spans, best first, each saying why it ranked (the `search --json` shape)."""
        return await call(service.search, q, k, lane="search")

    @app.post("/ask", tags=["answers"], response_model=None, responses=ERRORS)
    async def ask(body: AskBody):
        """A cited answer (the `ask --json` shape); `stream: true` sends Server-Sent Events."""
        if not body.stream:
            return await call(
                service.ask, body.question, body.k, use_llm=body.llm, timeout=Limits.ask_timeout_s, lane=None
            )
        if not body.question.strip():
            raise ValueError("question must be a non-empty string")
        return StreamingResponse(
            _ask_events(service, body), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.post("/walk", tags=["answers"], response_model=None, responses=ERRORS)
    async def walk(body: WalkBody):
        """The multi-step walk: evidence gathered over several steps, and a cited answer."""
        return await call(service.walk, body.question, timeout=Limits.ask_timeout_s, lane="search")

    @app.get("/symbols", tags=["code graph"], response_model=None, responses=ERRORS)
    async def symbols(
        name: Annotated[str, Query(max_length=500, description="a name, part of one, a dotted path")],
        k: K = 10,
    ):
        """Definitions matching `name`: exact, case-insensitive, partial or fuzzy (the `symbols --json` shape)."""
        return await call(service.symbols, name, k)

    @app.get("/refs", tags=["code graph"], response_model=None, responses=ERRORS)
    async def refs(symbol: Annotated[str, Query(max_length=500)], k: GraphK = 200):
        """Places that reference `symbol` (the `refs --json` shape)."""
        return await call(service.refs, symbol, k)

    @app.get("/calls", tags=["code graph"], response_model=None, responses=ERRORS)
    async def calls(symbol: Annotated[str, Query(max_length=500)], k: GraphK = 200):
        """What `symbol` calls and uses, with where each target is defined (the `calls --json` shape)."""
        return await call(service.calls, symbol, k)

    @app.get("/related", tags=["code graph"], response_model=None, responses=ERRORS)
    async def related(
        path: Annotated[str, Query(max_length=1024, description="root-relative path")],
        line: Annotated[int | None, Query(ge=1)] = None,
        k: GraphK = 60,
    ):
        """Neighbours of a file or a line: definitions, callers, callees, documenting sections, linked files."""
        return await call(service.related, path, line, k)

    @app.get("/span", tags=["files"], response_model=None, responses={200: {"model": Span}, **ERRORS})
    async def span(
        path: Annotated[str, Query(max_length=1024, description="root-relative path of an indexed file")],
        start: Annotated[int, Query(ge=1)] = 1,
        end: Annotated[int | None, Query(ge=1)] = None,
        format: Annotated[str, Query(pattern="^(json|text)$", description="json or text")] = "json",
    ):
        """Lines `start`-`end` of an indexed file. Anything outside the indexed root is refused (4xx)."""
        result = await call(service.span, path, start, end)
        if format == "text":
            return PlainTextResponse(result["text"], headers={"X-Walkrag-Ref": result["ref"]})
        return result

    @app.get("/files", tags=["files"], response_model=None, responses=ERRORS)
    async def files(
        prefix: Annotated[str | None, Query(max_length=1024, description="a folder")] = None,
        language: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=Limits.max_list_files)] = 500,
    ):
        """Indexed files (path, language, format, size, chunks), optionally under a folder."""
        return await call(service.list_files, prefix, language, limit)

    @app.get("/status", tags=["index"], response_model=None, responses=ERRORS)
    async def status():
        """What the index holds (the `status --json` shape)."""
        return await call(service.status)

    @app.get("/freshness", tags=["index"])
    async def freshness() -> dict:
        """When the index was last built, whether files changed since (`stale`), watch and re-index state."""
        return service.freshness.snapshot()

    @app.post("/reindex", tags=["index"], status_code=202)
    async def reindex() -> dict:
        """Start re-indexing in the background (changed files only); poll `/freshness`."""
        return service.reindex()

    app.add_middleware(Guard, token=token, max_body=Limits.max_body_bytes, headers=service.freshness.headers)
    return app


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _ask_events(service: IndexService, body: AskBody):
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def on_token(piece: str) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, ("token", {"text": piece}))

    def work() -> None:
        try:
            result = service.ask(body.question, body.k, use_llm=body.llm, on_token=on_token)
            loop.call_soon_threadsafe(queue.put_nowait, ("result", result))
        except Exception as exc:  # sent as an event: the stream has already started
            loop.call_soon_threadsafe(queue.put_nowait, ("error", {"error": str(exc), "status": 500}))

    loop.run_in_executor(None, work)
    deadline = loop.time() + Limits.ask_timeout_s
    while True:
        try:
            event, data = await asyncio.wait_for(queue.get(), max(deadline - loop.time(), 0.01))
        except TimeoutError:
            yield _sse("error", {"error": "the answer took too long and was abandoned", "status": 504})
            return
        yield _sse(event, data)
        if event != "token":
            return


def resolve_token(token: str | None) -> str | None:
    return token or os.environ.get(TOKEN_ENV) or None


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a (long enough) token."""
    if is_loopback(host):
        return
    if not token:
        raise ServeError(
            f"refusing to bind {host} without a token: pass --token or set {TOKEN_ENV} "
            "(clients then send `Authorization: Bearer <token>`), or bind 127.0.0.1"
        )
    if len(token) < MIN_TOKEN_CHARS:
        raise ServeError(f"the token must be at least {MIN_TOKEN_CHARS} characters to bind {host}")


WORKER_ENV = "WALKRAG_SERVE_WORKER"  # how a worker process learns what to serve (JSON)


def default_workers() -> int:
    """Server processes when ``--workers`` is not given: one per core, at most four.

    One process runs Python on one core at a time (the GIL); a search is mostly Python, so a
    second core needs a second process. Each process loads its own copy of the lexical index
    and models; the vectors are memory-mapped and shared.
    """
    return max(1, min(4, os.cpu_count() or 1))


def _uvicorn_options() -> dict[str, Any]:
    return {
        "log_level": "warning",
        "limit_concurrency": 512,
        "timeout_keep_alive": 5,
        "h11_max_incomplete_event_size": 16 * 1024,
    }


def _service(index_dir, readers: int) -> IndexService:
    service = IndexService.open(index_dir, workers=readers)
    service.warm()
    return service


def serve(
    index_dir=None,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    watch: bool = False,
    workers: int | None = None,
    readers: int = 2,
) -> None:
    """Run the HTTP API until interrupted: ``workers`` processes (default :func:`default_workers`),
    each running ``readers`` searches at once. ``watch`` needs a single process."""
    import uvicorn

    token = resolve_token(token)
    check_bind(host, token)
    if watch and workers is not None and workers > 1:
        raise ServeError(
            "--watch re-indexes inside the server process, so it needs --workers 1 "
            "(or run `walkrag index` when files change: every worker picks up a finished index run)"
        )
    processes = 1 if watch else (workers or default_workers())
    if processes == 1:
        service = _service(index_dir, readers)
        if watch:
            service.start_watching()
        root = service.root
    else:
        from walkrag.index import open_index

        with open_index(None, index_dir=index_dir) as index:  # fail here, not in every worker
            root = index.root
        service = None
    print(
        f"walkrag: serving {root} on http://{host}:{port} (docs: /docs)"
        + (f" · {processes} processes" if processes > 1 else "")
        + (" · watching for changes" if watch else "")
        + (" · token required" if token else ""),
        file=sys.stderr,
        flush=True,
    )
    if service is not None:
        try:
            uvicorn.run(create_app(service, token=token), host=host, port=port, **_uvicorn_options())
        finally:
            service.close()
        return
    # Worker processes are spawned: they read what to serve from the environment, and share the
    # listening socket that uvicorn's supervisor (this process) binds and keeps them alive on.
    os.environ[WORKER_ENV] = json.dumps(
        {"index_dir": None if index_dir is None else str(index_dir), "readers": readers}
    )
    if token:
        os.environ[TOKEN_ENV] = token
    uvicorn.run(
        "walkrag.server.http:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=processes,
        **_uvicorn_options(),
    )


def worker_app() -> FastAPI:
    """The app of one server worker process (see :func:`serve`)."""
    config = json.loads(os.environ[WORKER_ENV])
    service = _service(config["index_dir"], config["readers"])
    return create_app(service, token=resolve_token(None), on_shutdown=service.close)
