"""Link references to definitions at the end of an indexing run, then rank.

References are stored per file as files change (:mod:`walkrag.codegraph.storage`).
The first build, and any run that changed many files, resolves every reference
(:func:`resolve_all`, a few seconds for Django) and reruns PageRank. A run that
changed few files updates the graph in place (:func:`update`): from the journal
of what the changed files held before (``graph_changes``) it re-resolves only the
references the change can reach, with a resolver that loads definitions and
import bindings on demand, and gives the result a full resolution would.
PageRank is then kept (new definitions inherit the scores of the ones they
replace) and rerun once enough files changed since the last full rank.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from collections import defaultdict

import numpy as np

from walkrag.codegraph.modules import family, lookup_tails, spec_tokens
from walkrag.codegraph.resolve import (
    DEF_COLUMNS,
    DOC_LANGUAGES,
    MAX_AMBIGUOUS,
    MODULE_KINDS,
    NOT_TARGETS,
    Bindings,
    Def,
    Edge,
    Resolver,
    apply_import,
    nest,
    pack_targets,
    resolve_import,
    unpack_targets,
)
from walkrag.codegraph.storage import DIRTY_KEY, has_graph, has_journal, write_file_rows

GENERATION_KEY = "graph_generation"
BACKFILL_KEY = "graph_backfill"
INCREMENTAL_KEY = "graph_incremental"  # "1" once a full resolution wrote ``def_nesting``
RANK_STALE_KEY = (
    "graph_rank_stale"  # files changed since the last full PageRank (scores approximate when > 0)
)
# An update changing at most this share of the files is incremental; more resolves everything.
INCREMENTAL_SHARE = 0.05
# PageRank reruns once this many files (or this share of them) changed since it last ran.
RANK_STALE_FILES = 25
RANK_STALE_SHARE = 0.01
_IMPORT_ORDER = {"import": 0, "label": 1}
CODE_KINDS = frozenset({"call", "type", "inherit"})
DESCRIBED = frozenset(
    {
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
    }
)
_LAST = re.compile(r"\.|::")


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))


def finish(
    db: sqlite3.Connection, changed_paths: set[str] | None = None, *, force: bool = False
) -> dict | None:
    """Resolve references and rank, when files changed since the last time (call inside a transaction).

    ``changed_paths`` are the files the run added, changed or removed. With few of
    them the graph is updated incrementally from the journal of their previous
    state; ``force`` resolves and ranks everything.
    """
    if not has_graph(db):
        return None
    full = force
    if _meta(db, BACKFILL_KEY) == "1":
        backfill(db)
        _set_meta(db, BACKFILL_KEY, "0")
        full = True
    if not force and _meta(db, DIRTY_KEY) != "1":
        return None
    started = time.perf_counter()
    journal = _read_journal(db) if has_journal(db) else None
    n_files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    stats: dict | None = None
    if (
        not full
        and journal
        and _meta(db, INCREMENTAL_KEY) == "1"
        and set(changed_paths or ()) <= set(journal)  # a change the journal missed: its old state is unknown
        and len(journal) <= max(1.0, INCREMENTAL_SHARE * n_files)
    ):
        try:
            db.execute("SAVEPOINT graph_update")
            stats = update(db, journal)
            db.execute("RELEASE graph_update")
        except _FullNeeded:
            db.execute("ROLLBACK TO graph_update")
            db.execute("RELEASE graph_update")
            full = True
    if not full and stats is not None:
        stale = int(_meta(db, RANK_STALE_KEY) or 0) + len(journal)
        if stale > max(RANK_STALE_FILES, RANK_STALE_SHARE * n_files):
            stats.update(rank(db))
            stale = 0
        else:
            _carry_scores(db, journal)
        _set_meta(db, RANK_STALE_KEY, str(stale))
        stats["rank_stale"] = stale
    else:
        full = True
    if full:
        stats = resolve_all(db)
        stats["mode"] = "full"
        stats.update(rank(db))
        _set_meta(db, RANK_STALE_KEY, "0")
        if journal is not None:
            _set_meta(db, INCREMENTAL_KEY, "1")
    if journal is not None:
        db.execute("DELETE FROM graph_changes")
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


# -- resolving references ------------------------------------------------------------------------


def _resolve(r: Resolver, row: tuple, edges: list[Edge]) -> bool:
    """Append the edges of one (non-import, non-label) reference; False when it stays unlinked."""
    ref_id, path, kind, name, module, alias, line, scope = row
    if kind in CODE_KINDS:
        targets, how = r.code_targets(path, kind, name, module, scope)
        files_only = None
    else:
        targets, files_only, how = r.doc_targets(path, kind, name, module, alias)
    targets = [d for d in targets if d.id != scope]
    if files_only is not None:
        edges.append((ref_id, path, scope, line, files_only, None, kind, 1.0, how))
        return True
    if not targets or len(targets) > MAX_AMBIGUOUS:
        return False
    conf = 1.0 / len(targets)
    if how == "global" and len(targets) > 1:
        how = "ambiguous"
    for d in targets:
        edges.append((ref_id, path, scope, line, d.path, d.id, kind, conf, how))
    return True


def _describe(r: Resolver, doc: Def) -> list[Edge]:
    """Sphinx object directives (``.. function:: x``) describe the code definitions they name."""
    if doc.kind not in DESCRIBED:
        return []
    found = r._code_by_dotted(doc.qname, doc.name)
    if not found or len(found) > MAX_AMBIGUOUS:
        return []
    conf = 1.0 / len(found)
    return [(None, doc.path, doc.id, doc.start, d.path, d.id, "describes", conf, "directive") for d in found]


def _file_parts(edges) -> dict[tuple[str, str, str], list[float]]:
    """What each edge adds to the file graph: imports, code references and prose links between files."""
    parts: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for ref_id, src, _, _, dst, dst_def, kind, conf, _ in edges:
        if ref_id is None:  # a directive describing code is not a link between files
            continue
        if kind == "import":
            parts[(src, dst, "import")].append(conf)
        elif dst_def is None:  # a prose link to a whole file (itself included)
            parts[(src, dst, "doc")].append(conf)
        elif dst != src:
            parts[(src, dst, "ref" if kind in CODE_KINDS else "doc")].append(conf)
    return parts


def _file_weights(edges) -> dict[tuple[str, str, str], float]:
    # fsum is exact, so a weight does not depend on the order edges were written in
    return {key: math.fsum(confs) for key, confs in _file_parts(edges).items()}


_INSERT_EDGES = (
    "INSERT INTO edges(ref_id,src_path,src_def,src_line,dst_path,dst_def,kind,confidence,how) "
    "VALUES (?,?,?,?,?,?,?,?,?)"
)


def _write_file_edges(db: sqlite3.Connection, weights: dict[tuple[str, str, str], float]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO file_edges(src,dst,kind,weight) VALUES (?,?,?,?)",
        [(s, d, k, round(w, 4)) for (s, d, k), w in weights.items()],
    )


def resolve_all(db: sqlite3.Connection) -> dict:
    """Rebuild every edge and the file graph from the stored references and definitions."""
    r = Resolver(db)
    rows = db.execute(
        "SELECT id, path, kind, name, module, alias, start_line, scope_id FROM refs ORDER BY id"
    ).fetchall()
    rows.sort(key=lambda row: _IMPORT_ORDER.get(row[2], 2))  # bindings and labels first
    edges: list[Edge] = []
    unresolved = 0
    for row in rows:
        ref_id, path, kind, name, module, alias, line, _ = row
        if kind == "import":
            r.add_import(ref_id, path, name, module or "", alias, line, edges)
        elif kind == "label":
            r.labels[name].append((path, line))
        elif not _resolve(r, row, edges):
            unresolved += 1
    seen: set[int] = set()
    for objs in r.doc_objects.values():
        for doc in objs:
            if doc.id not in seen:
                seen.add(doc.id)
                edges += _describe(r, doc)
    weights = _file_weights(edges)
    db.execute("DELETE FROM edges")
    db.execute("DELETE FROM file_edges")
    db.executemany(_INSERT_EDGES, edges)
    _write_file_edges(db, weights)
    if has_journal(db):
        db.execute("DELETE FROM import_targets")
        _write_imports(db, r)
        db.execute("DELETE FROM def_nesting")
        db.executemany("INSERT INTO def_nesting(def_id, member, private) VALUES (?,?,?)", r.nesting_rows())
    return {"refs": len(rows), "edges": len(edges), "unresolved": unresolved, "file_edges": len(weights)}


# -- incremental update --------------------------------------------------------------------------


def _read_journal(db: sqlite3.Connection) -> dict[str, list[dict]]:
    """path -> the states it was journalled in since the last update, oldest first."""
    out: dict[str, list[dict]] = defaultdict(list)
    for path, state in db.execute("SELECT path, state FROM graph_changes ORDER BY id"):
        out[path].append(json.loads(state))
    return dict(out)


def _temp_set(db: sqlite3.Connection, table: str, values) -> None:
    db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (v PRIMARY KEY) WITHOUT ROWID")
    db.execute(f"DELETE FROM {table}")  # noqa: S608
    db.executemany(f"INSERT OR IGNORE INTO {table}(v) VALUES (?)", [(v,) for v in values])  # noqa: S608


class _FullNeeded(Exception):
    """The journal lacks something an incremental update needs (an index from a crashed run)."""


def _stored(targets: str | None, sub: str | None) -> tuple[list[str], list[str]]:
    if targets is None or sub is None:
        raise _FullNeeded
    return unpack_targets(targets, sub)


def _bindings(imports, results) -> tuple[Bindings, list]:
    """The bindings a file's imports make, given what each resolved to; and those results."""
    b = Bindings()
    for (name, module, alias), (targets, sub) in zip(imports, results, strict=True):
        apply_import(b, name, module or "", alias, targets, sub)
    return b, list(results)


