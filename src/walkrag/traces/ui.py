"""`walkrag ui`: browse, filter and label traces; ask a question and watch it run (Server-Sent Events).

Loopback only, behind the same guard as ``walkrag serve`` (Host check against DNS
rebinding, size limits). Writes need a JSON body and a same-origin ``Origin``, so
another web page cannot label traces through the browser.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from walkrag.server.guard import Guard, is_loopback
from walkrag.traces import pages
from walkrag.traces.record import jsonable
from walkrag.traces.recorder import listening, store_for
from walkrag.traces.store import KINDS, TraceError
from walkrag.traces.trace_page import formatter_css, trace_page

PAGE_SIZE = 100
MAX_BODY = 64 * 1024
LIVE_TIMEOUT_S = 300.0
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
STATIC_TYPES = {"ui.js": "text/javascript", "ui.css": "text/css"}


class UIError(RuntimeError):
    """The UI cannot start as asked."""


class LabelBody(BaseModel):
    label: str | None = Field(None, pattern="^(good|bad)$")
    note: str | None = Field(None, max_length=10_000)
    keep_note: bool = False


class NoteBody(BaseModel):
    note: str | None = Field(None, max_length=10_000)


class MarkBody(BaseModel):
    relevant: bool | None = None


def _filters(request: Request) -> dict:
    p = request.query_params
    kind = p.get("kind") if p.get("kind") in KINDS else None
    label = p.get("label") if p.get("label") in ("good", "bad", "unlabeled", "labeled") else None
    return {"kind": kind, "label": label, "q": (p.get("q") or "")[:500] or None}


def _same_origin(request: Request) -> None:
    if "application/json" not in request.headers.get("content-type", ""):
        raise PermissionError("writes need a JSON body")
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != f"http://{request.headers.get('host', '')}":
        raise PermissionError(f"origin {origin} refused")


class LiveRunner:
    """Runs one question at a time against the index, for the live page."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._index = None
        self._lock = threading.Lock()

    def index(self):
        if self._index is None:
            from walkrag.index import open_index

            self._index = open_index(index_dir=self.index_dir)
        return self._index

    def has_walk(self) -> bool:
        from walkrag.index import Index

        return callable(getattr(Index, "walk", None))

    def has_llm(self) -> bool:
        try:
            return bool(self.index().settings.llm_model)
        except Exception:
            return False

    def run(self, question: str, mode: str, use_llm: bool, emit) -> None:
        if not self._lock.acquire(blocking=False):
            emit("error", {"error": "another question is running; wait for it to finish"})
            return
        try:
            idx = self.index()
            with listening(emit):
                if mode == "walk" and self.has_walk():
                    result = self._walk(idx, question, use_llm, emit)
                elif mode == "search":
                    hits = idx.search(question, 10)
                    result = {"evidence": [f"{h.path}:{h.start_line}-{h.end_line}" for h in hits]}
                else:
                    if mode == "walk":
                        emit("info", {"text": "the walk is not part of this walkrag yet: these are the ask steps"})
                    r = idx.ask(question, use_llm=use_llm, on_token=lambda piece: emit("token", {"text": piece}))
                    result = {"answer": r.answer, "evidence": [e.ref for e in r.evidence], "note": r.note}
            emit("result", result)
        except Exception as exc:  # sent as an event: the stream has already started
            emit("error", {"error": f"{type(exc).__name__}: {exc}"})
        finally:
            self._lock.release()

    @staticmethod
    def _walk(idx, question: str, use_llm: bool, emit) -> dict:
        params = inspect.signature(idx.walk).parameters
        kwargs: dict[str, Any] = {}
        if "use_llm" in params:
            kwargs["use_llm"] = use_llm
        for name in ("on_step", "on_event", "progress"):
            if name in params:
                kwargs[name] = lambda *a, **k: emit("walk", {"step": jsonable(a[-1] if a else k)})
                break
        result = idx.walk(question, **kwargs)
        evidence = getattr(result, "evidence", None) or []
        return {"answer": getattr(result, "answer", None),
                "evidence": [getattr(e, "ref", None) or f"{getattr(e, 'path', '?')}" for e in evidence]}


