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
    # Inside a question a name counts only as itself (any case or separators); partial and
    # fuzzy matches of ``tRPC`` or ``OAuth2`` would be every definition that contains it.
    floor = 0.0 if q.is_identifier else NAMED_FLOOR
    for name in q.identifiers:
        # A name inside a question is looked up through the store's index; a bare identifier also
        # wants partial and fuzzy matches, from the in-memory name table.
        matches = None if q.is_identifier else named(store.db, name, limit=limit)
        for match in matches if matches is not None else lookup(store.db, name, limit=limit):
            if match.score < floor:
                continue
            row = store.chunk_at(match.path, match.start_line)
            if row:
                cid = int(row["id"])
                scored[cid] = max(scored.get(cid, 0.0), float(match.score))
    return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