def _differs(old: Bindings, new: Bindings) -> tuple[set[str], set[str]]:
    """Names bound differently, and files imported by one side only."""
    keys = {k for k in old.names.keys() | new.names.keys() if old.names.get(k) != new.names.get(k)}
    return keys, old.files ^ new.files


class _Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round(now - self.last, 4)
        self.last = now


def update(db: sqlite3.Connection, journal: dict[str, list[dict]]) -> dict:
    """Re-resolve what the journalled changes can reach; the result equals :func:`resolve_all`'s.

    A reference's resolution reads (1) definitions by name, along its chain of
    import aliases; (2) the import bindings of its file and of files it reaches
    through them; (3) the module index (the set of code files and module
    definitions); (4) prose targets: sections, labels and the set of files. So it
    is redone when it lives in a changed file, lost an edge into one, names (through
    aliases) something a changed file defined or defines or something whose binding
    changed, or when files came or went and it is a prose link or an import the new
    file set could answer differently. Imports are replayed from ``import_targets``
    (what each resolved to last time) unless the module index changed for them.
    """
    clock = _Clock()
    changed = set(journal)
    r = Resolver(db, lazy=True)
    first = {p: states[0] for p, states in journal.items()}
    old_file = {p: tuple(first[p]["file"]) if first[p]["file"] else None for p in changed}
    new_file = {p: (r.formats[p], r.files[p]) if p in r.files else None for p in changed}
    moved = {p for p in changed if old_file[p] != new_file[p]}  # came, went, or changed format/language

    # -- the changed files' definitions now: their nesting, and every name they defined or define
    _temp_set(db, "graph_paths", changed)
    new_defs = db.execute(
        f"SELECT {DEF_COLUMNS} FROM definitions d WHERE d.path IN (SELECT v FROM graph_paths) ORDER BY d.id"  # noqa: S608
    ).fetchall()
    spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for row in new_defs:
        spans[row[1]].append((row[5], row[6], r._def_from(row).id))
    for sp in spans.values():
        nest(sp, r.defs)
    db.executemany(
        "INSERT OR REPLACE INTO def_nesting(def_id, member, private) VALUES (?,?,?)",
        [(d.id, int(d.member), int(d.private)) for d in (r.defs[row[0]] for row in new_defs)],
    )
    names: set[str] = set()
    old_modules: set[tuple[str, str, str]] = set()
    new_modules: set[tuple[str, str, str]] = set()
    labels: set[str] = set()
    lost: set[int] = set()
    for path, states in journal.items():
        for state in states:
            for name, qname, kind, language, _ in state.get("defs", ()):
                names.update((name, qname))
                if kind in MODULE_KINDS and language not in DOC_LANGUAGES:
                    old_modules.add((family(language), name, path))
            labels.update(state.get("labels", ()))
            lost.update(state.get("lost", ()))
    for row in new_defs:
        names.update((row[2], row[3]))
        if row[4] in MODULE_KINDS and row[7] not in DOC_LANGUAGES and row[4] not in NOT_TARGETS:
            new_modules.add((family(row[7]), row[2], row[1]))
    labels.update(
        n
        for (n,) in db.execute(
            "SELECT DISTINCT name FROM refs WHERE kind='label' AND path IN (SELECT v FROM graph_paths)"
        )
    )
    new_imports: dict[str, list[tuple]] = defaultdict(list)
    for path, name, module, alias in db.execute(
        "SELECT path, name, module, alias FROM refs WHERE kind='import' AND path IN (SELECT v FROM graph_paths) "
        "ORDER BY id"
    ):
        new_imports[path].append((name, module or "", alias))
    clock("journal")

    # -- bindings that changed: the changed files' own, and others' where the module index changed
    rebound: set[str] = set()  # unchanged files whose imports now name other files
    keys: set[str] = set()
    gained_or_lost: set[str] = set()
    code_moved = {
        p
        for p in moved
        if (old_file[p] and old_file[p][0] == "code") or (new_file[p] and new_file[p][0] == "code")
    }
    module_moved = old_modules ^ new_modules
    families = {family(f[1]) for p in code_moved for f in (old_file[p], new_file[p]) if f and f[0] == "code"}
    families |= {fam for fam, _, _ in module_moved}
    kept = {p for p in changed if old_file[p] is not None and new_file[p] is not None}
    if not families:
        # The module index is as it was: a changed file's import answers as it did last time.
        for p in kept - moved:
            r.reuse[p] = {
                (name, module or ""): _stored(targets, sub)
                for state in journal[p]
                for name, module, _, targets, sub in state.get("imports", ())
                if targets is not None and sub is not None
            }
    else:
        tails: set[str] = set()
        for p in code_moved:
            for f in (old_file[p], new_file[p]):
                if f and f[0] == "code":
                    tails |= lookup_tails(p, f[1])
        module_names = {name for _, name, _ in module_moved}
        hits: set[str] = set()
        for path, name, module in db.execute("SELECT path, name, module FROM refs WHERE kind='import'"):
            if path in changed or path in hits or family(r.files.get(path, "")) not in families:
                continue
            module = (module or "").strip()
            specs = (module, f"{module}.{name}", f"{module}/{name}") if name else (module,)
            if (
                any(sp.strip() in module_names for sp in specs)
                or any(not tails.isdisjoint(spec_tokens(sp)) for sp in specs)
                or not tails.isdisjoint(path.split("/"))
            ):
                hits.add(path)
        for path in sorted(hits):
            rows = db.execute(
                "SELECT r.name, r.module, r.alias, t.targets, t.sub FROM refs r LEFT JOIN import_targets t "
                "ON t.ref_id = r.id WHERE r.path=? AND r.kind='import' ORDER BY r.id",
                (path,),
            ).fetchall()
            language = r.files[path]
            index = r.modules(language)
            imports = [(name, module or "", alias) for name, module, alias, _, _ in rows]
            old_b, old_res = _bindings(imports, [_stored(t, sb) for _, _, _, t, sb in rows])
            new_b, new_res = _bindings(
                imports, [resolve_import(index, path, language, n, m) for n, m, _ in imports]
            )
            if old_res != new_res:
                rebound.add(path)
                k, f = _differs(old_b, new_b)
                keys |= k
                gained_or_lost |= f
    clock("module_index")
    for p in kept:  # a changed file's own bindings: as they were, as they are
        language = r.files[p]
        imports = new_imports.get(p, [])
        reuse = r.reuse.get(p, {})
        results = [
            reuse.get((n, m)) or resolve_import(r.modules(language), p, language, n, m) for n, m, _ in imports
        ]
        new_b, _ = _bindings(imports, results)
        for state in journal[p]:
            if state.get("file") is None:
                continue
            old_imports = [(n, m or "", a) for n, m, a, _, _ in state.get("imports", ())]
            old_b, _ = _bindings(old_imports, [_stored(t, sb) for _, _, _, t, sb in state.get("imports", ())])
            k, f = _differs(old_b, new_b)
            keys |= k
            gained_or_lost |= f
    r.fresh = changed | rebound
    if gained_or_lost:
        _temp_set(db, "graph_paths", gained_or_lost)
        names.update(
            n
            for (n,) in db.execute(
                "SELECT DISTINCT name FROM definitions WHERE path IN (SELECT v FROM graph_paths)"
            )
        )
    names |= keys
    names.discard("")
    # Chains of import aliases: `from x import a as b` makes a reference to `b` read `a`.
    frontier = set(names)
    while frontier:
        _temp_set(db, "graph_names", frontier)
        found = {
            a
            for (a,) in db.execute(
                "SELECT DISTINCT r.alias FROM graph_names n CROSS JOIN refs r ON r.kind='import' AND r.name=n.v "
                "WHERE r.alias IS NOT NULL"
            )
        }
        frontier = found - names
        names |= found
    clock("bindings")

    # -- the references to redo
    _temp_set(db, "graph_names", names)
    redo: set[int] = set(lost)
    redo.update(
        i
        for (i,) in db.execute(
            "SELECT r.id FROM graph_names n CROSS JOIN refs r "
            "ON r.kind IN ('call','type','inherit','mention') AND r.name=n.v"
        )
    )
    for i, name in db.execute("SELECT id, name FROM refs WHERE kind='role'"):
        if name in names or name in labels or _LAST.split(name)[-1] in names:
            redo.add(i)
    if moved:  # the set of files changed: prose links and :doc: roles may land elsewhere
        redo.update(i for (i,) in db.execute("SELECT id FROM refs WHERE kind='link'"))
        redo.update(i for (i,) in db.execute("SELECT id FROM refs WHERE kind='role' AND module='doc'"))
    _temp_set(db, "graph_paths", changed | rebound)
    redo.update(i for (i,) in db.execute("SELECT id FROM refs WHERE path IN (SELECT v FROM graph_paths)"))
    _temp_set(db, "graph_refs", redo)
    rows = db.execute(
        "SELECT id, path, kind, name, module, alias, start_line, scope_id FROM refs "
        "WHERE id IN (SELECT v FROM graph_refs) ORDER BY id"
    ).fetchall()
    # Directives that may describe something else now.
    docs = {d.id: d for d in r.defs.values() if d.path in changed and d.language in DOC_LANGUAGES}
    for row in db.execute(
        r._LAZY_SELECT.replace("FROM definitions d", "FROM graph_names g CROSS JOIN definitions d")
        + "WHERE d.name = g.v COLLATE NOCASE"
    ).fetchall():
        if row[2] in names and row[7] in DOC_LANGUAGES and row[4] != "section":
            docs[row[0]] = r._loaded(row)
    clock("select")

    # -- resolve them
    _temp_set(db, "graph_paths", {row[1] for row in rows})
    r.preload("graph_paths")
    edges: list[Edge] = []
    imports: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row[2] == "import":
            imports[row[1]].add(row[0])
    for path, ids in imports.items():
        r.binding(path, edges, ids)
    unresolved = 0
    for row in rows:
        if row[2] not in _IMPORT_ORDER and not _resolve(r, row, edges):
            unresolved += 1
    for doc in docs.values():
        edges += _describe(r, doc)
    clock("resolve")

    # -- write: replace their edges, then the file graph where what they add to it changed
    touched = {row[1] for row in rows} | (changed & set(r.files))
    _temp_set(db, "graph_paths", touched)
    old_edges = db.execute(
        "SELECT rowid, ref_id, src_path, src_def, src_line, dst_path, dst_def, kind, confidence, how FROM edges "
        "WHERE src_path IN (SELECT v FROM graph_paths) AND ref_id IN (SELECT v FROM graph_refs)"
    ).fetchall()
    _temp_set(db, "graph_refs", [e[0] for e in old_edges])
    db.execute("DELETE FROM edges WHERE rowid IN (SELECT v FROM graph_refs)")
    if docs:
        _temp_set(db, "graph_refs", docs)
        db.execute("DELETE FROM edges WHERE kind='describes' AND src_def IN (SELECT v FROM graph_refs)")
    db.executemany(_INSERT_EDGES, edges)
    _write_imports(db, r)
    before = _file_parts(e[1:] for e in old_edges)
    after = _file_parts(edges)
    weights: dict[tuple[str, str, str], float] = {}
    recount: dict[str, set[str]] = defaultdict(set)
    for key in before.keys() | after.keys():
        src, dst, _ = key
        if src in changed or dst in changed:  # its row went with the file; every edge it sums is new
            if key in after:
                weights[key] = math.fsum(after[key])
        elif sorted(before.get(key, ())) != sorted(after.get(key, ())):
            recount[src].add(dst)
    if recount:
        _temp_set(db, "graph_paths", recount)
        rest = _file_parts(
            e
            for e in db.execute(
                "SELECT ref_id, src_path, src_def, src_line, dst_path, dst_def, kind, confidence, how FROM edges "
                "WHERE src_path IN (SELECT v FROM graph_paths)"
            )
            if e[4] in recount[e[1]]
        )
        db.executemany(
            "DELETE FROM file_edges WHERE src=? AND dst=?",
            [(s, d) for s, dsts in recount.items() for d in dsts],
        )
        weights.update((key, math.fsum(confs)) for key, confs in rest.items())
    _write_file_edges(db, weights)
    clock("write")
    return {
        "mode": "incremental",
        "changed_files": len(changed),
        "rebound_files": len(rebound),
        "refs": len(rows),
        "edges": len(edges),
        "unresolved": unresolved,
        "file_edges": len(weights),
        "timings": clock.times,
    }


