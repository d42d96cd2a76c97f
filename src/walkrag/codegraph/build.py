"""Resolve the whole graph once per indexing run, then rank it.

References are stored per file as files change (:mod:`walkrag.codegraph.storage`);
linking them needs every definition, so it runs over the whole store at the end
of a run that changed anything (a few seconds for Django), inside one transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict

import numpy as np

from walkrag.codegraph.resolve import MAX_AMBIGUOUS, Edge, Resolver
from walkrag.codegraph.storage import DIRTY_KEY, has_graph, write_file_rows

GENERATION_KEY = "graph_generation"
BACKFILL_KEY = "graph_backfill"
_IMPORT_ORDER = {"import": 0, "label": 1}


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def finish(db: sqlite3.Connection, *, force: bool = False) -> dict | None:
    """Resolve references and rank, when files changed since the last time (call inside a transaction)."""
    if not has_graph(db):
        return None
    if _meta(db, BACKFILL_KEY) == "1":
        backfill(db)
        _set_meta(db, BACKFILL_KEY, "0")
    if not force and _meta(db, DIRTY_KEY) != "1":
        return None
    started = time.perf_counter()
    stats = resolve_all(db)
    stats.update(rank(db))
    _set_meta(db, DIRTY_KEY, "0")
    _set_meta(db, GENERATION_KEY, str(time.time_ns()))
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


def backfill(db: sqlite3.Connection) -> int:
    """Extract references for every stored file from its chunks (an index built before the graph)."""
    db.execute("DELETE FROM refs")
    total = 0
    files = db.execute("SELECT path, format, language FROM files").fetchall()
    for path, fmt, language in files:
        chunks = db.execute(
            "SELECT start_line, end_line, text FROM chunks WHERE path=? ORDER BY start_line", (path,)
        ).fetchall()
        total += write_file_rows(db, path, fmt, language, chunks)
    return total


def resolve_all(db: sqlite3.Connection) -> dict:
    """Rebuild every edge and the file graph from the stored references and definitions."""
    r = Resolver(db)
    rows = db.execute("SELECT id, path, kind, name, module, alias, start_line, scope_id FROM refs").fetchall()
    rows.sort(key=lambda row: _IMPORT_ORDER.get(row[2], 2))  # bindings and labels first
    edges: list[Edge] = []
    unresolved = 0
    for ref_id, path, kind, name, module, alias, line, scope in rows:
        if kind == "import":
            r.add_import(ref_id, path, name, module or "", alias, line, edges)
            continue
        if kind == "label":
            r.labels[name].append((path, line))
            continue
        if kind in {"call", "type", "inherit"}:
            targets, how = r.code_targets(path, kind, name, module, scope)
            files_only = None
        else:
            targets, files_only, how = r.doc_targets(path, kind, name, module, alias)
        targets = [d for d in targets if d.id != scope]
        if files_only is not None:
            edges.append((ref_id, path, scope, line, files_only, None, kind, 1.0, how))
            r.file_edges[(path, files_only, "doc")] += 1.0
            continue
        if not targets or len(targets) > MAX_AMBIGUOUS:
            unresolved += 1
            continue
        conf = 1.0 / len(targets)
        if how == "global" and len(targets) > 1:
            how = "ambiguous"
        edge_kind = kind if kind in {"call", "type", "inherit"} else "doc"
        for d in targets:
            edges.append((ref_id, path, scope, line, d.path, d.id, kind, conf, how))
            if d.path != path:
                r.file_edges[(path, d.path, "ref" if edge_kind != "doc" else "doc")] += conf
    edges += _describes(r)
    db.execute("DELETE FROM edges")
    db.execute("DELETE FROM file_edges")
    db.executemany(
        "INSERT INTO edges(ref_id,src_path,src_def,src_line,dst_path,dst_def,kind,confidence,how) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        edges,
    )
    db.executemany(
        "INSERT INTO file_edges(src,dst,kind,weight) VALUES (?,?,?,?)",
        [(s, d, k, round(w, 4)) for (s, d, k), w in r.file_edges.items()],
    )
    return {"refs": len(rows), "edges": len(edges), "unresolved": unresolved, "file_edges": len(r.file_edges)}


def _describes(r: Resolver) -> list[Edge]:
    """Sphinx object directives (``.. function:: x``) describe the code definitions they name."""
    out: list[Edge] = []
    seen: set[int] = set()
    for objs in r.doc_objects.values():
        for doc in objs:
            if doc.id in seen or doc.kind not in {
                "function",
                "class",
                "method",
                "attribute",
                "exception",
                "decorator",
                "data",
                "classmethod",
                "staticmethod",
                "property",
                "module",
            }:
                continue
            seen.add(doc.id)
            found = r._code_by_dotted(doc.qname, doc.name)
            if found and len(found) <= MAX_AMBIGUOUS:
                conf = 1.0 / len(found)
                out += [
                    (None, doc.path, doc.id, doc.start, d.path, d.id, "describes", conf, "directive")
                    for d in found
                ]
    return out


def pagerank(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    damping: float = 0.85,
    iterations: int = 60,
    tol: float = 1e-10,
) -> np.ndarray:
    """Weighted PageRank by power iteration; dangling nodes spread their rank evenly. Sums to 1."""
    if n == 0:
        return np.zeros(0)
    out = np.bincount(src, weights=weight, minlength=n)
    share = np.divide(weight, out[src], out=np.zeros_like(weight), where=out[src] > 0)
    dangling = out == 0
    rank_ = np.full(n, 1.0 / n)
    for _ in range(iterations):
        flow = np.bincount(dst, weights=rank_[src] * share, minlength=n)
        new = (1 - damping) / n + damping * (flow + rank_[dangling].sum() / n)
        done = np.abs(new - rank_).sum() < tol
        rank_ = new
        if done:
            break
    return rank_


def rank(db: sqlite3.Connection) -> dict:
    """Centrality per definition (symbol graph) and per file (file graph); 1.0 is average."""
    ids = [row[0] for row in db.execute("SELECT id FROM definitions ORDER BY id")]
    paths = dict(db.execute("SELECT id, path FROM definitions"))
    index = {d: k for k, d in enumerate(ids)}
    pairs: dict[tuple[int, int], float] = defaultdict(float)
    for s, d, c in db.execute(
        "SELECT src_def, dst_def, confidence FROM edges "
        "WHERE src_def IS NOT NULL AND dst_def IS NOT NULL AND src_def != dst_def"
    ):
        if s in index and d in index:
            pairs[(index[s], index[d])] += c
    scores = _run(len(ids), pairs)
    db.execute("DELETE FROM centrality")
    db.executemany(
        "INSERT INTO centrality(def_id, path, score) VALUES (?,?,?)",
        [(d, paths[d], round(float(s), 5)) for d, s in zip(ids, scores, strict=True)],
    )
    files = [row[0] for row in db.execute("SELECT path FROM files ORDER BY path")]
    findex = {p: k for k, p in enumerate(files)}
    fpairs: dict[tuple[int, int], float] = defaultdict(float)
    for s, d, w in db.execute("SELECT src, dst, weight FROM file_edges"):
        if s in findex and d in findex and s != d:
            fpairs[(findex[s], findex[d])] += w
    fscores = _run(len(files), fpairs)
    db.execute("DELETE FROM file_centrality")
    db.executemany(
        "INSERT INTO file_centrality(path, score) VALUES (?,?)",
        [(p, round(float(s), 5)) for p, s in zip(files, fscores, strict=True)],
    )
    return {"ranked_definitions": len(ids), "ranked_files": len(files)}


def _run(n: int, pairs: dict[tuple[int, int], float]) -> np.ndarray:
    if not pairs:
        return np.ones(n)
    src = np.fromiter((k[0] for k in pairs), dtype=np.int64, count=len(pairs))
    dst = np.fromiter((k[1] for k in pairs), dtype=np.int64, count=len(pairs))
    w = np.fromiter(pairs.values(), dtype=np.float64, count=len(pairs))
    return pagerank(n, src, dst, w) * n
