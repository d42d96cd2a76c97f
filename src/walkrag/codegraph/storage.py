"""Per-file graph rows in the SQLite store, written in the same transaction as the file's chunks.

References are per file and replaced with the file. Resolved edges, the file
graph and centrality span files: a file's removal deletes every row that
starts or ends in it at once (no dangling edge), and marks the graph dirty so
the end of the run resolves again (:func:`walkrag.codegraph.build.finish`).

Before it deletes them, a removal journals what the file held (``graph_changes``):
its format, the names it defined, imported (and the files each import named) and
labelled, its centrality, and the
references elsewhere that lost an edge into it. The next :func:`finish` re-resolves
from that only what the change can reach, then empties the journal.
"""

from __future__ import annotations

import json
import sqlite3

from walkrag.codegraph.docs import extract_doc_refs
from walkrag.codegraph.tags import Ref, extract_refs, supports
from walkrag.records import Chunk

DIRTY_KEY = "graph_dirty"
DOC_FORMATS = frozenset({"markdown", "rst", "asciidoc"})


def has_graph(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='refs'").fetchone()
    return row is not None


def mark_dirty(db: sqlite3.Connection) -> None:
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (DIRTY_KEY,))


def has_journal(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='graph_changes'").fetchone()
    return row is not None


def _journal(db: sqlite3.Connection, path: str) -> None:
    """Record what ``path`` holds in the graph, before its rows go (see :mod:`walkrag.codegraph.build`)."""
    row = db.execute("SELECT format, language FROM files WHERE path=?", (path,)).fetchone()
    state: dict = {"file": list(row) if row else None}
    if row is not None:
        state["defs"] = [
            list(r)
            for r in db.execute(
                "SELECT d.name, d.qualified_name, d.kind, d.language, c.score FROM definitions d "
                "LEFT JOIN centrality c ON c.def_id = d.id WHERE d.path=? ORDER BY d.id",
                (path,),
            )
        ]
        state["imports"] = [
            list(r)
            for r in db.execute(
                "SELECT r.name, r.module, r.alias, t.targets, t.sub FROM refs r "
                "LEFT JOIN import_targets t ON t.ref_id = r.id WHERE r.path=? AND r.kind='import' ORDER BY r.id",
                (path,),
            )
        ]
        state["labels"] = [
            r[0] for r in db.execute("SELECT DISTINCT name FROM refs WHERE path=? AND kind='label'", (path,))
        ]
        state["lost"] = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT ref_id FROM edges WHERE dst_path=? AND src_path!=? AND ref_id IS NOT NULL",
                (path, path),
            )
        ]
        score = db.execute("SELECT score FROM file_centrality WHERE path=?", (path,)).fetchone()
        state["score"] = score[0] if score else None
    db.execute("INSERT INTO graph_changes(path, state) VALUES (?, ?)", (path, json.dumps(state)))


def delete_file_rows(db: sqlite3.Connection, path: str) -> None:
    """Remove every graph row that starts or ends in ``path`` (journalling what it held)."""
    if not has_graph(db):
        return
    if has_journal(db):
        _journal(db, path)
        db.execute(
            "DELETE FROM def_nesting WHERE def_id IN (SELECT id FROM definitions WHERE path=?)", (path,)
        )
    db.execute("DELETE FROM refs WHERE path=?", (path,))
    db.execute("DELETE FROM edges WHERE src_path=? OR dst_path=?", (path, path))
    db.execute("DELETE FROM file_edges WHERE src=? OR dst=?", (path, path))
    db.execute("DELETE FROM centrality WHERE path=?", (path,))
    db.execute("DELETE FROM file_centrality WHERE path=?", (path,))
    mark_dirty(db)


def text_from_chunks(chunks: list[Chunk] | list[sqlite3.Row]) -> str:
    """The file's text rebuilt from its chunks (they cover every non-blank line, at exact lines)."""
    lines: list[str] = []
    for c in chunks:
        start, end, text = (
            (c["start_line"], c["end_line"], c["text"])
            if isinstance(c, sqlite3.Row)
            else (c.start_line, c.end_line, c.text)
        )
        if len(lines) < end:
            lines.extend([""] * (end - len(lines)))
        lines[start - 1 : end] = text.split("\n")[: end - start + 1]
    return "\n".join(lines)


def file_refs(path: str, fmt: str, language: str, text: str) -> list[Ref]:
    """References of one file: code queries for code, cross-references for prose."""
    if fmt == "code" and supports(language):
        try:
            return extract_refs(text, language)
        except (RecursionError, ValueError, LookupError):
            return []
    if fmt in DOC_FORMATS:
        return extract_doc_refs(path, text, fmt)
    return []


def _scopes(db: sqlite3.Connection, path: str, n_lines: int) -> list[int | None]:
    """Per line (1-based), the id of the innermost definition holding it."""
    owner: list[int | None] = [None] * (n_lines + 2)
    rows = db.execute(
        "SELECT id, start_line, end_line FROM definitions WHERE path=? ORDER BY end_line - start_line DESC, id",
        (path,),
    ).fetchall()
    for def_id, start, end in rows:
        for line in range(max(start, 1), min(end, n_lines + 1) + 1):
            owner[line] = def_id
    return owner


def write_file_rows(
    db: sqlite3.Connection, path: str, fmt: str, language: str, chunks: list[Chunk] | list[sqlite3.Row]
) -> int:
    """Store the references of a file whose chunks and definitions were just written; return their count."""
    if not chunks or not (fmt in DOC_FORMATS or (fmt == "code" and supports(language))):
        return 0
    text = text_from_chunks(chunks)
    refs = file_refs(path, fmt, language, text)
    if not refs:
        return 0
    n_lines = text.count("\n") + 1
    owner = _scopes(db, path, n_lines)
    db.executemany(
        "INSERT INTO refs(path,kind,name,module,alias,start_line,end_line,scope_id) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                path,
                r.kind,
                r.name,
                r.module,
                r.alias,
                r.start_line,
                r.end_line,
                owner[r.start_line] if r.start_line < len(owner) else None,
            )
            for r in refs
        ],
    )
    mark_dirty(db)
    return len(refs)
