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
