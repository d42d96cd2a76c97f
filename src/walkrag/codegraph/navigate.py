"""Walk the stored graph: who references a symbol, what it calls, what is around a place.

:func:`neighbours` is the building block for graph-aware retrieval: from chunk
hits to the places one edge away (called helpers, callers, documenting
sections, documented symbols), each with an edge type and a weight.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass

from walkrag.codegraph.lookup import lookup

# How much a neighbour reached along each edge type is worth, relative to its hit.
EDGE_WEIGHTS = {
    "callee": 0.6,
    "documented_by": 0.5,
    "documents": 0.5,
    "caller": 0.4,
    "type": 0.4,
    "base": 0.5,
    "subclass": 0.3,
    "linked": 0.3,
}
_DEF_COLS = "d.id, d.name, d.qualified_name, d.kind, d.path, d.start_line, d.end_line, d.language"


@dataclass(slots=True)
class Neighbour:
    """A place one edge away from a hit."""

    path: str
    start_line: int
    end_line: int
    symbol: str | None
    kind: str
    edge: str  # callee | caller | documented_by | documents | type | base | subclass | linked
    weight: float
    via: str | None = None  # the symbol on the hit's side of the edge
    hit: int | None = None  # index of the hit it was reached from

    def as_dict(self) -> dict:
        return asdict(self)


def _def_dict(row) -> dict:
    return {
        "id": row[0],
        "name": row[1],
        "qualified_name": row[2],
        "kind": row[3],
        "path": row[4],
        "start_line": row[5],
        "end_line": row[6],
        "language": row[7],
    }


def find_definitions(db: sqlite3.Connection, symbol: str, limit: int = 20) -> list[dict]:
    """The definitions a symbol argument names: exact matches, else case-insensitive ones, else the best."""
    matches = lookup(db, symbol, limit)
    if not matches:
        return []
    top = (
        [m for m in matches if m.match == "exact"] or [m for m in matches if m.match == "ci"] or [matches[0]]
    )
    return [
        {
            "id": m.id,
            "name": m.name,
            "qualified_name": m.qualified_name,
            "kind": m.kind,
            "path": m.path,
            "start_line": m.start_line,
            "end_line": m.end_line,
            "language": m.language,
        }
        for m in top
    ]


def refs(db: sqlite3.Connection, symbol: str, limit: int = 200) -> list[dict]:
    """Places that reference the definitions ``symbol`` names, most certain first."""
    defs = find_definitions(db, symbol)
    if not defs:
        return []
    by_id = {d["id"]: d for d in defs}
    marks = ",".join("?" * len(by_id))
    rows = db.execute(
        f"SELECT e.src_path, e.src_line, r.end_line, e.kind, e.confidence, e.how, e.dst_def, s.qualified_name "
        f"FROM edges e LEFT JOIN refs r ON r.id = e.ref_id LEFT JOIN definitions s ON s.id = e.src_def "
        f"WHERE e.dst_def IN ({marks}) ORDER BY e.confidence DESC, e.src_path, e.src_line",
        list(by_id),
    ).fetchall()
    out = []
    for path, line, end, kind, conf, how, dst, scope in rows[:limit]:
        out.append(
            {
                "path": path,
                "start_line": line,
                "end_line": end or line,
                "symbol": scope,
                "kind": kind,
                "confidence": round(conf, 4),
                "how": how,
                "target": by_id[dst]["qualified_name"],
                "target_path": by_id[dst]["path"],
            }
        )
    return out


def calls(db: sqlite3.Connection, symbol: str, limit: int = 200) -> list[dict]:
    """What the definitions ``symbol`` names call and use, with where each target is defined."""
    out = []
    for d in find_definitions(db, symbol):
        rows = db.execute(
            "SELECT r.id, r.kind, r.name, r.module, r.start_line, r.end_line FROM refs r "
            "WHERE r.path=? AND r.start_line BETWEEN ? AND ? AND r.kind IN ('call','type','inherit') "
            "ORDER BY r.start_line",
            (d["path"], d["start_line"], d["end_line"]),
        ).fetchall()
        for ref_id, kind, name, receiver, start, end in rows:
            targets = [
                {**_def_dict(t[:8]), "confidence": round(t[8], 4), "how": t[9]}
                for t in db.execute(
                    f"SELECT {_DEF_COLS}, e.confidence, e.how FROM edges e JOIN definitions d ON d.id = e.dst_def "
                    "WHERE e.ref_id=? ORDER BY e.confidence DESC",
                    (ref_id,),
                )
            ]
            out.append(
                {
                    "name": name,
                    "kind": kind,
                    "receiver": receiver,
                    "path": d["path"],
                    "start_line": start,
                    "end_line": end,
                    "symbol": d["qualified_name"],
                    "targets": targets,
                }
            )
    return out[:limit]


def _defs_at(db: sqlite3.Connection, path: str, start: int | None, end: int | None) -> list[tuple]:
    if start is None:
        return db.execute(
            f"SELECT {_DEF_COLS} FROM definitions d WHERE d.path=? ORDER BY d.start_line", (path,)
        ).fetchall()
    end = end if end is not None else start
    rows = db.execute(
        f"SELECT {_DEF_COLS} FROM definitions d WHERE d.path=? AND d.start_line<=? AND d.end_line>=? "
        "ORDER BY d.end_line - d.start_line",
        (path, end, start),
    ).fetchall()
    inside = db.execute(
        f"SELECT {_DEF_COLS} FROM definitions d WHERE d.path=? AND d.start_line>=? AND d.end_line<=? "
        "ORDER BY d.start_line",
        (path, start, end),
    ).fetchall()
    seen: set[int] = set()
    return [r for r in [*rows[:1], *inside] if not (r[0] in seen or seen.add(r[0]))]


def _place(row, edge: str, weight: float, via: str | None, hit: int | None) -> Neighbour:
    return Neighbour(row[4], row[5], row[6], row[2], row[3], edge, round(weight, 4), via, hit)


def _edge_name(kind: str, outgoing: bool) -> str:
    if kind == "call":
        return "callee" if outgoing else "caller"
    if kind == "inherit":
        return "base" if outgoing else "subclass"
    if kind == "type":
        return "type" if outgoing else "caller"
    return "documents" if outgoing else "documented_by"


def neighbours(db: sqlite3.Connection, hits, per_hit: int = 8, limit: int = 50) -> list[Neighbour]:
    """Places one edge away from chunk hits, best first, without the hits themselves.

    ``hits`` are objects or dicts with ``path``, ``start_line``, ``end_line`` (and
    optionally ``symbol``). A neighbour's weight is the edge type's weight times
    the link's confidence, discounted by the hit's rank (1/(1+rank)).
    """
    best: dict[tuple[str, int, int], Neighbour] = {}
    spans = [(_get(h, "path"), _get(h, "start_line"), _get(h, "end_line")) for h in hits]
    for rank_, (path, start, end) in enumerate(spans):
        decay = 1.0 / (1 + rank_)
        found: list[Neighbour] = []
        for place in _around(db, path, start, end):
            place.weight = round(place.weight * decay, 4)
            place.hit = rank_
            found.append(place)
        found.sort(key=lambda n: -n.weight)
        for n in found[:per_hit]:
            if any(p == n.path and s <= n.end_line and n.start_line <= e for p, s, e in spans):
                continue
            key = (n.path, n.start_line, n.end_line)
            if key not in best or best[key].weight < n.weight:
                best[key] = n
    return sorted(best.values(), key=lambda n: -n.weight)[:limit]


def _get(hit, key: str):
    return hit[key] if isinstance(hit, dict) else getattr(hit, key)


def _around(db: sqlite3.Connection, path: str, start: int | None, end: int | None) -> list[Neighbour]:
    """Definitions reached from the span by outgoing edges and reaching it by incoming ones."""
    out: list[Neighbour] = []
    lo, hi = (start, end if end is not None else start) if start is not None else (0, 1 << 30)
    for kind, conf, row, via in (
        (r[0], r[1], r[2:10], r[10])
        for r in db.execute(
            f"SELECT e.kind, e.confidence, {_DEF_COLS}, s.qualified_name FROM edges e "
            "JOIN definitions d ON d.id = e.dst_def LEFT JOIN definitions s ON s.id = e.src_def "
            "WHERE e.src_path=? AND e.src_line BETWEEN ? AND ?",
            (path, lo, hi),
        )
    ):
        edge = _edge_name(kind, outgoing=True)
        out.append(_place(row, edge, EDGE_WEIGHTS.get(edge, 0.3) * conf, via, None))
    for kind, conf, row, via in (
        (r[0], r[1], r[2:10], r[10])
        for r in db.execute(
            f"SELECT e.kind, e.confidence, {_DEF_COLS}, t.qualified_name FROM edges e "
            "JOIN definitions t ON t.id = e.dst_def JOIN definitions d ON d.id = e.src_def "
            "WHERE e.dst_path=? AND t.start_line <= ? AND t.end_line >= ?",
            (path, hi, lo),
        )
    ):
        edge = _edge_name(kind, outgoing=False)
        out.append(_place(row, edge, EDGE_WEIGHTS.get(edge, 0.3) * conf, via, None))
    return out


def related(db: sqlite3.Connection, path: str, line: int | None = None, limit: int = 60) -> list[dict]:
    """Neighbours of a place: its definitions, then callers, callees, documenting sections and files."""
    out: list[dict] = []
    defs = _defs_at(db, path, line, line)
    for row in defs[:20]:
        out.append({**_def_dict(row), "symbol": row[2], "relation": "definition", "weight": 1.0})
    if line is not None and defs:
        lo, hi = defs[0][5], defs[0][6]
    else:
        lo, hi = line, line
    for n in sorted(_around(db, path, lo, hi), key=lambda n: -n.weight):
        item = n.as_dict()
        item["relation"] = item.pop("edge")
        item.pop("hit")
        out.append(item)
    seen: set[tuple] = set()
    unique = []
    for item in out:
        key = (item["relation"], item["path"], item["start_line"], item["end_line"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    for src, dst, kind, weight in db.execute(
        "SELECT src, dst, kind, weight FROM file_edges WHERE (src=? OR dst=?) AND kind IN ('import', 'doc') "
        "ORDER BY weight DESC LIMIT 40",
        (path, path),
    ):
        other = dst if src == path else src
        relation = {
            ("import", True): "imports",
            ("import", False): "imported_by",
            ("doc", True): "links_to",
            ("doc", False): "linked_from",
        }[(kind, src == path)]
        unique.append(
            {
                "path": other,
                "start_line": 1,
                "end_line": _last_line(db, other),
                "symbol": None,
                "kind": "file",
                "relation": relation,
                "weight": round(float(weight), 4),
            }
        )
    return unique[:limit]


def _last_line(db: sqlite3.Connection, path: str) -> int:
    row = db.execute("SELECT MAX(end_line) FROM chunks WHERE path=?", (path,)).fetchone()
    return int(row[0] or 1)
