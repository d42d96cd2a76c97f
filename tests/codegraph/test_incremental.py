"""The graph follows file changes within the index's own runs; deleted files leave nothing behind."""

from __future__ import annotations

import walkrag
from walkrag.codegraph import storage


def _count(db, sql: str, *args) -> int:
    return db.execute(sql, args).fetchone()[0]


def test_delete_and_change_update_edges(corpus):
    (corpus / "shop" / "helpers.py").write_text("def shout(x):\n    return x.upper()\n")
    (corpus / "shop" / "loud.py").write_text(
        "from shop.helpers import shout\n\n\ndef greet():\n    return shout('hi')\n"
    )
    idx = walkrag.open(corpus)
    idx.update()
    db = idx.store.db
    assert (
        _count(db, "SELECT COUNT(*) FROM edges WHERE src_path='shop/loud.py' AND dst_path='shop/helpers.py'")
        >= 2
    )
    assert [r["path"] for r in idx.refs("shout")] == ["shop/loud.py"]

    (corpus / "shop" / "helpers.py").unlink()
    stats = idx.update()
    db = idx.store.db
    assert stats.deleted == 1
    for table, cols in {
        "edges": ("src_path", "dst_path"),
        "file_edges": ("src", "dst"),
        "refs": ("path", "path"),
        "centrality": ("path", "path"),
    }.items():
        assert (
            _count(
                db,
                f"SELECT COUNT(*) FROM {table} WHERE {cols[0]}=? OR {cols[1]}=?",  # noqa: S608
                "shop/helpers.py",
                "shop/helpers.py",
            )
            == 0
        )
    assert _count(db, "SELECT COUNT(*) FROM edges WHERE dst_def NOT IN (SELECT id FROM definitions)") == 0
    assert idx.refs("shout") == []

    (corpus / "shop" / "helpers.py").write_text(
        "def shout(x):\n    return x\n\n\ndef whisper(x):\n    return x\n"
    )
    (corpus / "shop" / "loud.py").write_text(
        "from shop.helpers import whisper\n\n\ndef greet():\n    return whisper('hi')\n"
    )
    idx.update()
    assert idx.refs("shout") == []
    assert [(r["path"], r["symbol"]) for r in idx.refs("whisper") if r["kind"] == "call"] == [
        ("shop/loud.py", "greet")
    ]
    assert idx.store.get_meta(storage.DIRTY_KEY) == "0"


def test_unchanged_run_keeps_the_graph(corpus):
    idx = walkrag.open(corpus)
    idx.update()
    before = _count(idx.store.db, "SELECT COUNT(*) FROM edges")
    generation = idx.store.get_meta("graph_generation")
    idx.update()
    assert _count(idx.store.db, "SELECT COUNT(*) FROM edges") == before
    assert idx.store.get_meta("graph_generation") == generation


def test_index_built_before_the_graph_is_backfilled(corpus):
    idx = walkrag.open(corpus)
    idx.update()
    db = idx.store.db
    with idx.store.transaction():  # what an index from before migration 2 looks like after it runs
        db.execute("DELETE FROM refs")
        db.execute("DELETE FROM edges")
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('graph_backfill', '1')")
    idx.update()
    db = idx.store.db
    assert _count(db, "SELECT COUNT(*) FROM refs") > 0 and _count(db, "SELECT COUNT(*) FROM edges") > 0
