"""The HTTP API, driven over real HTTP against a `python -m walkrag serve` process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from processes import free_port
from serve_helpers import running_server, server_env


def test_openapi_documents_every_endpoint(server):
    base, _root = server
    doc = httpx.get(base + "/openapi.json").json()
    for path in (
        "/search",
        "/ask",
        "/walk",
        "/symbols",
        "/refs",
        "/calls",
        "/related",
        "/span",
        "/files",
        "/status",
        "/freshness",
        "/reindex",
    ):
        assert path in doc["paths"], path
    assert doc["paths"]["/search"]["get"]["description"]


def test_search_has_the_cli_json_shape_and_freshness_headers(server):
    base, root = server
    r = httpx.get(base + "/search", params={"q": "apply discount coupon", "k": 3})
    assert r.status_code == 200
    assert r.headers["x-walkrag-stale"] == "false"
    assert r.headers["x-walkrag-last-indexed"] != "never"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "walkrag",
            "search",
            "apply discount coupon",
            "-k",
            "3",
            "--json",
            "--index-dir",
            str(root / ".walkrag"),
        ],
        env=server_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert r.json() == json.loads(cli.stdout)
    assert r.json()[0]["path"] == "shop/pricing.py"


def test_span_returns_the_lines_asked_for(server):
    base, root = server
    r = httpx.get(base + "/span", params={"path": "shop/cart.py", "start": 2, "end": 4})
    assert r.status_code == 200
    body = r.json()
    expected = (root / "shop/cart.py").read_text().splitlines()[1:4]
    assert body["text"] == "\n".join(expected)
    assert body["ref"] == "shop/cart.py:2-4" and body["total_lines"] > 4
    plain = httpx.get(base + "/span", params={"path": "shop/cart.py", "start": 2, "end": 4, "format": "text"})
    assert plain.text == "\n".join(expected) and plain.headers["x-walkrag-ref"] == "shop/cart.py:2-4"
    assert httpx.get(base + "/span", params={"path": "shop/nope.py"}).status_code == 404
    assert httpx.get(base + "/span", params={"path": "shop/cart.py", "start": 5, "end": 2}).status_code == 400


def test_code_graph_and_files_and_status(server):
    base, _root = server
    symbols = httpx.get(base + "/symbols", params={"name": "Cart", "k": 3}).json()
    assert symbols[0]["qualified_name"] == "Cart" and symbols[0]["path"] == "shop/cart.py"
    refs = httpx.get(base + "/refs", params={"symbol": "apply_discount"}).json()
    assert any(r["path"] == "shop/cart.py" for r in refs)
    assert isinstance(httpx.get(base + "/calls", params={"symbol": "Cart.total"}).json(), list)
    related = httpx.get(base + "/related", params={"path": "shop/cart.py"}).json()
    assert related and all("relation" in item for item in related)
    files = httpx.get(base + "/files", params={"prefix": "shop"}).json()
    assert {f["path"] for f in files} == {"shop/cart.py", "shop/pricing.py"}
    status = httpx.get(base + "/status").json()
    assert status["files"] >= 10 and status["chunks"] > 0
    walk = httpx.post(base + "/walk", json={"question": "how are totals computed?"})
    assert walk.status_code == 200
    assert any(e["path"] == "shop/cart.py" for e in walk.json()["evidence"])


def test_ask_plain_and_streamed(server):
    base, _root = server
    plain = httpx.post(
        base + "/ask", json={"question": "how is a coupon discount applied?", "llm": False}, timeout=60
    )
    assert plain.status_code == 200
    body = plain.json()
    assert body["citations"] and body["citations"][0]["ref"].count(":") == 1
    with httpx.stream(
        "POST",
        base + "/ask",
        json={"question": "how is a coupon discount applied?", "llm": False, "stream": True},
        timeout=60,
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [block for block in text.split("\n\n") if block.strip()]
    assert events[-1].startswith("event: result")
    result = json.loads(events[-1].split("data: ", 1)[1])
    assert result["answer"] == body["answer"]


def test_reindex_and_staleness(indexed):
    env = server_env(WALKRAG_SERVER_CHECK_INTERVAL="0.2")
    # One process: with several, each has its own view and catches up with a run within a second.
    with running_server(indexed / ".walkrag", "--workers", "1", env=env) as base:
        assert httpx.get(base + "/freshness").json()["stale"] is False
        (indexed / "shop" / "refunds.py").write_text("def issue_refund(order_id):\n    return order_id\n")
        deadline = time.monotonic() + 20
        while not httpx.get(base + "/freshness").json()["stale"]:
            assert time.monotonic() < deadline, "a new file never made the index stale"
            time.sleep(0.2)
        assert httpx.get(base + "/search", params={"q": "x"}).headers["x-walkrag-stale"] == "true"
        assert httpx.post(base + "/reindex").status_code == 202
        deadline = time.monotonic() + 60
        while True:
            fresh = httpx.get(base + "/freshness").json()
            if not fresh["stale"] and not fresh["reindexing"]:
                break
            assert time.monotonic() < deadline, f"re-index did not finish: {fresh}"
            time.sleep(0.2)
        hits = httpx.get(base + "/symbols", params={"name": "issue_refund"}).json()
        assert hits and hits[0]["path"] == "shop/refunds.py"


def test_watch_reindexes_changed_files(indexed):
    with running_server(indexed / ".walkrag", "--watch") as base:
        assert httpx.get(base + "/freshness").json()["watching"] is True
        (indexed / "shop" / "loyalty.py").write_text("def loyalty_points(total):\n    return int(total)\n")
        deadline = time.monotonic() + 60
        while not httpx.get(base + "/symbols", params={"name": "loyalty_points"}).json():
            assert time.monotonic() < deadline, "--watch never indexed the new file"
            time.sleep(0.3)
        assert httpx.get(base + "/span", params={"path": "shop/loyalty.py"}).json()["total_lines"] == 2


def _serve_refused(index_dir, *args, **env) -> subprocess.CompletedProcess:
    """Run `walkrag serve` with arguments it must refuse; it exits before binding anything."""
    return subprocess.run(
        [sys.executable, "-m", "walkrag", "serve", "--index-dir", str(index_dir), "--port", str(free_port()), *args],
        env=server_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_public_address_without_token_is_refused(indexed):
    for host in ("0.0.0.0", "192.0.2.1", "example.com"):
        proc = _serve_refused(indexed / ".walkrag", "--host", host)
        assert proc.returncode == 2, proc.stderr
        assert "refusing to bind" in proc.stderr and "token" in proc.stderr
    short = _serve_refused(indexed / ".walkrag", "--host", "0.0.0.0", WALKRAG_SERVER_TOKEN="short")
    assert short.returncode == 2 and "at least" in short.stderr


def test_token_is_required_when_given(indexed):
    token = "t0k3n-for-the-tests-only-0123456789"
    with running_server(indexed / ".walkrag", "--token", token, token=token) as base:
        assert httpx.get(base + "/search", params={"q": "cart"}).status_code == 401
        wrong = {"Authorization": "Bearer " + token[:-1] + "X"}
        assert httpx.get(base + "/search", params={"q": "cart"}, headers=wrong).status_code == 401
        assert httpx.get(base + "/openapi.json", headers={"Authorization": token}).status_code == 401
        ok = httpx.get(base + "/search", params={"q": "cart"}, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json()


def test_ask_streams_model_tokens(indexed):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "answer"))
    from openai_stub import Reply, StubOpenAI, answer_json

    def reply(_body: dict, _i: int) -> Reply:
        return Reply(answer_json("A coupon lowers the amount by its percentage [1]."))

    with StubOpenAI(reply) as stub:
        env = server_env(
            WALKRAG_LLM_BASE_URL=stub.base_url,
            WALKRAG_LLM_MODEL="stub-model",
            WALKRAG_LLM_API_KEY="k",
            WALKRAG_LLM_MAX_RETRIES="0",
            WALKRAG_LLM_TIMEOUT="5",
        )
        with running_server(indexed / ".walkrag", env=env) as base:
            body = {"question": "how is a coupon discount applied?", "stream": True}
            with httpx.stream("POST", base + "/ask", json=body, timeout=60) as r:
                text = "".join(r.iter_text())
    events = [block.split("\n", 1) for block in text.split("\n\n") if block.strip()]
    kinds = [head.removeprefix("event: ") for head, _ in events]
    assert kinds.count("token") >= 1 and kinds[-1] == "result", kinds
    result = json.loads(events[-1][1].removeprefix("data: "))
    assert result["llm_used"] and result["citations"], result


def test_several_worker_processes_serve_and_store_every_trace(indexed):
    from walkrag.traces import TraceStore

    with running_server(indexed / ".walkrag", "--workers", "2") as base:
        questions = [f"how is the discount applied {i}" for i in range(20)]
        for q in questions:  # a new connection each: the kernel spreads them over the workers
            r = httpx.get(base + "/search", params={"q": q, "k": 3})
            assert r.status_code == 200 and r.json()
        assert httpx.get(base + "/symbols", params={"name": "apply_discount"}).status_code == 200
    store = TraceStore(indexed / ".walkrag")
    try:
        recorded = [row["question"] for row in store.list(limit=100)]
    finally:
        store.close()
    assert sorted(recorded) == sorted(questions), "a trace queued in a worker was lost at shutdown"


def test_watch_with_several_workers_is_refused(indexed):
    proc = _serve_refused(indexed / ".walkrag", "--watch", "--workers", "2")
    assert proc.returncode == 2, proc.stderr
    assert "--watch" in proc.stderr and "--workers 1" in proc.stderr

