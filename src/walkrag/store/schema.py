"""SQLite schema of the system of record, as numbered migrations.

Each entry upgrades ``PRAGMA user_version`` by one. Never edit a released
migration; append a new one.
"""

MIGRATIONS: list[str] = [
    # 1: files, chunks, cached embeddings, definitions, skips, runs
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE files (
        path TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        format TEXT NOT NULL,
        language TEXT NOT NULL,
        n_chunks INTEGER NOT NULL,
        indexed_at REAL NOT NULL
    );
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        kind TEXT NOT NULL,
        language TEXT NOT NULL,
        symbol TEXT,
        signature TEXT,
        docstring TEXT,
        header TEXT NOT NULL,
        text TEXT NOT NULL,
        view_hash TEXT NOT NULL
    );
    CREATE INDEX chunks_path ON chunks(path);
    CREATE TABLE embeddings (
        view_hash TEXT NOT NULL,
        model TEXT NOT NULL,
        vec BLOB NOT NULL,
        PRIMARY KEY (view_hash, model)
    ) WITHOUT ROWID;
    CREATE TABLE definitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        qualified_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        language TEXT NOT NULL,
        signature TEXT,
        docstring TEXT
    );
    CREATE INDEX definitions_path ON definitions(path);
    CREATE INDEX definitions_name ON definitions(name COLLATE NOCASE);
    CREATE TABLE skipped (path TEXT PRIMARY KEY, reason TEXT NOT NULL, at REAL NOT NULL);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started REAL NOT NULL,
        finished REAL,
        stats TEXT
    );
    """,
]
