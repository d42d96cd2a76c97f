"""File-level dense retrieval: one short view per file, embedded with the transformer model.

A file's view is its path, its module docstring and the names it defines, with
identifiers split into words. Questions like "how are routes registered" are
about files more than lines, and a few hundred word pieces per file are cheap
enough to give to the full MiniLM transformer even when every chunk goes to
the fast static model. The vectors are derived data: rebuilt from SQLite,
cached by view hash and model like chunk vectors.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np

from walkrag.models.embedders import Embedder, embed_query
from walkrag.retrieval.tokenize import split_identifier
from walkrag.store.sqlite import SQLiteStore

MAX_NAMES = 60
KINDS_SKIPPED = {"section"}  # prose files list their headings instead


def _words(name: str) -> str:
    return " ".join(split_identifier(name)) or name


def build_views(store: SQLiteStore) -> dict[str, str]:
    """path -> the text that stands for the file in file-level retrieval."""
    names: dict[str, list[str]] = defaultdict(list)
    headings: dict[str, list[str]] = defaultdict(list)
    docs: dict[str, str] = {}
    for path, name, kind, doc in store.db.execute(
        "SELECT path, name, kind, docstring FROM definitions ORDER BY path, start_line"
    ):
        bucket = headings if kind in KINDS_SKIPPED else names
        if len(bucket[path]) < MAX_NAMES:
            bucket[path].append(name if kind in KINDS_SKIPPED else _words(name))
        if doc and path not in docs:
            docs[path] = doc.split("\n\n")[0][:300]
    for path, doc in store.db.execute(
        "SELECT path, docstring FROM chunks WHERE kind IN ('module', 'preamble') AND docstring IS NOT NULL"
    ):
        docs.setdefault(path, doc.split("\n\n")[0][:300])
    views = {}
    for (path,) in store.db.execute("SELECT path FROM files ORDER BY path"):
        stem = path.rsplit(".", 1)[0]
        parts = [" / ".join(_words(p) for p in stem.split("/"))]
        if docs.get(path):
            parts.append(docs[path])
        listed = list(dict.fromkeys(headings[path] + names[path]))
        if listed:
            parts.append(", ".join(listed))
        views[path] = "\n".join(parts)
    return views


def _hash(view: str) -> str:
    return hashlib.blake2b(view.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def update_file_vectors(store: SQLiteStore, embedder: Embedder, generation: str, batch: int = 64) -> int:
    """Embed the views that changed; write ``file-vectors-<generation>.npz``; return how many were embedded."""
    views = build_views(store)
    hashes = {path: _hash(v) for path, v in views.items()}
    cached = store.cached_vectors(list(set(hashes.values())), embedder.model_id)
    missing = sorted({h for h in hashes.values() if h not in cached})
    by_hash = {hashes[p]: v for p, v in views.items()}
    fresh = {}
    for start in range(0, len(missing), batch):
        part = missing[start : start + batch]
        fresh.update(zip(part, embedder.embed([by_hash[h] for h in part]), strict=True))
    with store.transaction():
        store.put_vectors(fresh, embedder.model_id)
        store.db.execute("DELETE FROM file_views")
        store.db.executemany("INSERT INTO file_views(path, view_hash) VALUES (?, ?)", list(hashes.items()))
        store.db.execute(
            "DELETE FROM embeddings WHERE model=? AND view_hash NOT IN (SELECT view_hash FROM file_views)",
            (embedder.model_id,),
        )
    vectors = {**cached, **fresh}
    paths = sorted(hashes)
    dim = len(next(iter(vectors.values()))) if vectors else 0
    matrix = np.array([vectors[hashes[p]] for p in paths], dtype=np.float32).reshape(len(paths), dim)
    target = file_vectors_path(store.index_dir, generation)
    tmp = target.with_name(target.stem + ".tmp.npz")
    np.savez(tmp, paths=np.array(paths, dtype=object), matrix=matrix)
    tmp.replace(target)
    for old in Path(store.index_dir).glob("file-vectors-*.npz"):
        if old != target:
            old.unlink(missing_ok=True)
    return len(fresh)


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
        order = np.argsort(-sims, kind="stable")
        best = float(sims[order[0]])
        floor = float(sims[order[min(len(order) - 1, top)]])
        span = max(best - floor, 1e-6)
        return {self.paths[i]: max(0.0, (float(sims[i]) - floor) / span) for i in order[:top]}
