"""Hybrid search: lexical (BM25), dense, symbol and path retrievers, fused and ranked.

Every result says why it ranked: the retrievers that found it with their ranks
and scores, and the boosts the ranking stack applied.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from functools import cached_property

from walkrag.models.embedders import Embedder, embed_query
from walkrag.models.rerankers import Reranker, RerankerError
from walkrag.retrieval.abbrev import Abbreviations
from walkrag.retrieval.fileviews import FileDense, file_vectors_path
from walkrag.retrieval.paths import PathIndex
from walkrag.retrieval.priors import FilePriors
from walkrag.retrieval.query import QueryAnalysis, analyze
from walkrag.retrieval.ranking import (
    diversify,
    file_fusion_weight,
    fuse_files,
    merge_overlaps,
    rank_hits,
    relative_top,
)
from walkrag.store.lexical import LexicalIndex, LexicalStale
from walkrag.store.sqlite import SQLiteStore
from walkrag.store.vectors import VectorIndex

RRF_K = 60
# Weight of a codebase's abbreviation of a query word (config for configuration) in BM25.
ABBREV_WEIGHT = 0.5
ALL_RETRIEVERS = ("lexical", "dense", "symbol", "path", "file_dense", "file_lexical")
# Files scored as a whole (file_dense, file_lexical): the first this many count, relative to the next one.
FILE_TOP = 10
# How many files whole-file BM25 ranks for the file-level fusion.
FILE_FUSION_DEPTH = 50


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Which retrievers run and whether the ranking stack reorders their fused list."""

    retrievers: tuple[str, ...] = ALL_RETRIEVERS
    rank: bool = True
    expand: bool = False
    rerank: bool = True  # applies only when a reranker is configured
    candidates: int = 200


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

    def as_result(self) -> dict:
        """The JSON shape of a search result: CLI ``--json``, ``--batch`` files and the HTTP API."""
        return {
            "path": self.path, "start_line": self.start_line, "end_line": self.end_line, "score": self.score,
            "symbol": self.symbol, "kind": self.kind, "header": self.header, "why": self.why,
        }

    def as_dict(self, *, with_text: bool = True) -> dict:
        d = asdict(self)
        if not with_text:
            d.pop("text")
        return d


def rrf(ranked_lists: dict[str, list[tuple[int, float]]], weights: dict[str, float]) -> dict[int, list]:
    """Weighted reciprocal rank fusion: {chunk id: [score, {retriever: {rank, score}}]}."""
    fused: dict[int, list] = {}
    for name, ranked in ranked_lists.items():
        w = weights.get(name, 1.0)
        for rank, (cid, score) in enumerate(ranked, start=1):
            entry = fused.setdefault(cid, [0.0, {}])
            entry[0] += w / (RRF_K + rank)
            entry[1][name] = {"rank": rank, "score": round(score, 4)}
    return fused


def retriever_weights(q: QueryAnalysis) -> dict[str, float]:
    """Identifier queries trust names; questions trust meaning."""
    if q.kind == "identifier":
        return {"lexical": 1.0, "dense": 0.4, "symbol": 1.5, "path": 0.5}
    if q.kind == "mixed":
        return {"lexical": 1.0, "dense": 0.8, "symbol": 0.5, "path": 0.5}
    return {"lexical": 1.0, "dense": 1.0, "symbol": 0.3, "path": 0.5}


def generation_has_files(store: SQLiteStore, file_embedder: Embedder) -> bool:
    generation = store.get_meta("vectors_generation")
    return bool(
        generation
        and store.get_meta("file_embedder") == file_embedder.model_id
        and file_vectors_path(store.index_dir, generation).is_file()
    )


log = logging.getLogger("walkrag.search")


