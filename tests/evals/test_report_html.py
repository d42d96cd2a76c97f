"""The HTML report: self-contained, and rendered by a real headless Chromium (Debian `chromium`)."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from walkrag.cli import _register, app
from walkrag.evals.compare import compare_runs
from walkrag.evals.config import EvalConfig
from walkrag.evals.report import report_dict
from walkrag.evals.report_html import chromium_args, find_chromium, render_html, write_html
from walkrag.evals.runner import QuestionResult, RunResult

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)"
)


def make_report() -> dict:
    runs = []
    for c, name in enumerate(["baseline", "candidate <b>"]):
        qs = []
        for i in range(30):
            hit = 1.0 if i % 3 else 0.0
            qs.append(QuestionResult(
                id=f"q{i}", question=f"question {i} about <script>alert(1)</script>", level=["easy", "hard"][i % 2],
                gold_files=["a.py"], files=["a.py", "b.py"] if hit else ["b.py"],
                metrics={"recall@1": hit, "recall@3": hit, "recall@5": hit, "recall@10": hit, "recall@20": 1.0,
                         "full@1": hit, "full@3": hit, "full@5": hit, "full@10": hit, "full@20": 1.0,
                         "ndcg@10": hit * (0.5 + c / 4), "mrr": hit * (1 - c / 3), "span_hit@10": None},
                latency_ms=5.0 + i * (1 + c),
            ))
        runs.append(RunResult(EvalConfig(name=name), "search", 10, qs))
    return report_dict(runs, compare_runs(runs), dataset={"path": "ds.jsonl", "n": 30},
                       thresholds=[("mrr", 0.9)], failures=["candidate <b>: mrr = 0.4 < 0.9"])


def test_html_is_self_contained_and_escaped():
    html = render_html(make_report())
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "external asset"
    assert "@import" not in html and "url(" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "candidate &lt;b&gt;" in html
    for chart in ("chart-levels-recall10", "chart-levels-ndcg10", "chart-recall", "chart-latency"):
        assert f'id="{chart}"' in html
    assert 'class="regression"' in html and "fail-under FAILED" in html


def run_chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([*chromium_args(CHROMIUM, str(profile)), *args], capture_output=True, text=True,
                          timeout=90)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@needs_chromium
def test_chromium_renders_the_page(tmp_path):
    page = write_html(make_report(), tmp_path / "report.html")
    proc = run_chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    dom = proc.stdout
    assert proc.returncode == 0 and dom, proc.stderr[-500:]
    assert 'data-ready="1"' in dom  # the inline script ran without errors
    assert "4 charts, 60 question rows" in dom  # the script counted what the browser parsed
    assert len(re.findall(r"<svg[^>]*class=\"chart\"", dom)) == 4
    assert dom.count("<rect class=\"bar\"") >= 8 and "<polyline" in dom
    assert re.search(r"<title>walkrag eval · search</title>", dom)


@needs_chromium
def test_chromium_screenshot_is_not_blank(tmp_path):
    page = write_html(make_report(), tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    proc = run_chromium("--window-size=1280,1600", f"--screenshot={shot}", page.as_uri(), tmp=tmp_path)
    assert shot.is_file(), proc.stderr[-500:]
    assert png_size(shot) == (1280, 1600)
    assert shot.stat().st_size > 20_000  # text, tables and coloured charts, not an empty white page


@needs_chromium
def test_cli_screenshot(indexed, tmp_path):
    _register()
    ds = tmp_path / "q.jsonl"
    ds.write_text('{"id": "t", "question": "sales tax for a region", "gold": [{"path": "shop/pricing.py"}]}\n')
    res = CliRunner().invoke(app, ["eval", str(ds), "--index-dir", str(indexed / ".walkrag"),
                                   "--screenshot", str(tmp_path / "r.png")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert png_size(tmp_path / "r.png")[0] == 1280
