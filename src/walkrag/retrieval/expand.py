"""Graph-aware expansion: from the top hits, one edge along the code graph.

The definition of a called helper, a caller, the section documenting a symbol:
each joins the results with its hit's score times the edge's weight times a
decay, so it ranks below what retrieval found directly unless several hits
point at it.
"""

from __future__ import annotations

from walkrag.codegraph import neighbours
from walkrag.store.sqlite import SQLiteStore

EXPAND_FROM = 5
DECAY = 0.5


def expand(hits: list, store: SQLiteStore, hit_type) -> list:
    """Add graph neighbours of the first hits; a neighbour already present gets its edge recorded."""
    if not hits:
        return hits
    seeds = hits[:EXPAND_FROM]
    by_chunk = {h.chunk_id: h for h in hits}
    added = []
    for n in neighbours(store.db, seeds, per_hit=6, limit=30):
        row = store.chunk_at(n.path, n.start_line)
        if row is None:
            continue
        seed = seeds[n.hit or 0]
        bonus = seed.score * n.weight * DECAY
        edge = {"edge": n.edge, "from": f"{seed.path}:{seed.start_line}", "via": n.via, "weight": round(n.weight, 3)}
        cid = int(row["id"])
        if cid in by_chunk:
            by_chunk[cid].why.setdefault("graph", edge)
            continue
        hit = hit_type(
            path=row["path"], start_line=row["start_line"], end_line=row["end_line"], score=bonus,
            kind=row["kind"], language=row["language"], symbol=row["symbol"], header=row["header"],
            text=row["text"], chunk_id=cid, why={"graph": edge},
        )
        by_chunk[cid] = hit
        added.append(hit)
    merged = hits + added
    merged.sort(key=lambda h: (-h.score, h.path, h.start_line))
    return merged
