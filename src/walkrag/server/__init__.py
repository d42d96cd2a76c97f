"""Serving an index: the HTTP API (`walkrag serve`) and the MCP server (`walkrag mcp`).

Both sit on :class:`walkrag.server.service.IndexService`: read-only operations,
every path confined to the indexed root (:mod:`walkrag.server.confine`), and the
index's freshness (:mod:`walkrag.server.freshness`) on every response.
"""