class Searcher:
    """Holds the loaded indexes so that many queries run warm."""

    def __init__(
        self,
        store: SQLiteStore,
        embedder: Embedder,
        file_embedder: Embedder | None = None,
        reranker: Reranker | None = None,
        rerank_top: int = 30,
    ):
        self.store = store
        self.embedder = embedder
        self.reranker = reranker
        self.rerank_top = rerank_top
        self.file_dense = None
        if file_embedder is not None and generation_has_files(store, file_embedder):
            try:
                self.file_dense = FileDense(store.index_dir, store.get_meta("vectors_generation"), file_embedder)
            except OSError:  # an index run replaced that generation just now: search without it
                self.file_dense = None
        try:
            self.lexical: LexicalIndex | None = LexicalIndex(store.index_dir, writable=False)
        except LexicalStale as exc:
            log.warning("%s; searching without it", exc)
            self.lexical = None
        generation = store.get_meta("vectors_generation")
        self.vectors = VectorIndex.load(store.index_dir, generation) if generation else None
        if self.vectors is None:
            ids, matrix = store.chunk_vectors(embedder.model_id)
            self.vectors = VectorIndex(ids, matrix)
        files = store.db.execute("SELECT path, format FROM files ORDER BY path").fetchall()
        self.priors = FilePriors.from_store(store, files)
        self.paths = PathIndex([path for path, _ in files])

    @cached_property
    def abbreviations(self) -> Abbreviations:
        """Built on the first question (a few hundred ms on a large index), not on open."""
        return Abbreviations.from_store(self.store)

    # -- retrievers -------------------------------------------------------------
    def _retrieve(self, q: QueryAnalysis, opts: SearchOptions) -> dict[str, list[tuple[int, float]]]:
        lists: dict[str, list[tuple[int, float]]] = {}
        if "lexical" in opts.retrievers and self.lexical is not None:
            extra = [f"{v}^{ABBREV_WEIGHT}" for words in q.abbreviations.values() for v in words]
            lists["lexical"] = self.lexical.search(q.tokens + extra, opts.candidates)
        if "dense" in opts.retrievers and len(self.vectors):
            lists["dense"] = self.vectors.search(embed_query(self.embedder, q.text), opts.candidates)
        if "symbol" in opts.retrievers:
            from walkrag.retrieval.symbols import symbol_candidates

            lists["symbol"] = symbol_candidates(self.store, q, limit=50)
        return lists

    def _rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """Reorder the first ``rerank_top`` hits by the reranker; on failure keep the order and say so."""
        head, tail = hits[: self.rerank_top], hits[self.rerank_top :]
        try:
            scores = self.reranker.score(query, [f"{h.header}\n{h.text[:2000]}" for h in head])
        except RerankerError as exc:
            log.warning("%s; results keep their ranking-stack order", exc)
            return hits
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))
        top = head[order[0]].score if head else 0.0
        for new_rank, i in enumerate(order, start=1):
            head[i].why["rerank"] = {"rank": new_rank, "score": round(scores[i], 4), "was": i + 1}
            # Scores stay monotone with the new order and above the tail.
            head[i].score = top + len(order) - new_rank
        return [head[i] for i in order] + tail

    # -- ranking ---------------------------------------------------------------
    def search(self, query: str, k: int = 10, *, options: SearchOptions | None = None) -> list[Hit]:
        opts = options or SearchOptions()
        q = analyze(query)
        if not q.is_identifier:
            q.abbreviations = self.abbreviations.expand(q.tokens)
        lists = self._retrieve(q, opts)
        fused = rrf(lists, retriever_weights(q) if opts.rank else {})
        if not fused:
            return []
        rows = self.store.chunk_rows(fused)
        hits: list[Hit] = []
        for cid, (score, why) in fused.items():
            row = rows.get(cid)
            if row is None:  # deleted since the lexical index was written
                continue
            hits.append(
                Hit(
                    path=row["path"], start_line=row["start_line"], end_line=row["end_line"], score=score,
                    kind=row["kind"], language=row["language"], symbol=row["symbol"], header=row["header"],
                    text="", chunk_id=cid, why=why,
                )
            )
        if opts.rank:
            path_scores = self.paths.search(q.tokens, q.abbreviations) if "path" in opts.retrievers else {}
            file_scores, file_lexical, whole_files = {}, {}, []
            if "file_dense" in opts.retrievers and self.file_dense is not None:
                file_scores = self.file_dense.search(q.text, FILE_TOP)
            if "file_lexical" in opts.retrievers and self.lexical is not None:
                whole_files = self.lexical.search_files(q.tokens, FILE_FUSION_DEPTH)
                file_lexical = relative_top(whole_files[: FILE_TOP + 1], FILE_TOP, unlisted=0.0)
            hits = rank_hits(hits, q, path_scores, file_scores, self.priors, file_lexical)
            weight = file_fusion_weight(q)
            if weight and whole_files:
                ranking = [p for p, _ in whole_files]
                held_back = {p for p in ranking if self.priors.factors(p, q)}
                hits = fuse_files(hits, ranking, weight, held_back=held_back)
            hits = diversify(hits)
        else:
            hits.sort(key=lambda h: (-h.score, h.path, h.start_line))
        # Text is read only for what can still make the cut; then touching spans merge.
        hits = hits[: k * 3 + 10]
        texts = self.store.chunk_texts(h.chunk_id for h in hits)
        for h in hits:
            h.text = texts.get(h.chunk_id, "")
        if opts.rank:
            hits = merge_overlaps(hits)
            if opts.rerank and self.reranker is not None:
                hits = diversify(self._rerank(q.text, hits))
        if opts.expand:
            from walkrag.retrieval.expand import expand

            hits = expand(hits, self.store, Hit)
        for h in hits:
            h.score = round(h.score, 6)
        return hits[:k]
