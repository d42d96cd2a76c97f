"""End to end in headless Chromium: run a search, open its trace in `walkrag ui`, label it with the
keyboard, reload, and check that the label, the note and the evidence mark persisted.

Needs Chromium (Debian: `apt-get install chromium`, or `make browser`); the DevTools protocol runs
over `--remote-debugging-pipe` (tests/traces/cdp.py), so nothing else is installed.
Set WALKRAG_UPDATE_SCREENSHOTS=1 to refresh the README screenshots in docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cdp import CHROMIUM, Browser
from trace_helpers import running_ui, walkrag_cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make browser)"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUESTION = "how is sales tax computed for a region"


def _text(b: Browser, selector: str) -> str:
    return b.evaluate(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''")


def test_search_trace_label_reload(indexed, tmp_path):
    index_dir = indexed / ".walkrag"
    assert walkrag_cli("search", QUESTION, "--index-dir", str(index_dir)).returncode == 0
    assert walkrag_cli("ask", "how is the discount applied?", "--no-llm", "--index-dir", str(index_dir)).returncode == 0
    rows = json.loads(walkrag_cli("traces", "list", "--json", "--index-dir", str(index_dir)).stdout)
    trace_id = next(r["id"] for r in rows if r["question"] == QUESTION)
    shots = SCREENSHOTS if os.environ.get("WALKRAG_UPDATE_SCREENSHOTS") else tmp_path / "shots"

    with running_ui(index_dir) as base, Browser(tmp_path / "chromium-profile") as b:
        b.goto(f"{base}/traces")
        assert b.wait_for("document.querySelectorAll('tr.row').length") == 2
        b.press("j")  # the cursor moves to the older row: the search
        assert b.evaluate("document.querySelector('tr.row.current').dataset.id") == trace_id
        b.screenshot(shots / "traces-list.png")
        b.press("Enter")
        b.wait_for(f"location.pathname === '/traces/{trace_id}' && document.readyState === 'complete'")
        assert _text(b, "#question") == QUESTION
        assert b.evaluate("document.querySelectorAll('section.ev .hl').length") >= 3
        assert _text(b, "#label-state") == "unlabeled"

        b.press("g")
        b.wait_for("document.querySelector('#label-state').textContent === 'good'")
        b.press("n")
        assert b.evaluate("document.activeElement.id") == "note"
        b.type_text("pricing.py first, as it should be")
        b.press("Enter", modifiers=2)  # Ctrl+Enter saves the note
        b.wait_for("document.activeElement.id !== 'note'")
        b.press("]")
        b.press("r")  # evidence #2 relevant
        b.wait_for("document.querySelector('#ev-2').dataset.relevant === 'true'")
        time.sleep(0.3)  # let the note request land before reloading
        b.evaluate("window.scrollTo(0, 0)")
        b.screenshot(shots / "trace-page.png")

        b.reload()
        assert _text(b, "#question") == QUESTION
        assert _text(b, "#label-state") == "good"
        assert b.evaluate("document.querySelector('#note').value") == "pricing.py first, as it should be"
        assert b.evaluate("document.querySelector('#ev-2').dataset.relevant") == "true"
        assert b.evaluate("document.querySelector('#ev-1').dataset.relevant") == ""

    shown = json.loads(walkrag_cli("traces", "show", trace_id, "--json", "--index-dir", str(index_dir)).stdout)
    assert shown["label"] == "good" and shown["evidence"][1]["relevant"] is True


def test_ask_live_streams_steps_and_links_the_trace(indexed, tmp_path):
    index_dir = indexed / ".walkrag"
    with running_ui(index_dir) as base, Browser(tmp_path / "chromium-profile") as b:
        b.goto(f"{base}/live")
        b.evaluate("document.querySelector('#live-q').focus()")
        b.type_text("how does the cart total apply the discount?")
        b.evaluate("document.querySelector('#f-mode').value = 'walk'")
        b.press("Enter")
        link = b.wait_for("(document.querySelector('#live-trace') || {}).href", timeout=60)
        steps = b.evaluate("Array.from(document.querySelectorAll('#live-steps li')).map(li => li.textContent)")
        assert any(s.startswith("search") for s in steps), steps
        assert b.evaluate("document.querySelector('#live-answer').textContent.length") > 0
        b.goto(link)
        assert _text(b, "#question") == "how does the cart total apply the discount?"
