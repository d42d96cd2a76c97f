"""File-level dense retrieval: one short view per file, embedded with the transformer model.

A code file's view is its path, the first sentence of its module docstring and
the names it defines; a prose file's is its path, its opening lines and its
headings; identifiers are split into words. The model reads only the first few
dozen word pieces, so what a file defines must come before long docstrings.
Test and example code gets no view: it repeats the names of the code it exercises,
and a view of it would compete with that code's own.

Questions like "how are routes registered" are about files more than lines, and
a few dozen word pieces per file are cheap enough to give to the full MiniLM
transformer even when every chunk goes to the fast static model. The vectors are derived data: rebuilt from SQLite,
cached by view hash and model like chunk vectors.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from walkrag.models.embedders import Embedder, embed_query
from walkrag.retrieval.priors import is_secondary_path
from walkrag.retrieval.ranking import relative_top
from walkrag.retrieval.tokenize import split_identifier
from walkrag.store.sqlite import SQLiteStore

MAX_NAMES = 60
OPENING_CHARS = 300
DOC_CHARS = 120
# Bump when the view text changes: the next index run re-embeds every view.
VIEW_VERSION = "3"  # 3: no views for test and example code
KINDS_SKIPPED = {"section"}  # prose files list their headings instead


_MODULE_DOC = re.compile(r"\s*(?:#[^\n]*\n\s*)*[rRuUbB]?(\"\"\"|\'\'\')(.*?)\1", re.DOTALL)


def _words(name: str) -> str:
    return " ".join(split_identifier(name)) or name


def _where_paths(paths: list[str] | None) -> tuple[str, tuple]:
    if paths is None:
        return "", ()
    return f" WHERE path IN ({','.join('?' * len(paths))})", tuple(paths)


def build_views(store: SQLiteStore, paths: list[str] | None = None) -> dict[str, str]:
    """path -> the text that stands for the file in file-level retrieval (all files, or ``paths``)."""
    names: dict[str, list[str]] = defaultdict(list)
    headings: dict[str, list[str]] = defaultdict(list)
    docs: dict[str, str] = {}
    where, args = _where_paths(paths)
    for path, name, kind, doc in store.db.execute(
        f"SELECT path, name, kind, docstring FROM definitions{where} ORDER BY path, start_line", args
    ):
        bucket = headings if kind in KINDS_SKIPPED else names
        if len(bucket[path]) < MAX_NAMES:
            bucket[path].append(name if kind in KINDS_SKIPPED else _words(name))
        if doc and path not in docs:
            docs[path] = doc.split("\n\n")[0][:300]
    chunk_where = where.replace(" WHERE", " AND") if where else ""
    # A module's own docstring says what the file is for; it wins over its first definition's.
    for path, text in store.db.execute(
        "SELECT path, text FROM chunks WHERE kind = 'module' AND start_line = 1 AND language = 'python'" + chunk_where,
        args,
    ):
        m = _MODULE_DOC.match(text)
        if m and m.group(2).strip():
            docs[path] = " ".join(m.group(2).split("\n\n")[0].split())[:300]
    # Prose says what it is about in its opening lines more than in its headings.
    openings: dict[str, str] = {}
    file_where = where.replace(" WHERE path", " AND f.path") if where else ""
    for path, text in store.db.execute(
        "SELECT c.path, c.text FROM chunks c JOIN files f ON f.path = c.path WHERE f.format != 'code'"
        f"{file_where} ORDER BY c.path, c.start_line",
        args,
    ):
        if path not in openings:
            openings[path] = " ".join(text.split())[:OPENING_CHARS]
    views = {}
    for path, fmt in store.db.execute(f"SELECT path, format FROM files{where} ORDER BY path", args):
        if fmt == "code" and is_secondary_path(path):
            continue  # tests and examples repeat the names of the code they exercise: no view
        stem = path.rsplit(".", 1)[0]
        parts = [" / ".join(_words(p) for p in stem.split("/"))]
        listed = ", ".join(dict.fromkeys(headings[path] + names[path]))
        if fmt == "code":
            # A long docstring would push every defined name past the model's cut.
            about = docs.get(path, "").split(". ")[0][:DOC_CHARS]
            parts += [about, listed]
        else:
            parts += [docs.get(path) or openings.get(path, ""), listed]
        views[path] = "\n".join(p for p in parts if p)
    return views


def _hash(view: str) -> str:
    return hashlib.blake2b(view.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def update_file_vectors(
    store: SQLiteStore,
    embedder: Embedder,
    generation: str,
    changed: set[str] | None = None,
    previous: str | None = None,
    batch: int = 64,
) -> int:
    """Write ``file-vectors-<generation>.npz``; return how many views were embedded.

    With the ``previous`` generation and the ``changed`` paths, only those files'
    views are rebuilt; otherwise every file's. Views are embedded only when their
    text is new (cached by hash and model).
    """
    old = _load(store.index_dir, previous) if previous and changed is not None else None
    if old is not None:
        live = {r[0] for r in store.db.execute("SELECT path FROM files")}
        rebuild = sorted(p for p in changed if p in live)
        views = build_views(store, rebuild) if rebuild else {}
        kept = {p: v for p, v in zip(old[0], old[1], strict=True) if p in live and p not in views}
    else:
        views, kept = build_views(store), {}
    hashes = {path: _hash(v) for path, v in views.items()}
    cached = store.cached_vectors(sorted(set(hashes.values())), embedder.model_id)
    missing = sorted({h for h in hashes.values() if h not in cached})
    by_hash = {hashes[p]: v for p, v in views.items()}
    fresh = {}
    for start in range(0, len(missing), batch):
        part = missing[start : start + batch]
        fresh.update(zip(part, embedder.embed([by_hash[h] for h in part]), strict=True))
    with store.transaction():
        store.put_vectors(fresh, embedder.model_id)
        if old is None:
            store.db.execute("DELETE FROM file_views")
        else:
            store.db.execute("DELETE FROM file_views WHERE path NOT IN (SELECT path FROM files)")
        store.db.executemany("INSERT OR REPLACE INTO file_views(path, view_hash) VALUES (?, ?)", list(hashes.items()))
        store.db.execute(
            "DELETE FROM embeddings WHERE model=? AND view_hash NOT IN (SELECT view_hash FROM file_views)"
            " AND view_hash NOT IN (SELECT view_hash FROM chunks)",
            (embedder.model_id,),
        )
    vectors = {**cached, **fresh}
    rows = {**kept, **{p: vectors[h] for p, h in hashes.items()}}
    paths = sorted(rows)
    dim = len(next(iter(rows.values()))) if rows else 0
    matrix = np.array([rows[p] for p in paths], dtype=np.float32).reshape(len(paths), dim)
    target = file_vectors_path(store.index_dir, generation)
    tmp = target.with_name(target.stem + ".tmp.npz")
    np.savez(tmp, paths=np.array(paths, dtype=object), matrix=matrix)
    tmp.replace(target)
    for stale in Path(store.index_dir).glob("file-vectors-*.npz"):
        if stale != target:
            stale.unlink(missing_ok=True)
    return len(fresh)


def _load(index_dir: Path, generation: str) -> tuple[list[str], np.ndarray] | None:
    path = file_vectors_path(index_dir, generation)
    if not path.is_file():
        return None
    data = np.load(path, allow_pickle=True)
    return [str(p) for p in data["paths"]], data["matrix"]


def file_vectors_path(index_dir: Path, generation: str) -> Path:
    return Path(index_dir) / f"file-vectors-{generation}.npz"


class FileDense:
    """Cosine similarity of a query to every file view."""

    def __init__(self, index_dir: Path, generation: str, embedder: Embedder):
        data = np.load(file_vectors_path(index_dir, generation), allow_pickle=True)
        self.paths = [str(p) for p in data["paths"]]
        self.matrix = data["matrix"]
        self.embedder = embedder

    def search(self, query: str, top: int = 10) -> dict[str, float]:
        """path -> score in 0..1 for the ``top`` files, relative to the file just below them."""
        if not self.paths:
            return {}
        sims = self.matrix @ embed_query(self.embedder, query)
        order = np.argsort(-sims, kind="stable")[: top + 1]
        return relative_top([(self.paths[i], float(sims[i])) for i in order], top)
