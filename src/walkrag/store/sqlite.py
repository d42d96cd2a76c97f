"""The system of record: one SQLite database (WAL) holding files, chunks, vectors and metadata."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from walkrag.records import Chunk, Definition, Skip
from walkrag.retrieval.abbrev import word_counts
from walkrag.retrieval.tokenize import normalize_name
from walkrag.store.schema import MIGRATIONS
from walkrag.store.sqlite_base import connect, migrate, schema_version, transaction

DB_NAME = "index.db"


class StoreError(RuntimeError):
    """The index is missing, locked or unreadable."""


class SQLiteStore:
    """Tables of the index; every write goes through :meth:`transaction`."""

    def __init__(self, index_dir: Path, *, create: bool = False):
        self.index_dir = Path(index_dir)
        path = self.index_dir / DB_NAME
        if not path.exists() and not create:
            raise StoreError(f"no index at {self.index_dir} (run `walkrag index PATH` first)")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.db = connect(path)
        # Migrations only add; an older index is upgraded in place when opened.
        migrate(self.db, MIGRATIONS, StoreError, "index")

    def schema_version(self) -> int:
        return schema_version(self.db)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.db) as db:
            yield db

    def close(self) -> None:
        self.db.close()

    # -- meta -----------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- files ----------------------------------------------------------------
    def file_states(self) -> dict[str, tuple[str, int, int]]:
        """path -> (hash, size, mtime_ns) of every indexed file."""
        rows = self.db.execute("SELECT path, hash, size, mtime_ns FROM files")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def touch_file(self, path: str, size: int, mtime_ns: int) -> None:
        self.db.execute("UPDATE files SET size=?, mtime_ns=? WHERE path=?", (size, mtime_ns, path))

    def delete_file(self, path: str) -> None:
        from walkrag.codegraph.storage import delete_file_rows

        if self.db.execute("SELECT 1 FROM files WHERE path=?", (path,)).fetchone():
            names = [r[0] for r in self.db.execute("SELECT name FROM definitions WHERE path=?", (path,))]
            self._count_words(word_counts(path, names), -1)
        delete_file_rows(self.db, path)  # code graph rows (refs, edges in and out, centrality)
        self.db.execute("DELETE FROM chunks WHERE path=?", (path,))
        self.db.execute("DELETE FROM definitions WHERE path=?", (path,))
        self.db.execute("DELETE FROM files WHERE path=?", (path,))

    def replace_file(
        self,
        path: str,
        *,
        digest: str,
        size: int,
        mtime_ns: int,
        fmt: str,
        language: str,
        chunks: list[Chunk],
        view_hashes: list[str],
        definitions: list[Definition],
    ) -> list[int]:
        """Swap a file's chunks and definitions; return the new chunk ids."""
        self.delete_file(path)
        ids = []
        for chunk, vh in zip(chunks, view_hashes, strict=True):
            cur = self.db.execute(
                "INSERT INTO chunks(path,start_line,end_line,kind,language,symbol,signature,docstring,"
                "header,text,view_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    path, chunk.start_line, chunk.end_line, chunk.kind, chunk.language, chunk.symbol,
                    chunk.signature, chunk.docstring, chunk.header, chunk.text, vh,
                ),
            )
            ids.append(int(cur.lastrowid))
        self.db.executemany(
            "INSERT INTO definitions(path,name,qualified_name,kind,start_line,end_line,language,signature,"
            "docstring,norm) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (path, d.name, d.qualified_name, d.kind, d.start_line, d.end_line, d.language, d.signature,
                 d.docstring, normalize_name(d.name))
                for d in definitions
            ],
        )
        self.db.execute(
            "INSERT INTO files(path,hash,size,mtime_ns,format,language,n_chunks,indexed_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (path, digest, size, mtime_ns, fmt, language, len(chunks), time.time()),
        )
        self.db.execute("DELETE FROM skipped WHERE path=?", (path,))
        self._count_words(word_counts(path, [d.name for d in definitions]), +1)
        return ids

    # -- vocabulary -------------------------------------------------------------
    def _count_words(self, counts, sign: int) -> None:
        self.db.executemany(
            "INSERT INTO vocabulary(word, count) VALUES (?, ?) ON CONFLICT(word) DO UPDATE SET count = count + excluded.count",
            [(w, sign * n) for w, n in counts.items()],
        )
        if sign < 0:
            self.db.executemany("DELETE FROM vocabulary WHERE word=? AND count<=0", [(w,) for w in counts])

    def fill_vocabulary(self) -> bool:
        """Count the vocabulary of an index written before it was kept; True when it had to."""
        if self.get_meta("vocabulary") == "1":
            return False
        self.db.execute("DELETE FROM vocabulary")
        self._count_words(self.count_vocabulary(), +1)
        self.set_meta("vocabulary", "1")
        return True

    def count_vocabulary(self) -> Counter:
        """The vocabulary counted afresh from every file's path and defined names."""
        names: dict[str, list[str]] = {}
        for path, name in self.db.execute("SELECT path, name FROM definitions"):
            names.setdefault(path, []).append(name)
        total: Counter = Counter()
        for (path,) in self.db.execute("SELECT path FROM files"):
            total.update(word_counts(path, names.get(path, ())))
        return total

    def vocabulary(self) -> dict[str, int] | None:
        """{word: count} over defined names and paths, or None when this index does not keep it yet."""
        if self.get_meta("vocabulary") != "1":
            return None
        return dict(self.db.execute("SELECT word, count FROM vocabulary"))

    # -- skips ----------------------------------------------------------------
    def record_skips(self, skips: Iterable[Skip], *, replace_all: bool = False) -> None:
        if replace_all:
            self.db.execute("DELETE FROM skipped")
        now = time.time()
        self.db.executemany(
            "INSERT OR REPLACE INTO skipped(path, reason, at) VALUES (?,?,?)",
            [(s.path, s.reason, now) for s in skips],
        )

    def skips(self) -> list[Skip]:
        return [Skip(r[0], r[1]) for r in self.db.execute("SELECT path, reason FROM skipped ORDER BY path")]

    # -- embeddings -----------------------------------------------------------
    def cached_vectors(self, view_hashes: list[str], model: str) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(view_hashes), 500):
            part = view_hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT view_hash, vec FROM embeddings WHERE model=? AND view_hash IN ({marks})", (model, *part)
            )
            for vh, blob in rows:
                out[vh] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_vectors(self, items: dict[str, np.ndarray], model: str) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO embeddings(view_hash, model, vec) VALUES (?,?,?)",
            [(vh, model, np.asarray(v, dtype=np.float32).tobytes()) for vh, v in items.items()],
        )

    def prune_vectors(self, model: str) -> None:
        """Drop cached vectors that no chunk uses any more."""
        self.db.execute(
            "DELETE FROM embeddings WHERE model=? AND view_hash NOT IN (SELECT view_hash FROM chunks)", (model,)
        )

    def chunk_vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, matrix) of every chunk's vector for ``model``, in id order."""
        rows = self.db.execute(
            "SELECT c.id, e.vec FROM chunks c JOIN embeddings e ON e.view_hash=c.view_hash AND e.model=? "
            "ORDER BY c.id",
            (model,),
        ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return ids, mat

    def updated_chunk_vectors(
        self, model: str, old_ids: np.ndarray, old_matrix: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The previous generation's vectors minus deleted chunks, plus the new ones: reads only what changed."""
        live = np.fromiter((r[0] for r in self.db.execute("SELECT id FROM chunks ORDER BY id")), dtype=np.int64)
        keep = np.isin(old_ids, live)
        new_ids = np.setdiff1d(live, old_ids[keep], assume_unique=True)
        rows = []
        for start in range(0, len(new_ids), 500):
            part = [int(i) for i in new_ids[start : start + 500]]
            marks = ",".join("?" * len(part))
            rows += self.db.execute(
                f"SELECT c.id, e.vec FROM chunks c JOIN embeddings e ON e.view_hash=c.view_hash AND e.model=? "
                f"WHERE c.id IN ({marks})",
                (model, *part),
            ).fetchall()
        if not rows:
            return old_ids[keep], old_matrix[keep]
        add_ids = np.array([r[0] for r in rows], dtype=np.int64)
        add = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        if keep.any() and add.shape[1] != old_matrix.shape[1]:
            return self.chunk_vectors(model)
        ids = np.concatenate([old_ids[keep], add_ids])
        matrix = np.concatenate([old_matrix[keep], add]) if keep.any() else add
        order = np.argsort(ids, kind="stable")
        return ids[order], matrix[order]

    # -- reads ----------------------------------------------------------------
    def chunk_rows(self, ids: Iterable[int]) -> dict[int, sqlite3.Row]:
        """What ranking needs of chunks, by id: everything but the text (see :meth:`chunk_texts`)."""
        ids = list(ids)
        cols = "id, path, start_line, end_line, kind, language, symbol, header"
        out: dict[int, sqlite3.Row] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(f"SELECT {cols} FROM chunks WHERE id IN ({marks})", part):
                out[int(row["id"])] = row
        return out

    def chunk_at(self, path: str, line: int) -> sqlite3.Row | None:
        """The chunk of ``path`` that holds ``line`` (the innermost, when spans overlap)."""
        return self.db.execute(
            "SELECT * FROM chunks WHERE path=? AND start_line<=? AND end_line>=? ORDER BY start_line DESC LIMIT 1",
            (path, line, line),
        ).fetchone()

    def chunk_texts(self, ids: Iterable[int]) -> dict[int, str]:
        ids = list(ids)
        marks = ",".join("?" * len(ids))
        return {int(r[0]): r[1] for r in self.db.execute(f"SELECT id, text FROM chunks WHERE id IN ({marks})", ids)}

    def iter_chunks(self, *, by_file: bool = False) -> Iterator[sqlite3.Row]:
        """Every chunk row, by id, or ``by_file``: file by file, each file's in line order."""
        yield from self.db.execute(f"SELECT * FROM chunks ORDER BY {'path, start_line' if by_file else 'id'}")  # noqa: S608

    def fill_name_norms(self) -> int:
        """Normalize the names of definitions written before the ``norm`` column existed; returns how many."""
        rows = self.db.execute("SELECT id, name FROM definitions WHERE norm IS NULL").fetchall()
        self.db.executemany("UPDATE definitions SET norm=? WHERE id=?", [(normalize_name(n), i) for i, n in rows])
        return len(rows)

    def count_chunked_files(self) -> int:
        """Files with at least one chunk: those the lexical index holds a file document for."""
        return int(self.db.execute("SELECT COUNT(DISTINCT path) FROM chunks").fetchone()[0])

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608

    # -- runs -----------------------------------------------------------------
    def start_run(self) -> int:
        cur = self.db.execute("INSERT INTO runs(started) VALUES (?)", (time.time(),))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, stats: dict) -> None:
        self.db.execute(
            "UPDATE runs SET finished=?, stats=? WHERE id=?", (time.time(), json.dumps(stats), run_id)
        )

    def last_run(self) -> dict | None:
        row = self.db.execute(
            "SELECT started, finished, stats FROM runs WHERE finished IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if not row:
            return None
        stats = json.loads(row[2] or "{}")
        stats["seconds"] = round(row[1] - row[0], 3)
        return {"started": row[0], "finished": row[1], **stats}
