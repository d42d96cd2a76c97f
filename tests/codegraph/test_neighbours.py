"""The retrieval building block: neighbours of chunk hits along graph edges."""

from __future__ import annotations

from walkrag.codegraph.navigate import neighbours


def test_neighbours_of_a_caller_include_its_callees_and_docs(db):
    hits = [{"path": "py/zoo/keeper.py", "start_line": 10, "end_line": 13, "symbol": "feed_all"}]
    found = neighbours(db, hits)
    by_edge = {(n.edge, n.path, n.symbol) for n in found}
    assert ("callee", "py/zoo/animals.py", "make_animal") in by_edge
    assert ("type", "py/zoo/animals.py", "Animal") in by_edge
    assert all(0 < n.weight <= 1 for n in found)
    assert [n.weight for n in found] == sorted((n.weight for n in found), reverse=True)


def test_neighbours_of_a_helper_include_callers_and_documenting_sections(db):
    found = neighbours(db, [{"path": "py/zoo/animals.py", "start_line": 9, "end_line": 10}])
    edges = {(n.edge, n.path) for n in found}
    assert ("caller", "py/zoo/keeper.py") in edges
    assert ("documented_by", "docs/guide.md") in edges


def test_hits_are_not_their_own_neighbours_and_rank_decays(db):
    hits = [
        {"path": "py/zoo/keeper.py", "start_line": 10, "end_line": 13},
        {"path": "py/zoo/animals.py", "start_line": 1, "end_line": 10},
    ]
    found = neighbours(db, hits)
    assert not any(n.path == "py/zoo/animals.py" and n.start_line <= 10 for n in found)
    assert all(n.hit in (0, 1) for n in found)
