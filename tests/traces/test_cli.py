"""`walkrag traces list | show | label | export | prune` and `walkrag ui` argument checks."""

from __future__ import annotations

import json

from trace_helpers import walkrag_cli
from typer.testing import CliRunner

from walkrag.cli import _register, app

_register()
runner = CliRunner()


def _run(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_list_json_is_newest_first_with_id_and_question(idx):
    for q in ("first question", "second question", "third question"):
        idx.search(q, 3)
    d = str(idx.index_dir)
    result = _run("traces", "list", "--json", "--index-dir", d)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["question"] for r in rows] == ["third question", "second question", "first question"]
    assert all(r["id"] and r["kind"] == "search" for r in rows)
    limited = json.loads(_run("traces", "list", "--json", "--limit", "1", "--index-dir", d).stdout)
    assert [r["question"] for r in limited] == ["third question"]
    assert json.loads(_run("traces", "list", "--json", "--kind", "ask", "--index-dir", d).stdout) == []


def test_list_before_anything_was_recorded(indexed):
    result = _run("traces", "list", "--json", "--index-dir", str(indexed / ".walkrag"))
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_real_cli_search_and_ask_are_listed(indexed):
    d = str(indexed / ".walkrag")
    assert walkrag_cli("search", "where is tax computed", "--index-dir", d).returncode == 0
    assert walkrag_cli("ask", "how is the discount applied?", "--no-llm", "--index-dir", d).returncode == 0
    listed = walkrag_cli("traces", "list", "--json", "--index-dir", d)
    rows = json.loads(listed.stdout)
    assert [(r["kind"], r["question"]) for r in rows][:2] == [
        ("ask", "how is the discount applied?"), ("search", "where is tax computed")]
    shown = json.loads(walkrag_cli("traces", "show", rows[0]["id"], "--json", "--index-dir", d).stdout)
    assert shown["question"] == "how is the discount applied?" and shown["config"]["source"] == "cli"
    assert shown["answer"] and shown["evidence"]


def test_show_label_and_export(idx, tmp_path):
    idx.ask("how is the discount applied?", use_llm=False, walk=False)
    d = str(idx.index_dir)
    trace_id = json.loads(_run("traces", "list", "--json", "--index-dir", d).stdout)[0]["id"]
    human = _run("traces", "show", trace_id, "--index-dir", d)
    assert human.exit_code == 0 and "how is the discount applied?" in human.stdout
    result = _run("traces", "label", trace_id, "good", "--note", "right file", "--relevant", "1",
                  "--not-relevant", "2", "--index-dir", d)
    assert result.exit_code == 0, result.output
    shown = json.loads(_run("traces", "show", trace_id, "--json", "--index-dir", d).stdout)
    assert (shown["label"], shown["note"]) == ("good", "right file")
    assert [e["relevant"] for e in shown["evidence"][:2]] == [True, False]
    out = tmp_path / "data.jsonl"
    result = _run("traces", "export", "--format", "eval", "--out", str(out), "--labeled-only", "--json",
                  "--index-dir", d)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["written"] == 1
    row = json.loads(out.read_text())
    assert row["question"] == "how is the discount applied?" and row["gold"][0]["path"] == shown["evidence"][0]["path"]


def test_errors_are_one_line(idx, tmp_path):
    idx.search("x")
    d = str(idx.index_dir)
    assert _run("traces", "show", "nope", "--index-dir", d).exit_code == 1
    assert _run("traces", "export", "--format", "csv", "--out", str(tmp_path / "x"), "--index-dir", d).exit_code == 1
    assert _run("traces", "list", "--kind", "bogus", "--index-dir", d).exit_code == 1
    refused = _run("ui", "--host", "0.0.0.0", "--index-dir", d)
    assert refused.exit_code == 2 and "loopback" in refused.output


def test_prune_command(idx):
    for i in range(3):
        idx.search(f"q{i}")
    d = str(idx.index_dir)
    result = _run("traces", "prune", "--max-mb", "0.000001", "--index-dir", d)
    assert result.exit_code == 0 and "removed 3" in result.output
