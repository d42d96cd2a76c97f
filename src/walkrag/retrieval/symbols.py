"""Symbol retriever: chunks that define the names a query mentions (exact, partial or fuzzy)."""

from __future__ import annotations

from walkrag.codegraph.lookup import lookup
from walkrag.retrieval.query import QueryAnalysis
from walkrag.store.sqlite import SQLiteStore

_CHUNK_AT = (
    "SELECT id FROM chunks WHERE path=? AND start_line<=? AND end_line>=? ORDER BY start_line DESC LIMIT 1"
)


def symbol_candidates(store: SQLiteStore, q: QueryAnalysis, limit: int = 50) -> list[tuple[int, float]]:
    """(chunk id, match score) of the chunks holding definitions the query names, best first."""
    if not q.identifiers:
        return []
    scored: dict[int, float] = {}
    for name in q.identifiers:
        for match in lookup(store.db, name, limit=limit):
            row = store.db.execute(_CHUNK_AT, (match.path, match.start_line, match.start_line)).fetchone()
            if row:
                cid = int(row[0])
                scored[cid] = max(scored.get(cid, 0.0), float(match.score))
    return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
