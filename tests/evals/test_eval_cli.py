"""`walkrag eval` and `walkrag eval synth` through the command line, on the indexed corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eval_helpers import build_corpus
from typer.testing import CliRunner

from walkrag.cli import _register, app

_register()
runner = CliRunner()

DATASET = [
    {"id": "tax", "question": "sales tax owed for a region", "level": "lookup",
     "gold": [{"path": "shop/pricing.py", "symbol": "tax_for", "lines": [17, 21]}]},
    {"id": "reorder", "question": "when should an item be reordered", "level": "lookup",
     "gold": [{"path": "src/Main.java"}]},
    {"id": "port", "question": "which port does the order server listen on", "level": "docs",
     "gold": [{"path": "cmd/server.go"}, {"path": "docs/deployment.rst"}]},
    {"id": "coupon", "question": "coupon codes percentage discount", "level": "docs",
     "gold": [{"path": "docs/pricing.md"}, {"path": "shop/pricing.py"}]},
]


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ds") / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in DATASET))
    return path


def test_eval_search_json_and_html(indexed, dataset, tmp_path):
    res = invoke("eval", dataset, "--index-dir", indexed / ".walkrag", "--mode", "search",
                 "--json", tmp_path / "out.json", "--html", tmp_path / "out.html")
    assert res.exit_code == 0, res.output
    assert "recall@10" in res.output and "per level" in res.output
    report = json.loads((tmp_path / "out.json").read_text())
    for name in ("recall@10", "full@10", "ndcg@10", "mrr"):
        assert 0.0 <= report["metrics"][name] <= 1.0
    assert report["metrics"]["recall@10"] > 0.5
    assert set(report["per_level"]) == {"lookup", "docs"} and report["per_level"]["docs"]["n"] == 2
    assert report["per_level"]["lookup"]["recall@10"] is not None
    assert report["dataset"]["n"] == 4 and report["mode"] == "search" and report["comparison"] == []
    assert len(report["runs"]) == 1 and len(report["runs"][0]["questions"]) == 4
    html = (tmp_path / "out.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "chart-recall" in html


def test_eval_with_corpus_indexes_first(dataset, tmp_path):
    root = build_corpus(tmp_path / "fresh")
    res = invoke("eval", dataset, "--corpus", root, "--json", tmp_path / "r.json", "--limit", "2")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r.json").read_text())["dataset"]["n"] == 2
    assert (root / ".walkrag" / "index.db").is_file()


def test_comparison_and_fail_under_exit_code(indexed, dataset, tmp_path):
    lex = tmp_path / "lexical.toml"
    lex.write_text('name = "lexical"\nretrievers = ["lexical"]\nrank = false\n')
    full = tmp_path / "full.toml"
    full.write_text('name = "hybrid"\n')
    args = ["eval", dataset, "--index-dir", indexed / ".walkrag", "--config", lex, "--config", full,
            "--json", tmp_path / "cmp.json"]
    res = invoke(*args, "--fail-under", "recall@10=0.01")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "cmp.json").read_text())
    assert [r["config"]["name"] for r in report["runs"]] == ["lexical", "hybrid"]
    assert report["runs"][0]["config"]["search"] == {"retrievers": ["lexical"], "rank": False, "candidates": 200}
    deltas = [d for d in report["comparison"] if d["metric"] == "ndcg@10"]
    assert len(deltas) == 1 and deltas[0]["ci_low"] <= deltas[0]["delta"] <= deltas[0]["ci_high"]
    assert report["fail_under"] == {"thresholds": {"recall@10": 0.01}, "failures": [], "ok": True}
    res = invoke(*args, "--fail-under", "mrr=1.01")
    assert res.exit_code == 2
    assert "fail-under" in res.output and "mrr" in res.output
    assert json.loads((tmp_path / "cmp.json").read_text())["fail_under"]["ok"] is False


def test_semble_format_with_strip_prefix(indexed, tmp_path):
    ann = tmp_path / "shop.json"
    ann.write_text(json.dumps([
        {"query": "tax_for", "relevant": [{"path": "shopdemo/shop/pricing.py", "start_line": 17, "end_line": 21}]},
        {"query": "how is the order server configured", "relevant": ["shopdemo/docs/deployment.rst"],
         "secondary": ["shopdemo/cmd/server.go"]},
    ]))
    for extra in (["--format", "semble", "--strip-prefix", "shopdemo/"], []):  # explicit, then inferred
        res = invoke("eval", ann, "--index-dir", indexed / ".walkrag", "--json", tmp_path / "s.json", *extra)
        assert res.exit_code == 0, res.output
        report = json.loads((tmp_path / "s.json").read_text())
        assert set(report["per_level"]) == {"symbol", "architecture"}
        assert report["runs"][0]["questions"][0]["gold_files"] == ["shop/pricing.py"]
        assert report["metrics"]["recall@10"] > 0


def test_clear_errors(indexed, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(DATASET[0]) + "\n" + '{"id": "x", "question": "q", "gold": []}\n')
    res = invoke("eval", bad, "--index-dir", indexed / ".walkrag")
    assert res.exit_code == 1 and "bad.jsonl:2: gold" in res.output and "Traceback" not in res.output
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(DATASET[0]) + "\n")
    if not hasattr(__import__("walkrag.index", fromlist=["Index"]).Index, "walk"):
        res = invoke("eval", good, "--index-dir", indexed / ".walkrag", "--mode", "walk")
        assert res.exit_code == 1 and "Index.walk" in res.output
    res = invoke("eval", good, "--index-dir", indexed / ".walkrag", "--mode", "nope")
    assert res.exit_code == 1 and "unknown --mode" in res.output
    res = invoke("eval", good, "--index-dir", indexed / ".walkrag", "--fail-under", "recall")
    assert res.exit_code == 1 and "METRIC=VALUE" in res.output
    res = invoke("eval", good, "--index-dir", tmp_path / "no-index")
    assert res.exit_code == 1 and "no index" in res.output


def test_eval_synth_subcommand_then_eval(indexed, tmp_path):
    out = tmp_path / "synth"
    res = invoke("eval", "synth", "--n", "8", "--out", out, "--index-dir", indexed / ".walkrag", "--seed", "2")
    assert res.exit_code == 0, res.output
    assert "wrote 8 question(s)" in res.output
    assert {p.name for p in out.iterdir()} == {"dev.jsonl", "heldout.jsonl", "manifest.json"}
    res = invoke("eval", out / "dev.jsonl", "--index-dir", indexed / ".walkrag", "--json", tmp_path / "d.json")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "d.json").read_text())["metrics"]["recall@10"] > 0
    assert "--n" in invoke("eval", "synth", "--help").output
    assert "synth" in invoke("eval", "--help").output


@pytest.mark.slow
def test_real_entry_point(indexed, dataset, tmp_path):
    """`python -m walkrag eval synth ...` and `python -m walkrag eval DATASET ...` as separate processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALKRAG_", "OPENAI_"))}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "walkrag", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=120)

    proc = run("eval", "synth", "--n", "5", "--out", tmp_path / "s", "--index-dir", indexed / ".walkrag")
    assert proc.returncode == 0, proc.stderr
    proc = run("eval", dataset, "--index-dir", indexed / ".walkrag", "--mode", "search",
               "--json", tmp_path / "o.json", "--html", tmp_path / "o.html")
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads((tmp_path / "o.json").read_text())["metrics"]) >= {"recall@10", "full@10", "ndcg@10", "mrr"}
