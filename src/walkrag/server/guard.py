"""The ASGI layer in front of every route: token, host check, size limits, freshness headers.

It runs before FastAPI parses anything, so an oversized or unauthenticated request
costs the server almost nothing and never reaches a route.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Callable

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
MAX_QUERY_STRING = 8192
MAX_HEADER_BYTES = 16 * 1024


def is_loopback(host: str) -> bool:
    """True for names and addresses only this machine can reach."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


async def _send_error(send, status: int, message: str, extra: list | None = None) -> None:
    body = json.dumps({"error": message, "status": status}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Refuse what should never reach a route; stamp every response with the index's freshness.

    * with a token: every request needs ``Authorization: Bearer <token>`` (401 otherwise);
    * without one (loopback only): the Host header must be a loopback name, so a web
      page cannot reach the server through DNS rebinding (403 otherwise);
    * bodies over ``max_body`` bytes: 413, counted as they arrive (chunked bodies too);
      query strings over 8 KiB: 414; headers over 16 KiB: 431.
    """

    def __init__(self, app, *, token: str | None, max_body: int, headers: Callable[[], dict[str, str]]):
        self.app = app
        self.token = token.encode() if token else None
        self.max_body = max_body
        self.headers = headers

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw_headers = scope.get("headers") or []
        if sum(len(k) + len(v) for k, v in raw_headers) > MAX_HEADER_BYTES:
            return await _send_error(send, 431, f"request headers over {MAX_HEADER_BYTES} bytes")
        request_headers = dict(raw_headers)
        if self.token is not None:
            auth = request_headers.get(b"authorization", b"")
            scheme, _, given = auth.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(), self.token):
                return await _send_error(
                    send, 401, "missing or wrong bearer token", [(b"www-authenticate", b"Bearer")]
                )
        else:
            host = request_headers.get(b"host", b"").decode("latin-1")
            if not is_loopback(_host_name(host)):
                return await _send_error(
                    send, 403, f"host {host!r} refused: this server only answers loopback names"
                )
        if len(scope.get("query_string") or b"") > MAX_QUERY_STRING:
            return await _send_error(send, 414, f"query string longer than {MAX_QUERY_STRING} bytes")
        length = request_headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return await _send_error(send, 400, "malformed Content-Length")
            if declared > self.max_body:
                return await _send_error(send, 413, f"request body over {self.max_body} bytes")

        chunks: list[bytes] = []
        if scope["method"] in ("POST", "PUT", "PATCH"):
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    return await _send_error(send, 413, f"request body over {self.max_body} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed and chunks:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        async def stamped(message):
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in self.headers().items()]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, replay if chunks else receive, stamped)