def _write_imports(db: sqlite3.Connection, r: Resolver) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO import_targets(ref_id, targets, sub) VALUES (?,?,?)",
        [(i, pack_targets(t), pack_targets(sb)) for i, (t, sb) in r.import_results.items()],
    )


def _carry_scores(db: sqlite3.Connection, journal: dict[str, list[dict]]) -> None:
    """Keep PageRank: a changed file's definitions take the scores of the ones they replace.

    A new name gets the floor score (no incoming links); the scores are approximate until
    the next full rank (``graph_rank_stale``).
    """
    floor = db.execute("SELECT MIN(score) FROM centrality").fetchone()[0] or 1.0
    file_floor = db.execute("SELECT MIN(score) FROM file_centrality").fetchone()[0] or 1.0
    for path, states in journal.items():
        old: dict[tuple[str, str], float] = {}
        file_score = None
        for state in states:
            for _, qname, kind, _, score in state.get("defs", ()):
                if score is not None:
                    old.setdefault((qname, kind), score)
            if file_score is None:
                file_score = state.get("score")
        rows = db.execute("SELECT id, qualified_name, kind FROM definitions WHERE path=?", (path,)).fetchall()
        if not rows and not db.execute("SELECT 1 FROM files WHERE path=?", (path,)).fetchone():
            continue
        db.executemany(
            "INSERT OR REPLACE INTO centrality(def_id, path, score) VALUES (?,?,?)",
            [(i, path, old.get((q, k), floor)) for i, q, k in rows],
        )
        db.execute(
            "INSERT OR REPLACE INTO file_centrality(path, score) VALUES (?,?)",
            (path, file_score if file_score is not None else file_floor),
        )


# -- ranking -------------------------------------------------------------------------------------


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