def create_ui_app(index_dir: Path) -> FastAPI:
    index_dir = Path(index_dir)
    store = store_for(index_dir)
    live = LiveRunner(index_dir)
    app = FastAPI(title="walkrag traces", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(TraceError)
    async def _missing(request: Request, exc: TraceError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=404)
        return HTMLResponse(pages.not_found_page(str(exc)), status_code=404)

    @app.exception_handler(PermissionError)
    async def _refused(_request: Request, exc: PermissionError):
        return JSONResponse({"error": str(exc)}, status_code=403)

    @app.get("/", include_in_schema=False)
    async def root():
        return RedirectResponse("/traces")

    @app.get("/traces", response_class=HTMLResponse)
    async def list_traces(request: Request, page: int = 1):
        f = _filters(request)
        page = max(1, page)
        rows = store.list(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, kind=f["kind"], label=f["label"], text=f["q"])
        total = store.count(kind=f["kind"], label=f["label"], text=f["q"])
        return pages.list_page(rows, total=total, filters=f, page=page, page_size=PAGE_SIZE, stats=store.stats())

    @app.get("/traces/{trace_id}", response_class=HTMLResponse)
    async def show_trace(trace_id: str, request: Request):
        f = _filters(request)
        trace = store.get(trace_id)
        newer, older = store.neighbours(trace_id, kind=f["kind"], label=f["label"], text=f["q"])
        return trace_page(trace, newer=newer, older=older, filters=f)

    @app.get("/live", response_class=HTMLResponse)
    async def live_page():
        return pages.live_page(live.has_walk(), live.has_llm())

    @app.get("/static/{name}")
    async def static(name: str):
        if name == "pygments.css":
            return Response(formatter_css(), media_type="text/css")
        if name not in STATIC_TYPES:
            return Response("not found", status_code=404, media_type="text/plain")
        text = resources.files("walkrag.traces").joinpath("static", name).read_text(encoding="utf-8")
        return Response(text, media_type=STATIC_TYPES[name], headers={"Cache-Control": "no-cache"})

    @app.get("/api/traces")
    async def api_list(request: Request, limit: int = 50, offset: int = 0):
        f = _filters(request)
        return store.list(limit=min(max(limit, 1), 1000), offset=max(offset, 0), kind=f["kind"], label=f["label"],
                          text=f["q"])

    @app.get("/api/traces/{trace_id}")
    async def api_trace(trace_id: str):
        return store.get(trace_id).as_dict()

    @app.post("/api/traces/{trace_id}/label")
    async def api_label(trace_id: str, body: LabelBody, request: Request):
        _same_origin(request)
        store.set_label(trace_id, body.label, body.note, keep_note=body.keep_note)
        return {"id": trace_id, "label": body.label}

    @app.post("/api/traces/{trace_id}/note")
    async def api_note(trace_id: str, body: NoteBody, request: Request):
        _same_origin(request)
        store.set_note(trace_id, body.note)
        return {"id": trace_id, "note": body.note}

    @app.post("/api/traces/{trace_id}/evidence/{rank}")
    async def api_mark(trace_id: str, rank: int, body: MarkBody, request: Request):
        _same_origin(request)
        store.mark_evidence(trace_id, rank, body.relevant)
        return {"id": trace_id, "rank": rank, "relevant": body.relevant}

    @app.get("/api/live")
    async def api_live(q: str, mode: str = "walk", llm: bool = True):
        q = q.strip()[:2000]
        if not q:
            return JSONResponse({"error": "q must be a non-empty question"}, status_code=400)
        mode = mode if mode in ("walk", "ask", "search") else "ask"
        return StreamingResponse(_live_events(live, q, mode, llm), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    app.add_middleware(Guard, token=None, max_body=MAX_BODY, headers=lambda: {})
    return app


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


async def _live_events(live: LiveRunner, question: str, mode: str, use_llm: bool):
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def emit(event: str, data: dict) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (event, data))

    def work() -> None:
        live.run(question, mode, use_llm, emit)
        emit("done", {})

    loop.run_in_executor(None, work)
    deadline = loop.time() + LIVE_TIMEOUT_S
    while True:
        try:
            event, data = await asyncio.wait_for(queue.get(), max(deadline - loop.time(), 0.01))
        except TimeoutError:
            yield _sse("error", {"error": "the question took too long; its trace is recorded when it ends"})
            return
        yield _sse(event, data)
        if event == "done":
            return


def serve_ui(index_dir: Path, *, host: str = "127.0.0.1", port: int = 8770) -> None:
    """Run the UI until interrupted."""
    import sys

    import uvicorn

    if not is_loopback(host):
        raise UIError(f"the trace UI serves loopback addresses only, not {host} (use an SSH tunnel to reach it)")
    app = create_ui_app(index_dir)
    print(f"walkrag: traces of {index_dir} on http://{host}:{port}/traces", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=5)
