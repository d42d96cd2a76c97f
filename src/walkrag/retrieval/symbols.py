"""Symbol retriever: chunks that define the names a query mentions (exact, partial or fuzzy)."""

from __future__ import annotations

from walkrag.codegraph.lookup import lookup
from walkrag.retrieval.query import QueryAnalysis
from walkrag.store.sqlite import SQLiteStore


def symbol_candidates(store: SQLiteStore, q: QueryAnalysis, limit: int = 50) -> list[tuple[int, float]]:
    """(chunk id, match score) of the chunks holding definitions the query names, best first."""
    if not q.identifiers:
        return []
    scored: dict[int, float] = {}
    for name in q.identifiers:
        for match in lookup(store.db, name, limit=limit):
            row = store.chunk_at(match.path, match.start_line)
            if row:
                cid = int(row["id"])
                scored[cid] = max(scored.get(cid, 0.0), float(match.score))
    return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
