"""Resolution rules, ambiguity, centrality and the integrity of stored edges."""

from __future__ import annotations

import numpy as np

from walkrag.codegraph.build import pagerank


def _edges(db, src: str, name: str):
    return db.execute(
        "SELECT d.path, d.qualified_name, e.confidence, e.how FROM edges e JOIN refs r ON r.id = e.ref_id "
        "JOIN definitions d ON d.id = e.dst_def WHERE e.src_path=? AND r.name=? ORDER BY d.qualified_name",
        (src, name),
    ).fetchall()


def test_import_beats_global_and_self_picks_the_enclosing_class(db):
    rows = _edges(db, "py/zoo/keeper.py", "make_animal")
    assert {(r[0], r[3]) for r in rows} == {("py/zoo/animals.py", "import")}
    speak = _edges(db, "py/zoo/animals.py", "noise")
    assert [(r[1], r[2]) for r in speak] == [("Animal.noise", 1.0)]  # not Dog.noise


def test_ambiguous_links_are_kept_with_split_confidence(db):
    rows = _edges(db, "rust/src/main.rs", "rev")  # Motor.rev (trait) or Engine.rev (impl)
    assert sorted(r[1] for r in rows) == ["Engine.rev", "Motor.rev"]
    assert all(abs(r[2] - 0.5) < 1e-9 for r in rows)


def test_unknown_names_stay_unlinked(db):
    assert _edges(db, "c/buffer.c", "malloc") == []
    assert _edges(db, "py/zoo/keeper.py", "range") == []


def test_no_dangling_rows(db):
    assert (
        db.execute(
            "SELECT COUNT(*) FROM edges WHERE dst_def IS NOT NULL AND dst_def NOT IN "
            "(SELECT id FROM definitions)"
        ).fetchone()[0]
        == 0
    )
    assert (
        db.execute(
            "SELECT COUNT(*) FROM edges WHERE src_def IS NOT NULL AND src_def NOT IN "
            "(SELECT id FROM definitions)"
        ).fetchone()[0]
        == 0
    )
    assert (
        db.execute(
            "SELECT COUNT(*) FROM edges WHERE ref_id IS NOT NULL AND ref_id NOT IN (SELECT id FROM refs)"
        ).fetchone()[0]
        == 0
    )


def test_centrality_ranks_the_most_used_definition_high(db):
    scores = dict(
        db.execute(
            "SELECT d.qualified_name, c.score FROM centrality c JOIN definitions d ON d.id = c.def_id "
            "WHERE d.path LIKE 'py/zoo/%'"
        ).fetchall()
    )
    assert scores["Animal"] > scores["feed_all"]
    files = dict(db.execute("SELECT path, score FROM file_centrality").fetchall())
    assert files["py/zoo/animals.py"] > files["py/zoo/keeper.py"]


def test_pagerank_power_iteration():
    # 0 -> 2, 1 -> 2, 2 -> 0, 3 dangling
    r = pagerank(4, np.array([0, 1, 2]), np.array([2, 2, 0]), np.ones(3))
    assert abs(r.sum() - 1) < 1e-9
    assert r.argmax() == 2 and r[0] > r[1]


def test_an_indexed_package_folder_resolves_imports_of_its_own_name(tmp_path):
    import walkrag

    pkg = tmp_path / "shapes"
    (pkg / "geometry").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from shapes.geometry.area import circle_area\n")
    (pkg / "geometry" / "__init__.py").write_text("")
    (pkg / "geometry" / "area.py").write_text("def circle_area(r):\n    return 3.14159 * r * r\n")
    (pkg / "report.py").write_text(
        "from shapes.geometry.area import circle_area\n\n\ndef report(r):\n    return circle_area(r)\n"
    )
    idx = walkrag.open(pkg)
    idx.update()
    rows = _edges(idx.store.db, "report.py", "circle_area")
    assert {(r[0], r[3]) for r in rows} == {("geometry/area.py", "import")}
    kinds = {r[0] for r in idx.store.db.execute("SELECT kind FROM file_edges WHERE src='report.py' AND dst='geometry/area.py'")}
    assert "import" in kinds
