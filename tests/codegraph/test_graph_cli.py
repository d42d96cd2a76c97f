"""`walkrag symbols|refs|calls|related --json` output shapes, and the same on the Python API."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from walkrag.cli import _register, app

_register()
runner = CliRunner()


def _json(*args: str, index_dir) -> list:
    result = runner.invoke(app, [*args, "--index-dir", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_symbols_json(graph_index):
    items = _json("symbols", "Paginater", index_dir=graph_index.index_dir)
    assert items and items[0]["name"] == "Paginator"
    for key in ("name", "qualified_name", "kind", "path", "start_line", "end_line", "score", "match"):
        assert key in items[0]
    assert items[0]["path"] == "py/web/shortcuts.py" and items[0]["start_line"] == 1


def test_refs_json(graph_index):
    items = _json("refs", "make_animal", index_dir=graph_index.index_dir)
    places = {(i["path"], i["start_line"], i["symbol"]) for i in items}
    assert ("py/zoo/keeper.py", 11, "feed_all") in places
    assert all({"path", "start_line", "end_line", "symbol"} <= set(i) for i in items)
    assert any(i["path"].startswith("docs/") for i in items)  # documentation references too


def test_calls_json(graph_index):
    items = _json("calls", "feed_all", index_dir=graph_index.index_dir)
    called = {(i["name"], t["path"]) for i in items for t in i["targets"]}
    assert ("make_animal", "py/zoo/animals.py") in called


@pytest.mark.parametrize("place", ["py/zoo/animals.py:9", "py/zoo/animals.py"])
def test_related_json(graph_index, place):
    items = _json("related", place, index_dir=graph_index.index_dir)
    relations = {i["relation"] for i in items}
    assert "definition" in relations and "caller" in relations
    assert all({"path", "start_line", "end_line", "relation", "weight"} <= set(i) for i in items)


def test_human_output_and_python_api(graph_index):
    result = runner.invoke(app, ["refs", "Animal", "--index-dir", str(graph_index.index_dir)])
    assert result.exit_code == 0 and "py/zoo/keeper.py:5-5" in result.stdout
    assert graph_index.symbols("CommonMiddlware")[0].name == "CommonMiddleware"
    assert graph_index.calls("nothing_like_this_anywhere_zz") == []
