"""The traces database: one SQLite file (WAL) next to the index, with numbered migrations.

Writes are short transactions so that the web UI labelling traces and a search
recording one never wait on each other for long.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from walkrag.store.sqlite_base import connect, migrate, schema_version, transaction
from walkrag.traces.record import LLMCall, Trace, TraceEvidence
from walkrag.traces.schema import MIGRATIONS

DB_NAME = "traces.db"
# A trace a person has looked at: labelled, or with at least one span marked.
LABELED_SQL = ("(label IS NOT NULL OR EXISTS (SELECT 1 FROM evidence e WHERE e.trace_id = traces.id "
               "AND e.relevant IS NOT NULL))")
KINDS = ("search", "ask", "walk", "eval")
LABELS = ("good", "bad")


class TraceError(RuntimeError):
    """The traces database is missing, unreadable, or a trace/evidence does not exist."""


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _rows(trace: Trace) -> tuple[tuple, list[tuple], list[tuple], int]:
    """The rows of one trace for ``traces``, ``evidence`` and ``llm_calls``, and its size in bytes."""
    config, steps, detail = _dump(trace.config), _dump(trace.steps), _dump(trace.detail)
    ev_rows = [
        (trace.id, e.rank, e.path, e.start_line, e.end_line, e.score, e.symbol, e.kind, e.language, e.header,
         e.text, _dump(e.why), e.step, int(e.shown), int(e.cited), None if e.relevant is None else int(e.relevant))
        for e in trace.evidence
    ]
    call_rows = [
        (trace.id, c.seq, c.model, c.prompt_version, c.purpose, _dump(c.messages), c.output, c.prompt_tokens,
         c.completion_tokens, int(c.usage_estimated), c.latency_ms, int(c.ok), c.error)
        for c in trace.calls
    ]
    size = len(config) + len(steps) + len(detail) + len(trace.question) + len(trace.answer or "")
    size += sum(len(r[10]) + len(r[11]) + 64 for r in ev_rows)
    size += sum(len(r[5]) + len(r[6] or "") + 64 for r in call_rows)
    trace_row = (trace.id, trace.kind, trace.question, trace.created, trace.duration_ms, trace.status, trace.error,
                 trace.answer, None if trace.checks_ok is None else int(trace.checks_ok), config, steps, detail,
                 len(ev_rows), size, trace.label, trace.note, trace.labeled_at)
    return trace_row, ev_rows, call_rows, size


class TraceStore:
    """Tables of ``traces.db``. Thread-safe: one connection, one lock."""

    def __init__(self, index_dir: Path, *, create: bool = True, busy_timeout_ms: int = 5000):
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / DB_NAME
        if not self.path.exists() and not create:
            raise TraceError(f"no traces at {self.path} (run a search, ask or walk first)")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = connect(self.path, busy_timeout_s=busy_timeout_ms / 1000, incremental_vacuum=True)
        migrate(self.db, MIGRATIONS, TraceError, "traces")

    def schema_version(self) -> int:
        return schema_version(self.db)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, transaction(self.db) as db:
            yield db

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- writing --------------------------------------------------------------
    def add(self, trace: Trace) -> int:
        """Store ``trace``; returns the bytes it takes (the payload that retention counts)."""
        return self.add_many([trace])

    def add_many(self, traces: list[Trace]) -> int:
        """Store ``traces`` in one transaction; returns the bytes they take together."""
        rows = [_rows(trace) for trace in traces]
        with self.transaction() as db:
            for trace_row, ev_rows, call_rows, _size in rows:
                db.execute(
                    "INSERT INTO traces(id, kind, question, created, duration_ms, status, error, answer, checks_ok, "
                    "config, steps, detail, n_evidence, bytes, label, note, labeled_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    trace_row,
                )
                db.executemany("INSERT INTO evidence VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ev_rows)
                db.executemany("INSERT INTO llm_calls VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", call_rows)
        return sum(r[3] for r in rows)

    def set_label(self, trace_id: str, label: str | None, note: str | None = None, *, keep_note: bool = False) -> None:
        """Label a trace good or bad (None clears it) with an optional note."""
        if label is not None and label not in LABELS:
            raise ValueError(f"label must be one of {', '.join(LABELS)} (or empty to clear), got {label!r}")
        with self.transaction() as db:
            if keep_note:
                cur = db.execute("UPDATE traces SET label=?, labeled_at=? WHERE id=?", (label, time.time(), trace_id))
            else:
                cur = db.execute("UPDATE traces SET label=?, note=?, labeled_at=? WHERE id=?",
                                 (label, note or None, time.time(), trace_id))
        if cur.rowcount == 0:
            raise TraceError(f"no trace {trace_id}")

    def set_note(self, trace_id: str, note: str | None) -> None:
        with self.transaction() as db:
            cur = db.execute("UPDATE traces SET note=?, labeled_at=? WHERE id=?", (note or None, time.time(), trace_id))
        if cur.rowcount == 0:
            raise TraceError(f"no trace {trace_id}")

    def mark_evidence(self, trace_id: str, rank: int, relevant: bool | None) -> None:
        """Mark one retrieved span relevant (True), not relevant (False) or unmarked (None)."""
        with self.transaction() as db:
            cur = db.execute("UPDATE evidence SET relevant=? WHERE trace_id=? AND rank=?",
                             (None if relevant is None else int(relevant), trace_id, rank))
        if cur.rowcount == 0:
            raise TraceError(f"trace {trace_id} has no evidence #{rank}")

    def delete(self, ids: list[str]) -> int:
        if not ids:
            return 0
        with self.transaction() as db:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                marks = ",".join("?" * len(part))
                for table, column in (("evidence", "trace_id"), ("llm_calls", "trace_id"), ("traces", "id")):
                    db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", part)
        return len(ids)

    # -- reading --------------------------------------------------------------
    def list(self, *, limit: int = 50, offset: int = 0, kind: str | None = None, label: str | None = None,
             text: str | None = None, before: float | None = None) -> list[dict]:
        """Summaries, newest first. ``label`` is ``good``, ``bad``, ``unlabeled`` or ``labeled``."""
        where, args = self._filters(kind, label, text)
        if before is not None:
            where.append("created < ?")
            args.append(before)
        sql = ("SELECT id, kind, question, created, duration_ms, status, checks_ok, n_evidence, label, note "
               f"FROM traces {'WHERE ' + ' AND '.join(where) if where else ''} "
               "ORDER BY created DESC, id DESC LIMIT ? OFFSET ?")
        with self._lock:
            rows = self.db.execute(sql, [*args, int(limit), int(offset)]).fetchall()
        return [{**dict(r), "checks_ok": None if r["checks_ok"] is None else bool(r["checks_ok"])} for r in rows]

    def count(self, *, kind: str | None = None, label: str | None = None, text: str | None = None) -> int:
        where, args = self._filters(kind, label, text)
        with self._lock:
            return int(self.db.execute(
                f"SELECT count(*) FROM traces {'WHERE ' + ' AND '.join(where) if where else ''}", args
            ).fetchone()[0])

    @staticmethod
    def _filters(kind, label, text) -> tuple[list[str], list]:
        where: list[str] = []
        args: list = []
        if kind == "eval":  # eval runs record their searches, asks and walks; the source tells them apart
            where.append("json_extract(config, '$.source') = 'eval'")
        elif kind:
            where.append("kind = ?")
            args.append(kind)
        if label in LABELS:
            where.append("label = ?")
            args.append(label)
        elif label == "unlabeled":
            where.append("label IS NULL")
        elif label == "labeled":
            where.append(LABELED_SQL)
        if text:
            where.append("question LIKE ? ESCAPE '\\'")
            args.append("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        return where, args

    def neighbours(self, trace_id: str, **filters) -> tuple[str | None, str | None]:
        """The ids just newer and just older than ``trace_id`` in list order (same filters)."""
        where, args = self._filters(filters.get("kind"), filters.get("label"), filters.get("text"))
        cond = (" AND " + " AND ".join(where)) if where else ""
        with self._lock:
            row = self.db.execute("SELECT created FROM traces WHERE id=?", (trace_id,)).fetchone()
            if row is None:
                return None, None
            newer = self.db.execute(
                f"SELECT id FROM traces WHERE (created > ? OR (created = ? AND id > ?)){cond} "
                "ORDER BY created ASC, id ASC LIMIT 1", [row[0], row[0], trace_id, *args]).fetchone()
            older = self.db.execute(
                f"SELECT id FROM traces WHERE (created < ? OR (created = ? AND id < ?)){cond} "
                "ORDER BY created DESC, id DESC LIMIT 1", [row[0], row[0], trace_id, *args]).fetchone()
        return (newer[0] if newer else None), (older[0] if older else None)

    def get(self, trace_id: str) -> Trace:
        with self._lock:
            row = self.db.execute("SELECT * FROM traces WHERE id=?", (trace_id,)).fetchone()
            if row is None:
                raise TraceError(f"no trace {trace_id}")
            ev = self.db.execute("SELECT * FROM evidence WHERE trace_id=? ORDER BY rank", (trace_id,)).fetchall()
            calls = self.db.execute("SELECT * FROM llm_calls WHERE trace_id=? ORDER BY seq", (trace_id,)).fetchall()
        return Trace(
            id=row["id"], kind=row["kind"], question=row["question"], created=row["created"],
            duration_ms=row["duration_ms"], status=row["status"], error=row["error"], answer=row["answer"],
            checks_ok=None if row["checks_ok"] is None else bool(row["checks_ok"]),
            config=json.loads(row["config"]), steps=json.loads(row["steps"]), detail=json.loads(row["detail"]),
            evidence=[TraceEvidence(
                rank=e["rank"], path=e["path"], start_line=e["start_line"], end_line=e["end_line"], text=e["text"],
                score=e["score"], symbol=e["symbol"], kind=e["kind"], language=e["language"], header=e["header"],
                why=json.loads(e["why"]), step=e["step"], shown=bool(e["shown"]), cited=bool(e["cited"]),
                relevant=None if e["relevant"] is None else bool(e["relevant"]),
            ) for e in ev],
            calls=[LLMCall(
                seq=c["seq"], model=c["model"], prompt_version=c["prompt_version"], purpose=c["purpose"],
                messages=json.loads(c["messages"]), output=c["output"], prompt_tokens=c["prompt_tokens"] or 0,
                completion_tokens=c["completion_tokens"] or 0, usage_estimated=bool(c["usage_estimated"]),
                latency_ms=c["latency_ms"] or 0.0, ok=bool(c["ok"]), error=c["error"],
            ) for c in calls],
            label=row["label"], note=row["note"], labeled_at=row["labeled_at"],
        )

    def iter_traces(self, *, labeled_only: bool = False, kind: str | None = None) -> Iterator[Trace]:
        """Every trace (oldest first), fully loaded; ``labeled_only`` keeps those a person labeled."""
        where, args = self._filters(kind, "labeled" if labeled_only else None, None)
        with self._lock:
            ids = [r[0] for r in self.db.execute(
                f"SELECT id FROM traces {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY created, id", args)]
        for trace_id in ids:
            yield self.get(trace_id)

    def stats(self) -> dict:
        with self._lock:
            row = self.db.execute(
                "SELECT count(*), coalesce(sum(bytes), 0), min(created), max(created), "
                "sum(label = 'good'), sum(label = 'bad') FROM traces").fetchone()
        return {"traces": row[0], "bytes": row[1], "oldest": row[2], "newest": row[3],
                "good": row[4] or 0, "bad": row[5] or 0, "path": str(self.path)}

    # -- retention ------------------------------------------------------------
    def prune(self, *, max_bytes: int | None = None, max_age_days: float | None = None,
              now: float | None = None) -> int:
        """Delete the oldest traces until the store is within ``max_bytes`` and no unlabeled one is older
        than ``max_age_days``. Labeled traces are data people made: age never removes them, and the size
        cap takes them only after every unlabeled one is gone."""
        now = time.time() if now is None else now
        doomed: list[str] = []
        with self._lock:
            if max_age_days is not None and max_age_days > 0:
                cutoff = now - max_age_days * 86400
                doomed += [r[0] for r in self.db.execute(
                    f"SELECT id FROM traces WHERE created < ? AND NOT {LABELED_SQL}", (cutoff,))]
            if max_bytes is not None and max_bytes > 0:
                gone = set(doomed)
                rows = self.db.execute(
                    f"SELECT id, bytes FROM traces ORDER BY {LABELED_SQL}, created, id").fetchall()
                total = sum(r[1] for r in rows if r[0] not in gone)
                for trace_id, size in rows:
                    if total <= max_bytes:
                        break
                    if trace_id not in gone:
                        doomed.append(trace_id)
                        total -= size
        self.delete(doomed)
        if doomed:
            with self._lock:
                self.db.execute("PRAGMA incremental_vacuum")
        return len(doomed)
