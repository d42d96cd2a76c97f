"""What an index holds: files by language and format, chunks, skips, model, size, last run."""

from __future__ import annotations

from pathlib import Path


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def index_status(index) -> dict:
    store = index.store
    db = store.db
    by_language = {r[0]: r[1] for r in db.execute("SELECT language, COUNT(*) FROM files GROUP BY 1 ORDER BY 2 DESC")}
    by_format = {r[0]: r[1] for r in db.execute("SELECT format, COUNT(*) FROM files GROUP BY 1 ORDER BY 2 DESC")}
    skipped = [{"path": s.path, "reason": s.reason} for s in store.skips()]
    return {
        "root": store.get_meta("root"),
        "index_dir": str(index.index_dir),
        "schema_version": store.schema_version(),
        "files": store.count("files"),
        "chunks": store.count("chunks"),
        "definitions": store.count("definitions"),
        "files_by_language": by_language,
        "files_by_format": by_format,
        "skipped": skipped,
        "skipped_count": len(skipped),
        "embedder": store.get_meta("embedder"),
        "index_bytes": _dir_size(index.index_dir),
        "last_run": store.last_run(),
        "needs_repair": store.get_meta("lexical_dirty") == "1",
    }
