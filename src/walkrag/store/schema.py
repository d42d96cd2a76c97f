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
    # 2: the code graph (walkrag.codegraph): references per file, resolved edges,
    # the file graph and centrality; every row names its file so a deleted file leaves nothing behind
    """
    CREATE TABLE refs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        module TEXT,
        alias TEXT,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        scope_id INTEGER
    );
    CREATE INDEX refs_path ON refs(path);
    CREATE TABLE edges (
        ref_id INTEGER,
        src_path TEXT NOT NULL,
        src_def INTEGER,
        src_line INTEGER NOT NULL,
        dst_path TEXT NOT NULL,
        dst_def INTEGER,
        kind TEXT NOT NULL,
        confidence REAL NOT NULL,
        how TEXT NOT NULL
    );
    CREATE INDEX edges_src_path ON edges(src_path);
    CREATE INDEX edges_src_def ON edges(src_def);
    CREATE INDEX edges_dst_path ON edges(dst_path);
    CREATE INDEX edges_dst_def ON edges(dst_def);
    CREATE TABLE file_edges (
        src TEXT NOT NULL,
        dst TEXT NOT NULL,
        kind TEXT NOT NULL,
        weight REAL NOT NULL,
        PRIMARY KEY (src, dst, kind)
    ) WITHOUT ROWID;
    CREATE INDEX file_edges_dst ON file_edges(dst);
    CREATE TABLE centrality (def_id INTEGER PRIMARY KEY, path TEXT NOT NULL, score REAL NOT NULL);
    CREATE INDEX centrality_path ON centrality(path);
    CREATE TABLE file_centrality (path TEXT PRIMARY KEY, score REAL NOT NULL);
    INSERT INTO meta(key, value) SELECT 'graph_backfill', '1' WHERE EXISTS (SELECT 1 FROM files);
    """,
    # 3: one summary view per file (path, docstring, names it defines), embedded for file-level dense retrieval
    """
    CREATE TABLE file_views (path TEXT PRIMARY KEY, view_hash TEXT NOT NULL);
    """,
    # 4: incremental graph updates (walkrag.codegraph.build): what each changed file held before
    # it changed (a journal emptied by the next graph update), the class/function nesting of every
    # definition, and indexes to find references and definitions by name
    """
    CREATE TABLE graph_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, state TEXT NOT NULL);
    CREATE TABLE def_nesting (def_id INTEGER PRIMARY KEY, member INTEGER NOT NULL, private INTEGER NOT NULL);
    CREATE INDEX refs_kind_name ON refs(kind, name);
    CREATE INDEX definitions_qname ON definitions(qualified_name);
    CREATE INDEX definitions_modules ON definitions(kind) WHERE kind IN ('module', 'namespace');
    """,
    # 5: the files each import named when last resolved, so an incremental graph update replays
    # imports instead of resolving them again; the next update resolves everything once to fill it
    """
    CREATE TABLE import_targets (ref_id INTEGER PRIMARY KEY, targets TEXT NOT NULL, sub TEXT NOT NULL);
    DELETE FROM meta WHERE key = 'graph_incremental';
    """,
    # 6: each definition's name normalized (lower case, no separators), so that a name mentioned in a
    # question is looked up through an index instead of an in-memory table of every name; filled by
    # the next index run for definitions written before
    """
    ALTER TABLE definitions ADD COLUMN norm TEXT;
    CREATE INDEX definitions_norm ON definitions(norm);
    CREATE INDEX definitions_qname_nocase ON definitions(qualified_name COLLATE NOCASE);
    """,
    # 7: the codebase's vocabulary (words of defined names and of paths, with counts), kept as files
    # come and go, so a question's abbreviations need no pass over every name; the next index run
    # fills it for an index written before (meta 'vocabulary' = '1' once it is complete)
    """
    CREATE TABLE vocabulary (word TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
    """,
]
