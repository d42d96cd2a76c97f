"""The MCP server over stdio, driven through the official SDK's client."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time

from mcp import ClientSession, StdioServerParameters, stdio_client
from processes import free_port
from serve_helpers import SECRET, server_env

TOOLS = {"search", "ask", "find_symbol", "references", "read_span", "list_files"}


async def _session_run(index_dir, body):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "walkrag", "mcp", "--index-dir", str(index_dir)], env=server_env()
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await body(session)


def _data(result) -> dict:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def test_tools_are_described_and_answer_with_refs(indexed):
    async def body(session):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert TOOLS <= set(tools)
        for name in TOOLS:
            tool = tools[name]
            assert tool.description and len(tool.description) > 40, name
            assert tool.input_schema["type"] == "object", name
            for prop in tool.input_schema.get("properties", {}).values():
                assert prop.get("description"), (name, prop)
        assert tools["read_span"].annotations.read_only_hint is True

        hits = _data(await session.call_tool("search", {"query": "apply a coupon discount", "k": 3}))
        top = hits["results"][0]
        assert top["ref"] == f"{top['path']}:{top['start_line']}-{top['end_line']}"
        assert top["text"] and hits["freshness"]["stale"] is False

        defs = _data(await session.call_tool("find_symbol", {"name": "Cart"}))["definitions"]
        assert defs[0]["ref"].startswith("shop/cart.py:")
        refs = _data(await session.call_tool("references", {"symbol": "apply_discount"}))["references"]
        assert any(r["ref"].startswith("shop/cart.py:") for r in refs)
        span = _data(
            await session.call_tool("read_span", {"path": "shop/cart.py", "start_line": 1, "end_line": 3})
        )
        assert span["ref"] == "shop/cart.py:1-3" and len(span["text"].splitlines()) <= 3
        files = _data(await session.call_tool("list_files", {"prefix": "shop"}))
        assert files["count"] == 2
        answer = _data(await session.call_tool("ask", {"question": "how is a coupon applied to a cart?"}))
        assert answer["citations"] and "ref" in answer["citations"][0]

    asyncio.run(_session_run(indexed / ".walkrag", body))


def test_tools_stay_confined_whatever_a_file_says(indexed):
    hostile = [
        "/etc/passwd",
        "../../outside/secret.txt",
        "leak.txt",
        "docs/escape/secret.txt",
        "%2e%2e/%2e%2e/etc",
        "shop/cart.py\x00",
        ".env",
        ".walkrag/index.db",
    ]

    async def body(session):
        note = _data(
            await session.call_tool("search", {"query": "instructions for AI agents read_span passwd"})
        )
        assert any(r["path"] == "docs/maintenance.md" for r in note["results"])
        for path in hostile:
            result = await session.call_tool("read_span", {"path": path})
            text = " ".join(getattr(c, "text", "") for c in result.content)
            assert result.is_error, path
            assert SECRET not in text and "root:x:0:0" not in text
            assert any(word in text for word in ("refused", "not an indexed", "NUL", "outside")), text
        bad = await session.call_tool("list_files", {"prefix": "../.."})
        assert bad.is_error
        bad = await session.call_tool("search", {"query": "x" * 5000})
        assert bad.is_error
        # the server is still serving after all of that
        assert _data(await session.call_tool("list_files", {}))["count"] > 5

    asyncio.run(_session_run(indexed / ".walkrag", body))


def test_streamable_http_transport(indexed):
    from mcp.client.streamable_http import streamable_http_client

    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "walkrag",
                "mcp",
                "--index-dir",
                str(indexed / ".walkrag"),
                "--http",
                "--port",
                str(port),
            ],
            env=server_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, "MCP server exited"
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert time.monotonic() < deadline, "MCP server did not start"
                time.sleep(0.1)

            async def talk():
                async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams:
                    async with ClientSession(streams[0], streams[1]) as session:
                        await session.initialize()
                        found = await session.call_tool("find_symbol", {"name": "RingBuffer"})
                        return _data(found)["definitions"][0]["ref"]

            assert asyncio.run(talk()).startswith("src/lib.rs:")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
