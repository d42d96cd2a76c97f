"""What every walkrag SQLite database shares: connection settings and numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path, *, busy_timeout_s: float = 30.0, incremental_vacuum: bool = False) -> sqlite3.Connection:
    """Open (or create) a database in WAL mode, autocommit, rows by column name."""
    fresh = not Path(path).exists()
    db = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    if fresh and incremental_vacuum:
        # Must be set before the first table exists; lets pruning give space back to the disk.
        db.execute("PRAGMA auto_vacuum=INCREMENTAL")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    db.row_factory = sqlite3.Row
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock up front (no upgrade deadlocks)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: list[str], error: type[Exception], what: str) -> None:
    """Apply the migrations past ``PRAGMA user_version``, each in its own transaction.

    Safe when several processes open the same database at once: each step
    re-reads the version under the write lock and skips what another did.
    """
    version = schema_version(db)
    if version > len(migrations):
        raise error(f"{what} schema {version} is newer than this walkrag understands")
    for number in range(version, len(migrations)):
        with transaction(db):
            if schema_version(db) == number:
                for statement in migrations[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={number + 1}")
