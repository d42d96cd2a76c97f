"""Symbol retriever: chunks that define the names a query mentions (exact, partial or fuzzy)."""

from __future__ import annotations

from walkrag.codegraph.lookup import SCORES, lookup, named
from walkrag.retrieval.query import QueryAnalysis
from walkrag.store.sqlite import SQLiteStore

NAMED_FLOOR = SCORES["normalized"]


def symbol_candidates(store: SQLiteStore, q: QueryAnalysis, limit: int = 50) -> list[tuple[int, float]]:
    """(chunk id, match score) of the chunks holding definitions the query names, best first."""
    if not q.identifiers:
        return []
    scored: dict[int, float] = {}
    for name in q.identifiers:
        for match in _matches(store, name, q.is_identifier, limit):
            row = store.chunk_at(match.path, match.start_line)
            if row:
                cid = int(row["id"])
                scored[cid] = max(scored.get(cid, 0.0), float(match.score))
    return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _matches(store: SQLiteStore, name: str, bare: bool, limit: int):
    """A bare identifier: every match, partial and fuzzy too (from the in-memory name table). A name
    inside a question counts only as itself, in any case or with any separators, since partial and
    fuzzy matches of ``tRPC`` or ``OAuth2`` would be every definition containing it; those come
    through the store's index, or from the table in an index that predates it."""
    if bare:
        return lookup(store.db, name, limit=limit)
    found = named(store.db, name, limit=limit)
    if found is not None:
        return found
    return [m for m in lookup(store.db, name, limit=limit) if m.score >= NAMED_FLOOR]
