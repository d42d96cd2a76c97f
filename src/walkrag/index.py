"""The Python API: ``walkrag.open(path)`` returns an :class:`Index`."""

from __future__ import annotations

import os
from pathlib import Path

from walkrag.config import Settings, load_settings
from walkrag.indexing import IndexStats, Progress, default_index_dir, find_index_dir, run_index
from walkrag.models.embedders import load_embedder
from walkrag.retrieval.search import Hit, Searcher
from walkrag.store.sqlite import SQLiteStore, StoreError


class Index:
    """An index over one root folder. Opening is cheap; models load on first search."""

    def __init__(self, root: Path | None, index_dir: Path, settings: Settings):
        self.index_dir = Path(index_dir)
        self.settings = settings
        self._root = Path(root).resolve() if root else None
        self._store: SQLiteStore | None = None
        self._searcher: Searcher | None = None

    @property
    def store(self) -> SQLiteStore:
        if self._store is None:
            self._store = SQLiteStore(self.index_dir)
        return self._store

    @property
    def root(self) -> Path:
        if self._root is None:
            stored = self.store.get_meta("root")
            if not stored:
                raise StoreError(f"index at {self.index_dir} has no root recorded")
            self._root = Path(stored)
        return self._root

    def update(self, progress: Progress | None = None) -> IndexStats:
        """Index the root: only added, changed and deleted files are processed."""
        self._close()
        return run_index(self.root, self.index_dir, self.settings, progress)

    def searcher(self) -> Searcher:
        if self._searcher is None:
            recorded = self.store.get_meta("embedder")
            embedder = load_embedder(self.settings.embedder, self.settings.embed_base_url, self.settings.embed_api_key)
            if recorded and recorded != embedder.model_id:
                raise StoreError(
                    f"index was built with embedder {recorded}, settings ask for {embedder.model_id}: re-index"
                )
            self._searcher = Searcher(self.store, embedder)
        return self._searcher

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.searcher().search(query, k)

    def status(self) -> dict:
        from walkrag.status import index_status

        return index_status(self)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None
        self._searcher = None

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_index(path: str | os.PathLike | None = None, *, index_dir: str | os.PathLike | None = None, **overrides) -> Index:
    """Open the index of a folder (it may not be built yet: call ``update()``).

    With only ``index_dir``, the root is read from the index. With neither, the
    nearest ``.walkrag`` above the current directory is used.
    """
    root = Path(path).resolve() if path else None
    if index_dir is None:
        if root is not None:
            index_dir = default_index_dir(root)
        else:
            index_dir = find_index_dir()
            if index_dir is None:
                raise StoreError("no .walkrag index found here or above; pass --index-dir or index a folder first")
    config_root = root
    if config_root is None and (Path(index_dir) / "index.db").is_file():
        store = SQLiteStore(Path(index_dir))
        recorded = store.get_meta("root")
        store.close()
        config_root = Path(recorded) if recorded else None
    return Index(root, Path(index_dir), load_settings(config_root, **overrides))
