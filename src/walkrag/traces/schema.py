"""SQLite schema of the traces database (``<index_dir>/traces.db``), as numbered migrations.

Each entry upgrades ``PRAGMA user_version`` by one. Never edit a released
migration; append a new one. Traces live apart from ``index.db`` so that a
re-index, a rebuilt index or a copied index never touches the labels people made.
"""

MIGRATIONS: list[str] = [
    # 1: traces, the evidence each one retrieved (with its relevance mark), every LLM call
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE traces (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        question TEXT NOT NULL,
        created REAL NOT NULL,
        duration_ms REAL NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        answer TEXT,
        checks_ok INTEGER,
        config TEXT NOT NULL,
        steps TEXT NOT NULL,
        detail TEXT NOT NULL,
        n_evidence INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        label TEXT CHECK (label IN ('good', 'bad')),
        note TEXT,
        labeled_at REAL
    );
    CREATE INDEX traces_created ON traces(created);
    CREATE INDEX traces_kind ON traces(kind, created);
    CREATE INDEX traces_label ON traces(label, created);
    CREATE TABLE evidence (
        trace_id TEXT NOT NULL,
        rank INTEGER NOT NULL,
        path TEXT NOT NULL,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        score REAL,
        symbol TEXT,
        kind TEXT,
        language TEXT,
        header TEXT,
        text TEXT NOT NULL,
        why TEXT NOT NULL,
        step INTEGER,
        shown INTEGER NOT NULL DEFAULT 0,
        cited INTEGER NOT NULL DEFAULT 0,
        relevant INTEGER,
        PRIMARY KEY (trace_id, rank)
    ) WITHOUT ROWID;
    CREATE TABLE llm_calls (
        trace_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        model TEXT,
        prompt_version TEXT,
        purpose TEXT,
        messages TEXT NOT NULL,
        output TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        usage_estimated INTEGER,
        latency_ms REAL,
        ok INTEGER,
        error TEXT,
        PRIMARY KEY (trace_id, seq)
    ) WITHOUT ROWID;
    """,
]
