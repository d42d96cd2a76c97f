"""A small OpenAI-compatible server for tests: scripted chat completions over real HTTP.

It serves ``POST /v1/chat/completions`` (plain JSON, or SSE when the request
asks to stream) from a ``responder(request_body, call_index) -> Reply``, and
records every request so tests can see what the client sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0
    raw_body: str | None = None  # sent as is, with status 200
    prompt_tokens: int = 111
    completion_tokens: int = 22


Responder = Callable[[dict, int], Reply]


class StubOpenAI:
    def __init__(self, responder: Responder):
        self.responder = responder
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with stub._lock:
                    index = len(stub.requests)
                    stub.requests.append(body)
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    reply = stub.responder(body, index)
                    time.sleep(reply.delay)
                    stub._send(self, body, reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> StubOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _send(self, h: BaseHTTPRequestHandler, body: dict, reply: Reply) -> None:
        model = body.get("model", "stub")
        if reply.status != 200:
            payload = json.dumps({"error": {"message": "scripted failure", "type": "server_error"}}).encode()
            self._write(h, reply.status, "application/json", payload)
            return
        if reply.raw_body is not None:
            self._write(h, 200, "application/json", reply.raw_body.encode())
            return
        usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                 "total_tokens": reply.prompt_tokens + reply.completion_tokens}
        if not body.get("stream"):
            payload = {
                "id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                             "finish_reason": "stop"}],
                "usage": usage,
            }
            self._write(h, 200, "application/json", json.dumps(payload).encode())
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.end_headers()

        def event(choices: list, extra: dict | None = None) -> None:
            chunk = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": model,
                     "choices": choices, **(extra or {})}
            h.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            h.wfile.flush()

        text = reply.content
        for i in range(0, len(text), 7):
            event([{"index": 0, "delta": {"content": text[i:i + 7]}, "finish_reason": None}])
        event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
        if (body.get("stream_options") or {}).get("include_usage"):
            event([], {"usage": usage})
        h.wfile.write(b"data: [DONE]\n\n")
        h.wfile.flush()

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, status: int, ctype: str, payload: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)


_EVIDENCE = re.compile(r'<evidence n="(\d+)" source="([^"]+)" header="[^"]*">\n(.*?)\n</evidence>', re.S)


def shown_evidence(body: dict) -> dict[int, tuple[str, str]]:
    """``{n: (path:start-end, text)}`` of the evidence in a request's prompt."""
    prompt = "\n".join(m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user")
    return {int(n): (ref, text) for n, ref, text in _EVIDENCE.findall(prompt)}


def answer_json(answer: str, sufficient: bool = True) -> str:
    return json.dumps({"answer": answer, "sufficient": sufficient})
