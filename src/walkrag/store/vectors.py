"""Dense vectors, derived from the SQLite system of record into a file that loads fast.

Exact search (one matrix product) below ``HNSW_THRESHOLD`` vectors; an HNSW
index (usearch) above it, where exact search stops being instant.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

HNSW_THRESHOLD = 200_000


class VectorIndex:
    """Vectors of one generation of the index: ``vectors-<gen>.npz`` (+ ``.usearch``)."""

    def __init__(self, ids: np.ndarray, matrix: np.ndarray, hnsw=None):
        self.ids = ids
        self.matrix = matrix
        self.hnsw = hnsw

    @staticmethod
    def file_for(index_dir: Path, generation: str) -> Path:
        """The matrix file; the chunk ids sit beside it in ``.ids.npy``."""
        return Path(index_dir) / f"vectors-{generation}.npy"

    @classmethod
    def write(cls, index_dir: Path, generation: str, ids: np.ndarray, matrix: np.ndarray) -> None:
        path = cls.file_for(index_dir, generation)
        # Plain .npy files: written in one pass, read back memory-mapped.
        for target, array in ((path.with_suffix(".ids.npy"), ids), (path, matrix)):
            tmp = target.with_name(target.name + ".tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(array))
            os.replace(tmp, target)
        if len(ids) >= HNSW_THRESHOLD:
            from usearch.index import Index

            hnsw = Index(ndim=matrix.shape[1], metric="ip", dtype="f32")
            hnsw.add(ids, matrix)
            hnsw.save(str(path.with_suffix(".usearch")))
        for old in Path(index_dir).glob("vectors-*"):
            if not old.name.startswith(f"vectors-{generation}."):
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, index_dir: Path, generation: str) -> VectorIndex | None:
        path = cls.file_for(index_dir, generation)
        ids_path = path.with_suffix(".ids.npy")
        if not (path.is_file() and ids_path.is_file()):
            return None
        try:
            ids, matrix = np.load(ids_path), np.load(path, mmap_mode="r")
        except OSError:  # replaced by a newer generation between the check and the read
            return None
        hnsw = None
        hpath = path.with_suffix(".usearch")
        if hpath.is_file():
            from usearch.index import Index

            hnsw = Index.restore(str(hpath), view=True)
        return cls(ids, matrix, hnsw)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first."""
        if len(self.ids) == 0 or self.matrix.shape[1] != query.shape[0]:
            return []
        if self.hnsw is not None:
            matches = self.hnsw.search(query, limit)
            return [(int(k), float(1.0 - d)) for k, d in zip(matches.keys, matches.distances, strict=True)]
        scores = self.matrix @ query
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]
