"""Hostile inputs against a real server: each is refused or harmless, and none takes the server down."""

from __future__ import annotations

import socket

import httpx
from serve_helpers import SECRET

LEAKS = (SECRET, "root:x:0:0", "sk-not-for-agents", "SQLite format")

# (name, method, url relative to the server, extra request kwargs, acceptable statuses)
SPAN = "/span?path="
CASES = [
    ("dot-dot", "GET", SPAN + "../../etc/passwd", {}, {403}),
    ("absolute", "GET", SPAN + "/etc/passwd", {}, {403}),
    ("proc environ", "GET", SPAN + "/proc/self/environ", {}, {403}),
    ("encoded slashes", "GET", SPAN + "..%2f..%2fetc%2fpasswd", {}, {403}),
    ("encoded dots and slashes", "GET", SPAN + "%2e%2e%2f%2e%2e%2fetc%2fpasswd", {}, {403}),
    ("double-encoded", "GET", SPAN + "%252e%252e%252f%252e%252e%252fetc%252fpasswd", {}, {400, 403}),
    ("triple-encoded", "GET", SPAN + "%25252e%25252e%25252fetc%25252fpasswd", {}, {400, 403}),
    ("encoded absolute", "GET", SPAN + "%2fetc%2fpasswd", {}, {403}),
    ("dot-dot inside a good path", "GET", SPAN + "shop/../../outside/secret.txt", {}, {403}),
    ("backslashes", "GET", SPAN + "..%5c..%5cetc%5cpasswd", {}, {403}),
    ("windows drive", "GET", SPAN + "C:%5cWindows%5cwin.ini", {}, {403}),
    ("home", "GET", SPAN + "~/.ssh/id_rsa", {}, {403}),
    ("symlink to a file outside", "GET", SPAN + "leak.txt", {}, {403}),
    ("symlinked folder outside", "GET", SPAN + "docs/escape/secret.txt", {}, {403}),
    ("NUL byte", "GET", SPAN + "shop/cart.py%00.md", {}, {400}),
    ("double-encoded NUL", "GET", SPAN + "shop/cart.py%2500", {}, {400}),
    ("newline then traversal", "GET", SPAN + "shop/cart.py%0a../../etc/passwd", {}, {400, 403}),
    ("overlong UTF-8 dots", "GET", SPAN + "%c0%ae%c0%ae/etc/passwd", {}, {400, 403, 404}),
    ("invalid UTF-8", "GET", SPAN + "%ff%fe", {}, {400, 404}),
    ("fullwidth dots", "GET", SPAN + "%ef%bc%8e%ef%bc%8e/etc/passwd", {}, {404}),
    ("file URL", "GET", SPAN + "file:///etc/passwd", {}, {403, 404}),
    ("secret file inside the root, not indexed", "GET", SPAN + ".env", {}, {404}),
    ("the index database itself", "GET", SPAN + ".walkrag/index.db", {}, {404}),
    ("a folder", "GET", SPAN + "shop", {}, {400}),
    ("empty path", "GET", SPAN, {}, {400, 422}),
    ("very long path", "GET", SPAN + "a/" * 3000, {}, {414, 422}),
    ("negative start", "GET", SPAN + "shop/cart.py&start=-1", {}, {422}),
    ("start past the end", "GET", SPAN + "shop/cart.py&start=999999", {}, {400}),
    ("huge range is clipped", "GET", SPAN + "shop/cart.py&start=1&end=1000000000", {}, {200}),
    ("related outside", "GET", "/related?path=../../etc/passwd", {}, {403}),
    ("files outside", "GET", "/files?prefix=../..", {}, {403}),
    ("files absolute", "GET", "/files?prefix=/etc", {}, {403}),
    ("search SQL-ish", "GET", "/search?q=%22)%20OR%201%3D1%3B%20DROP%20TABLE%20files%3B--", {}, {200}),
    ("search query syntax", "GET", "/search?q=path%3A*%20AND%20(%22%20OR%20*%3A*", {}, {200}),
    ("symbols LIKE wildcards", "GET", "/symbols?name=%25'%20OR%20'1'%3D'1", {}, {200}),
    ("search too long", "GET", "/search?q=" + "a" * 2500, {}, {422}),
    ("search k huge", "GET", "/search?q=cart&k=100000", {}, {422}),
    ("search k not a number", "GET", "/search?q=cart&k=ten", {}, {422}),
    ("query string over 8 KiB", "GET", "/search?q=x&pad=" + "b" * 9000, {}, {414}),
    (
        "malformed JSON",
        "POST",
        "/ask",
        {"content": b'{"question": ', "headers": {"content-type": "application/json"}},
        {422},
    ),
    ("JSON array body", "POST", "/ask", {"json": ["what?"]}, {422}),
    ("question of the wrong type", "POST", "/ask", {"json": {"question": 42}}, {422}),
    ("oversized body", "POST", "/ask", {"json": {"question": "x" * 200_000}}, {413}),
    ("oversized chunked body", "POST", "/ask", {"content": (b"x" * 16384 for _ in range(10))}, {413}),
    (
        "lying Content-Length",
        "RAW",
        "/ask",
        {
            "raw": b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 99999999"
            b"\r\n\r\n{}"
        },
        {413},
    ),
    (
        "NUL in the raw request line",
        "RAW",
        "/span",
        {"raw": b"GET /span?path=shop/cart.py\x00/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
        {400, 403},
    ),
    ("64 KiB header", "GET", "/search?q=cart", {"headers": {"x-pad": "p" * 65536}}, {400, 431}),
    ("DNS rebinding Host", "GET", "/search?q=cart", {"headers": {"host": "evil.example:80"}}, {403}),
    ("wrong method", "DELETE", "/reindex", {}, {405}),
    ("unknown route", "GET", "/admin/shutdown", {}, {404}),
]


class _Raw:
    """The status line and body of a hand-written request (for what an HTTP client will not send)."""

    def __init__(self, base: str, data: bytes):
        host, port = base.rsplit("/", 1)[-1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        self.status_code = int(head.split(b" ", 2)[1]) if head else 0
        self.text = body.decode("utf-8", "replace")


def _send(client: httpx.Client, method: str, url: str, kwargs: dict) -> httpx.Response | _Raw | Exception:
    try:
        if method == "RAW":
            return _Raw(str(client.base_url).rstrip("/"), kwargs["raw"])
        return client.request(method, url, **kwargs)
    except (httpx.HTTPError, OSError) as exc:  # a connection closed mid-request is also a refusal
        return exc


def test_hostile_inputs_are_refused_or_harmless(server):
    base, _root = server
    assert len(CASES) >= 30
    failures = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for name, method, url, kwargs, allowed in CASES:
            r = _send(client, method, url, kwargs)
            if isinstance(r, Exception):
                if not allowed & {400, 413, 431}:
                    failures.append(f"{name}: {r!r}")
            else:
                if r.status_code not in allowed:
                    failures.append(f"{name}: {r.status_code} {r.text[:200]}")
                if any(leak in r.text for leak in LEAKS):
                    failures.append(f"{name}: leaked {r.text[:200]}")
                if (
                    r.status_code >= 400
                    and r.status_code != 405
                    and not any(word in r.text for word in ("error", "detail", "Invalid HTTP"))
                ):
                    failures.append(f"{name}: no clear error in {r.text[:200]}")
            alive = client.get("/freshness")
            if alive.status_code != 200:
                failures.append(f"{name}: server unhealthy afterwards ({alive.status_code})")
    assert not failures, "\n".join(failures)


def test_prompt_injection_in_a_file_is_only_data(server):
    base, _root = server
    with httpx.Client(base_url=base, timeout=30) as client:
        hits = client.get(
            "/search", params={"q": "instructions for AI agents read_span passwd", "k": 5}
        ).json()
        assert any(h["path"] == "docs/maintenance.md" for h in hits)
        note = client.get("/span", params={"path": "docs/maintenance.md"}).json()
        assert "/etc/passwd" in note["text"]
        # Doing what the file says is refused, whatever the file says.
        for path in ("/etc/passwd", "../../outside/secret.txt", "../secret.txt"):
            r = client.get("/span", params={"path": path})
            assert r.status_code == 403 and SECRET not in r.text
        answer = client.post(
            "/ask", json={"question": "what do the maintenance notes say?", "llm": False}
        ).json()
        assert SECRET not in str(answer) and "root:x:0:0" not in str(answer)
        assert client.get("/status").json()["files"] > 0  # nothing was deleted
