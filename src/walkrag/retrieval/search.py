"""Hybrid search over an index: lexical (BM25) + dense, fused by reciprocal rank."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from walkrag.models.embedders import Embedder
from walkrag.retrieval.tokenize import query_tokens
from walkrag.store.lexical import LexicalIndex
from walkrag.store.sqlite import SQLiteStore
from walkrag.store.vectors import VectorIndex

RRF_K = 60


@dataclass(slots=True)
class Hit:
    """One search result: a cited span and why it ranked."""

    path: str
    start_line: int
    end_line: int
    score: float
    kind: str
    language: str
    symbol: str | None
    header: str
    text: str
    chunk_id: int
    why: dict = field(default_factory=dict)

    def as_dict(self, *, with_text: bool = True) -> dict:
        d = asdict(self)
        if not with_text:
            d.pop("text")
        return d


def rrf(ranked_lists: dict[str, list[tuple[int, float]]], weights: dict[str, float] | None = None):
    """Reciprocal rank fusion; returns {chunk id: (score, {retriever: {rank, score}})}."""
    fused: dict[int, list] = {}
    for name, ranked in ranked_lists.items():
        w = (weights or {}).get(name, 1.0)
        for rank, (cid, score) in enumerate(ranked, start=1):
            entry = fused.setdefault(cid, [0.0, {}])
            entry[0] += w / (RRF_K + rank)
            entry[1][name] = {"rank": rank, "score": round(score, 4)}
    return fused


class Searcher:
    """Holds the loaded indexes so that many queries run warm."""

    def __init__(self, store: SQLiteStore, embedder: Embedder):
        self.store = store
        self.embedder = embedder
        self.lexical = LexicalIndex(store.index_dir)
        generation = store.get_meta("vectors_generation")
        self.vectors = VectorIndex.load(store.index_dir, generation) if generation else None
        if self.vectors is None:
            ids, matrix = store.chunk_vectors(embedder.model_id)
            self.vectors = VectorIndex(ids, matrix)

    def search(self, query: str, k: int = 10, *, candidates: int = 100) -> list[Hit]:
        t0 = time.perf_counter()
        tokens = query_tokens(query)
        lists = {"lexical": self.lexical.search(tokens, candidates)}
        if len(self.vectors):
            qv = self.embedder.embed([query])[0]
            lists["dense"] = self.vectors.search(qv, candidates)
        fused = rrf(lists)
        order = sorted(fused.items(), key=lambda kv: (-kv[1][0], kv[0]))
        rows = self.store.chunks_by_id([cid for cid, _ in order[: k * 2]])
        hits: list[Hit] = []
        for cid, (score, why) in order:
            row = rows.get(cid)
            if row is None:  # deleted since the lexical index was written
                continue
            hits.append(
                Hit(
                    path=row["path"], start_line=row["start_line"], end_line=row["end_line"],
                    score=round(score, 6), kind=row["kind"], language=row["language"], symbol=row["symbol"],
                    header=row["header"], text=row["text"], chunk_id=cid, why=why,
                )
            )
            if len(hits) >= k:
                break
        self.last_ms = (time.perf_counter() - t0) * 1000
        return hits
