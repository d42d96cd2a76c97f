"""Rerankers: the HTTP client against a real /rerank server on 127.0.0.1, wired into search."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import walkrag
from walkrag.models.rerankers import HttpReranker, RerankerError, load_reranker
from walkrag.retrieval.search import SearchOptions


class RerankServer:
    """Scores a document by how often it mentions ``favourite``; ``fail=True`` answers 500."""

    def __init__(self, favourite: str, fail: bool = False):
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, **body})
                if fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                scores = [doc.count(favourite) for doc in body["documents"]]
                results = [{"index": i, "relevance_score": float(s)} for i, s in enumerate(scores)]
                payload = json.dumps({"model": body["model"], "results": results[::-1]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self):
        self.httpd.shutdown()


def test_http_reranker_reads_scores_by_index():
    server = RerankServer("tax")
    try:
        scores = HttpReranker("tiny", server.url).score("q", ["no", "tax tax", "tax"])
        assert scores == [0.0, 2.0, 1.0]
        assert server.requests[0]["path"] == "/v1/rerank" and server.requests[0]["query"] == "q"
    finally:
        server.close()


def test_search_is_reordered_by_the_configured_reranker(indexed):
    plain = walkrag.open(indexed).search("order quantity", k=10)
    server = RerankServer("Go" if plain[0].language != "go" else "quantity")
    try:
        idx = walkrag.open(indexed, reranker="http:tiny", rerank_base_url=server.url)
        hits = idx.search("order quantity", k=10)
        assert server.requests and all("rerank" in h.why for h in hits[: len(server.requests[0]["documents"])])
        docs = server.requests[0]["documents"]
        favourite = "Go" if plain[0].language != "go" else "quantity"
        best = max(range(len(docs)), key=lambda i: (docs[i].count(favourite), -i))
        assert hits[0].why["rerank"]["rank"] == 1 and hits[0].why["rerank"]["was"] == best + 1
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        unranked = idx.search("order quantity", k=10, options=SearchOptions(rerank=False))
        assert [(h.path, h.start_line) for h in unranked] == [(h.path, h.start_line) for h in plain]
    finally:
        server.close()


def test_a_failing_reranker_keeps_the_ranking_stack_order(indexed):
    server = RerankServer("x", fail=True)
    try:
        plain = walkrag.open(indexed).search("sales tax", k=8)
        hits = walkrag.open(indexed, reranker="http:tiny", rerank_base_url=server.url).search("sales tax", k=8)
        assert server.requests  # it was asked
        assert [(h.path, h.start_line) for h in hits] == [(h.path, h.start_line) for h in plain]
        assert not any("rerank" in h.why for h in hits)
    finally:
        server.close()


def test_reranker_specs():
    assert load_reranker("none") is None
    with pytest.raises(RerankerError, match="rerank_base_url"):
        load_reranker("http:model")
    with pytest.raises(RerankerError, match="unknown reranker"):
        load_reranker("magic")
