"""Every planted definition, reference, link and import is found, in each of the 20 languages."""

from __future__ import annotations

import pytest
from graph_snippets import LANGS

from walkrag.codegraph.tags import languages

pytestmark = pytest.mark.parametrize("language", sorted(LANGS))


def test_every_language_has_a_query_file(language):
    assert language in languages()


def test_definitions_found(db, language):
    fx = LANGS[language]
    marks = ",".join("?" * len(fx["files"]))
    names = {
        r[0] for r in db.execute(f"SELECT name FROM definitions WHERE path IN ({marks})", list(fx["files"]))
    }
    assert set(fx["defs"]) <= names


def test_references_found(db, language):
    for path, name, kind in LANGS[language]["refs"]:
        if kind == "import":
            row = db.execute(
                "SELECT 1 FROM refs WHERE path=? AND kind='import' AND (module=? OR module || '.' || name=?)",
                (path, name, name),
            ).fetchone()
        else:
            row = db.execute(
                "SELECT 1 FROM refs WHERE path=? AND kind=? AND name=?", (path, kind, name)
            ).fetchone()
        assert row is not None, f"{kind} {name!r} not found in {path}"


def test_references_resolve_to_their_definitions(db, language):
    for src, name, dst in LANGS[language]["links"]:
        rows = db.execute(
            "SELECT e.confidence FROM edges e JOIN refs r ON r.id = e.ref_id JOIN definitions d ON d.id = e.dst_def "
            "WHERE e.src_path=? AND r.name=? AND d.path=? AND d.name=?",
            (src, name, dst, name),
        ).fetchall()
        assert rows, f"{src}: {name} does not link to {dst}"
        assert max(r[0] for r in rows) > 0


def test_file_import_graph(db, language):
    for src, dst in LANGS[language]["imports"]:
        row = db.execute(
            "SELECT weight FROM file_edges WHERE src=? AND dst=? AND kind='import'", (src, dst)
        ).fetchone()
        assert row is not None, f"no import edge {src} -> {dst}"
