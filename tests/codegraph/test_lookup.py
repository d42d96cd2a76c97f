"""Symbol lookup: exact, case-insensitive, separator-insensitive, partial and fuzzy; fast."""

from __future__ import annotations

import pytest

from walkrag.codegraph.lookup import lookup


@pytest.mark.parametrize(
    ("query", "want", "match"),
    [
        ("Paginator", "Paginator", "exact"),
        ("paginator", "Paginator", "ci"),
        ("Paginater", "Paginator", "fuzzy"),
        ("CommonMiddlware", "CommonMiddleware", "fuzzy"),
        ("get_objct_or_404", "get_object_or_404", "fuzzy"),
        ("getObjectOr404", "get_object_or_404", "partial"),
        ("check_token", "_check_token", "partial"),
        ("Middleware", "CommonMiddleware", "partial"),
        ("Paginator.page", "page", "exact"),
        ("get object or 404", "get_object_or_404", "partial"),
    ],
)
def test_lookup_finds(db, query, want, match):
    found = lookup(db, query, 10)
    assert found, query
    hit = next(m for m in found if m.name == want)
    assert hit.match == match
    assert found.index(hit) <= 1


def test_best_first_and_code_before_docs(db):
    found = lookup(db, "make_animal", 10)
    assert found[0].path == "py/zoo/animals.py" and found[0].score == 1.0
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_nothing_for_noise(db):
    assert lookup(db, "zzqxw", 10) == []


def test_a_name_is_looked_up_through_the_store_as_the_name_table_finds_it(db):
    from walkrag.codegraph.lookup import SCORES, named

    names = [r[0] for r in db.execute("SELECT DISTINCT name FROM definitions")]
    names += [r[0] for r in db.execute("SELECT DISTINCT qualified_name FROM definitions")]
    names += ["paginator", "getObjectOr404", "Paginator.page", "GET_OBJECT_OR_404", "zzqxw"]
    checked = 0
    for name in names:
        fast = named(db, name, limit=50)
        if fast is None:  # a phrase (a section title): only the name table answers it
            assert " " in name.strip()
            continue
        slow = [m for m in lookup(db, name, 50) if m.score >= SCORES["normalized"]]
        assert [(m.id, m.score, m.match) for m in fast] == [(m.id, m.score, m.match) for m in slow], name
        checked += 1
    assert checked > 20
    assert [m.name for m in named(db, "getObjectOr404")] == ["get_object_or_404"]


def test_an_index_from_before_normalized_names_falls_back_until_the_next_run(tmp_path):
    import walkrag
    from walkrag.codegraph.lookup import named

    (tmp_path / "views.py").write_text("def get_object_or_404(queryset):\n    return queryset\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    idx.store.db.execute("UPDATE definitions SET norm = NULL")
    idx.store.db.commit()
    assert named(idx.store.db, "getObjectOr404") is None
    assert lookup(idx.store.db, "getObjectOr404", 5)[0].name == "get_object_or_404"
    idx.close()
    again = walkrag.open(tmp_path)
    again.update()
    assert [m.name for m in named(again.store.db, "getObjectOr404")] == ["get_object_or_404"]
