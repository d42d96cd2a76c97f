"""The trace UI over HTTP: pages, highlighting, labelling API, safety, the live stream."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from trace_helpers import make_trace

from walkrag.traces import store_for
from walkrag.traces.ui import create_ui_app


@pytest.fixture
def client(indexed):
    app = create_ui_app(indexed / ".walkrag")
    with TestClient(app, base_url="http://127.0.0.1:8770") as c:
        yield c


@pytest.fixture
def trace_id(indexed):
    t = make_trace("how is <b>sales tax</b> computed?", label=None)
    store_for(indexed / ".walkrag").add(t)
    return t.id


def test_list_page_lists_and_filters(client, trace_id):
    page = client.get("/traces")
    assert page.status_code == 200 and trace_id in page.text
    assert "how is &lt;b&gt;sales tax&lt;/b&gt; computed?" in page.text, "questions are escaped"
    assert trace_id not in client.get("/traces?kind=search").text
    assert trace_id in client.get("/traces?label=unlabeled&q=sales").text
    assert client.get("/").status_code == 200  # redirects to the list


def test_trace_page_shows_question_steps_and_highlighted_evidence(client, trace_id):
    page = client.get(f"/traces/{trace_id}")
    assert page.status_code == 200
    assert '<h1 id="question">how is &lt;b&gt;sales tax&lt;/b&gt; computed?</h1>' in page.text
    assert 'class="hl"' in page.text and '<span class="k">def</span>' in page.text, "Pygments highlighted the span"
    assert '<span class="linenos">17</span>' in page.text, "numbered from the span's first line"
    assert "shop/pricing.py:17-21" in page.text and 'id="label-good"' in page.text
    assert client.get("/traces/nope").status_code == 404


def test_every_asset_is_local(client, trace_id):
    page = client.get(f"/traces/{trace_id}").text
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith("/"), f"external asset {url}"
    for name in ("ui.js", "ui.css", "pygments.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and "http://" not in asset.text and "https://" not in asset.text
    assert client.get("/static/../store.py").status_code == 404
    assert "default-src 'self'" in client.get("/traces").headers["content-security-policy"]


def test_labels_and_marks_through_the_api(client, trace_id, indexed):
    r = client.post(f"/api/traces/{trace_id}/label", json={"label": "good", "note": "nice"})
    assert r.status_code == 200
    r = client.post(f"/api/traces/{trace_id}/evidence/2", json={"relevant": False})
    assert r.status_code == 200
    got = store_for(indexed / ".walkrag").get(trace_id)
    assert (got.label, got.note, got.evidence[1].relevant) == ("good", "nice", False)
    assert client.post(f"/api/traces/{trace_id}/note", json={"note": "better"}).status_code == 200
    data = client.get(f"/api/traces/{trace_id}").json()
    assert data["note"] == "better" and data["label"] == "good"
    page = client.get(f"/traces/{trace_id}").text
    assert '<span id="label-state" class="badge good">good</span>' in page and 'data-relevant="false"' in page
    assert client.post(f"/api/traces/{trace_id}/label", json={"label": "meh"}).status_code == 422
    assert client.post("/api/traces/nope/label", json={"label": "good"}).status_code == 404


def test_cross_site_writes_and_foreign_hosts_are_refused(client, trace_id):
    assert client.post(f"/api/traces/{trace_id}/label", content='{"label": "bad"}',
                       headers={"content-type": "text/plain"}).status_code in (403, 422)
    r = client.post(f"/api/traces/{trace_id}/label", json={"label": "bad"}, headers={"origin": "http://evil.test"})
    assert r.status_code == 403
    assert client.get("/traces", headers={"host": "evil.test"}).status_code == 403, "DNS rebinding guard"
    assert client.get(f"/api/traces/{trace_id}").json()["label"] is None


def test_live_stream_reports_steps_and_the_trace(client, indexed):
    with client.stream("GET", "/api/live", params={"q": "where is tax computed", "mode": "ask", "llm": "false"}) as r:
        body = "".join(r.iter_text())
    events = [(m.group(1), json.loads(m.group(2))) for m in re.finditer(r"event: (\w+)\ndata: (.*)\n", body)]
    names = [e for e, _ in events]
    assert "step" in names and "trace" in names and names[-1] == "done", names
    trace_event = next(d for e, d in events if e == "trace")
    trace = store_for(indexed / ".walkrag").get(trace_event["id"])
    assert trace.question == "where is tax computed" and trace.config["source"] == "ui"
    assert client.get("/live").status_code == 200
    assert client.get("/api/live", params={"q": "  "}).status_code == 400
