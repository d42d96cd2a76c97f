"""Prose cross-references: links, anchors, Sphinx roles, labels, inline code; docs <-> code both ways."""

from __future__ import annotations

from walkrag.codegraph.docs import extract_doc_refs
from walkrag.codegraph.navigate import neighbours


def _doc_edges(db, path: str):
    rows = db.execute(
        "SELECT r.kind, r.name, e.dst_path, d.qualified_name FROM refs r JOIN edges e ON e.ref_id = r.id "
        "LEFT JOIN definitions d ON d.id = e.dst_def WHERE r.path=?",
        (path,),
    ).fetchall()
    return {(k, n, p, q) for k, n, p, q in rows}


def test_markdown_links_anchors_and_inline_code(db):
    edges = _doc_edges(db, "docs/guide.md")
    assert ("link", "", "py/zoo/keeper.py", None) in edges
    assert ("link", "setup", "docs/install.md", "Install > Setup") in edges
    assert ("link", "more", "docs/guide.md", "Zoo guide > More") in edges
    assert ("mention", "make_animal", "py/zoo/animals.py", "make_animal") in edges
    assert ("mention", "Dog", "py/zoo/keeper.py", "Dog") in edges
    assert not any(n == "Animal" for _, n, _, _ in edges)  # inside a fenced block


def test_sphinx_roles_labels_and_docs(db):
    edges = _doc_edges(db, "docs/ref.rst")
    assert ("role", "zoo.animals.make_animal", "py/zoo/animals.py", "make_animal") in edges
    assert ("role", "zoo.animals.Animal", "py/zoo/animals.py", "Animal") in edges
    assert ("role", "Animal.speak", "py/zoo/animals.py", "Animal.speak") in edges
    assert ("role", "ZOO_SIZE", "docs/ref.rst", "ZOO_SIZE") in edges
    assert ("role", "feeding-label", "docs/ref.rst", "Reference > Feeding animals") in edges
    assert ("role", "install", "docs/install.md", None) in edges
    assert ("mention", "noise", "py/zoo/keeper.py", "Dog.noise") in edges


def test_directives_describe_code(db):
    rows = db.execute(
        "SELECT d.qualified_name, d.path FROM edges e JOIN definitions d ON d.id = e.dst_def "
        "WHERE e.kind='describes' AND e.src_path='docs/ref.rst'"
    ).fetchall()
    assert ("make_animal", "py/zoo/animals.py") in {tuple(r) for r in rows}


def test_code_symbols_know_their_doc_sections(graph_index):
    places = graph_index.related("py/zoo/animals.py:9")
    documented = {(p["path"], p["symbol"]) for p in places if p["relation"] == "documented_by"}
    assert ("docs/guide.md", "Zoo guide > Feeding") in documented
    assert ("docs/ref.rst", "Reference > Feeding animals") in documented


def test_prose_chunks_link_to_symbols(db):
    found = neighbours(db, [{"path": "docs/ref.rst", "start_line": 6, "end_line": 14}])
    names = {(n.path, n.symbol, n.edge) for n in found}
    assert ("py/zoo/animals.py", "make_animal", "documents") in names
    assert ("py/zoo/animals.py", "Animal.speak", "documents") in names


def test_extractor_skips_external_links_and_prose_words():
    refs = extract_doc_refs(
        "a/b.md", "[x](https://e.org) [y](../c.md#top) `ls -la` `os.path.join()`", "markdown"
    )
    assert [(r.kind, r.name, r.module) for r in refs] == [
        ("link", "top", "c.md"),
        ("mention", "join", "os.path.join"),
    ]
