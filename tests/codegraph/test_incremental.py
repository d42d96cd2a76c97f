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


# -- incremental updates give what a full build of the same tree gives ---------------------------

import shutil  # noqa: E402
from collections import Counter  # noqa: E402

from conftest import write_corpus  # noqa: E402

from walkrag.codegraph import build  # noqa: E402


def _graph(db) -> tuple[Counter, set]:
    """Edges as (src path, src line, dst path, dst qualified name, kind, confidence, how, src symbol); file edges."""
    edges = Counter(
        db.execute(
            "SELECT e.src_path, e.src_line, e.dst_path, d.qualified_name, e.kind, round(e.confidence, 6), e.how, "
            "s.qualified_name FROM edges e LEFT JOIN definitions d ON d.id = e.dst_def "
            "LEFT JOIN definitions s ON s.id = e.src_def"
        ).fetchall()
    )
    file_edges = set(db.execute("SELECT src, dst, kind, weight FROM file_edges").fetchall())
    return edges, file_edges


def _full_rebuild_in_place(store) -> tuple[Counter, set]:
    """What resolving every reference of the same store gives (rolled back)."""
    db = store.db
    db.execute("BEGIN IMMEDIATE")
    try:
        build.resolve_all(db)
        return _graph(db)
    finally:
        db.execute("ROLLBACK")


def _fresh_build(root, tmp_path, step: int) -> tuple[Counter, set]:
    copy = tmp_path / f"fresh{step}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".walkrag"))
    idx = walkrag.open(copy)
    try:
        idx.update()
        return _graph(idx.store.db)
    finally:
        idx.close()


EDITS: list[dict[str, str | None]] = [
    # rename a definition that other files (code and prose) use
    {
        "py/zoo/animals.py": "class Animal:\n    def speak(self):\n        return self.noise()\n\n    def noise(self):"
        "\n        return '...'\n\n\ndef build_animal(kind):\n    return Animal()\n"
    },
    # delete a file other files import
    {"js/vehicle.js": None},
    # add the file an unresolved import named (`require('./util')`), defining a name used elsewhere
    {"js/util.js": "export function makeVehicle() {\n  return 1;\n}\nexport function honk() { return 2; }\n"},
    # rename an import (alias) and use it
    {
        "py/zoo/keeper.py": "from zoo.animals import Animal as Beast, build_animal\nimport zoo.animals as zoo_animals\n\n\n"
        "class Dog(Beast):\n    def noise(self) -> Beast:\n        return 'woof'\n\n\n"
        "def feed_all(n: int) -> list[Beast]:\n    pets = [build_animal('cat') for _ in range(n)]\n"
        "    zoo_animals.build_animal('dog')\n    return pets\n"
    },
    # a package __init__ re-exports a name; a new file imports it through the package
    {
        "py/zoo/__init__.py": "from zoo.animals import Animal\n",
        "py/zoo/visitor.py": "from zoo import Animal, feed_all\nfrom zoo.keeper import Beast\n\n\ndef visit():\n"
        "    return Animal(), Beast(), make_animal('x'), feed_all(2)\n",
    },
    # an alias chain: the re-exported name changes what it binds
    {"py/zoo/__init__.py": "from zoo.keeper import Dog as Animal\n"},
    # the re-export binds the same name to another definition of the same file
    {"py/zoo/__init__.py": "from zoo.keeper import feed_all as Animal, Dog\n"},
    # prose: rename a label and a section, drop a directive
    {
        "docs/ref.rst": "Reference\n=========\n\n.. _feeding-new:\n\nFeeding beasts\n--------------\n\n"
        "Use :func:`zoo.animals.build_animal` or :class:`~zoo.animals.Animal`.\n\n"
        ".. function:: build_animal(kind)\n\n   Make one animal.\n\nSee :ref:`feeding-new` and :doc:`install`.\n"
    },
    # delete a prose file other prose links to
    {"docs/install.md": None},
    # two languages at once: rust and go definitions renamed
    {
        "rust/src/engine.rs": "pub trait Motor {\n    fn rev(&self) -> u32;\n}\n\npub struct Engine {\n"
        "    pub power: u32,\n}\n\npub fn ignite() -> Engine {\n    Engine { power: 3 }\n}\n",
        "docs/guide.md": "# Zoo guide\n\nCall `build_animal()` and `ignite()`; a `Dog` barks. See [ref](ref.rst).\n",
    },
    # the class other files import under an alias changes, the importers do not
    {
        "py/zoo/animals.py": "class Creature:\n    def speak(self):\n        return 1\n\n\n"
        "def build_animal(kind):\n    return Creature()\n"
    },
    # a prose file comes back: links and :doc: roles that missed it find it
    {"docs/install.md": "# Install\n\n## Setup\n\nRun `pip install zoo`.\n"},
    # the aliased class comes back (`Beast` in keeper.py names it)
    {"py/zoo/animals.py": "class Animal:\n    pass\n\n\ndef build_animal(kind):\n    return Animal()\n"},
    # bring the deleted file back
    {"js/vehicle.js": "export class Vehicle {\n  drive() { return this.honk(); }\n}\n"},
]


def test_incremental_updates_equal_a_full_build(tmp_path):
    root = write_corpus(tmp_path / "corpus")
    idx = walkrag.open(root)
    try:
        idx.update()
        db = idx.store.db
        assert db.execute("SELECT value FROM meta WHERE key=?", (build.INCREMENTAL_KEY,)).fetchone()[0] == "1"
        for step, edit in enumerate(EDITS):
            for rel, text in edit.items():
                path = root / rel
                if text is None:
                    path.unlink()
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
            idx.update()
            db = idx.store.db
            # it ran incrementally (a full build leaves the rank fresh)
            assert int(idx.store.get_meta(build.RANK_STALE_KEY)) > 0, step
            assert db.execute("SELECT COUNT(*) FROM graph_changes").fetchone()[0] == 0
            got = _graph(db)
            assert got[0], step
            want = _full_rebuild_in_place(idx.store)
            assert got[0] == want[0], (step, got[0] - want[0], want[0] - got[0])
            assert got[1] == want[1], (step, got[1] - want[1], want[1] - got[1])
            fresh = _fresh_build(root, tmp_path, step)
            assert got[0] == fresh[0], (step, got[0] - fresh[0], fresh[0] - got[0])
            assert got[1] == fresh[1], (step, got[1] - fresh[1], fresh[1] - got[1])
    finally:
        idx.close()


def test_large_changes_and_force_resolve_everything(tmp_path):
    root = write_corpus(tmp_path / "corpus")
    idx = walkrag.open(root)
    try:
        idx.update()
        for path in sorted((root / "py").rglob("*.py")) + sorted((root / "js").rglob("*.js")):
            path.write_text(path.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
        idx.update()
        assert idx.store.get_meta(build.RANK_STALE_KEY) == "0"
        with idx.store.transaction():
            stats = build.finish(idx.store.db, force=True)
        assert stats and stats["mode"] == "full"
    finally:
        idx.close()
