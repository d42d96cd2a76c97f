"""The candidate pool of a walk: spans found along several routes, scored per file and ranked.

A file's score fuses what every route said about it (noisy-or): found by the
question's search, by a sub-question, along a graph edge, through an identifier
seen in evidence. Agreement between routes lifts a file; one weak route alone
does not. Spans are then ranked by their file's score, decayed within a file,
so the distinct-file order is the file order.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from walkrag.models.embedders import embed_query
from walkrag.retrieval.tokenize import code_tokens, query_tokens
from walkrag.walk.record import WalkEvidence

SPAN_DECAY = 0.6  # a file's second span is worth this much of its first


def evidence_from_hit(hit, step: int = 0, thread: int | None = None) -> WalkEvidence:
    return WalkEvidence(
        path=hit.path, start_line=hit.start_line, end_line=hit.end_line, score=float(hit.score),
        symbol=hit.symbol, why={}, text=hit.text, header=getattr(hit, "header", "") or "",
        kind=getattr(hit, "kind", "") or "", step=step, thread=thread,
    )


def evidence_from_row(row, step: int = 0, thread: int | None = None) -> WalkEvidence:
    return WalkEvidence(
        path=row["path"], start_line=row["start_line"], end_line=row["end_line"], score=0.0, symbol=row["symbol"],
        why={}, text=row["text"], header=row["header"], kind=row["kind"], step=step, thread=thread,
    )


def chunks_at(db, path: str, start: int, end: int, limit: int = 3) -> list:
    """The stored chunks overlapping ``path:start-end``, the one holding ``start`` first."""
    rows = db.execute(
        "SELECT * FROM chunks WHERE path=? AND start_line<=? AND end_line>=? ORDER BY start_line LIMIT ?",
        (path, end, start, limit + 1),
    ).fetchall()
    rows.sort(key=lambda r: (not (r["start_line"] <= start <= r["end_line"]), r["start_line"]))
    return rows[:limit]


def chunks_of_file(db, path: str, limit: int = 200) -> list:
    return db.execute("SELECT * FROM chunks WHERE path=? ORDER BY start_line LIMIT ?", (path, limit)).fetchall()


class Relevance:
    """How relevant a span is to the question: query-token coverage plus dense similarity, in 0..1."""

    def __init__(self, searcher, question: str):
        self.tokens = set(query_tokens(question))
        self.vectors = getattr(searcher, "vectors", None)
        self.qvec = None
        self._rows: dict[int, int] | None = None
        if self.vectors is not None and len(self.vectors):
            try:
                self.qvec = embed_query(searcher.embedder, question)
            except Exception:  # noqa: BLE001  (a dense failure leaves the lexical half)
                self.qvec = None
        self.store = searcher.store

    def _row_of(self, chunk_id: int) -> int | None:
        if self._rows is None:
            self._rows = {int(i): n for n, i in enumerate(self.vectors.ids)}
        return self._rows.get(int(chunk_id))

    def lexical(self, text: str) -> float:
        if not self.tokens:
            return 0.0
        return len(self.tokens & set(code_tokens(text))) / len(self.tokens)

    def dense(self, chunk_id: int | None) -> float:
        if self.qvec is None or chunk_id is None:
            return 0.0
        row = self._row_of(chunk_id)
        if row is None or self.vectors.matrix.shape[1] != self.qvec.shape[0]:
            return 0.0
        return max(0.0, float(np.dot(self.vectors.matrix[row], self.qvec)))

    def score(self, text: str, chunk_id: int | None = None, header: str = "") -> float:
        lex = self.lexical(f"{header}\n{text}")
        if self.qvec is None:
            return lex
        return 0.5 * lex + 0.5 * self.dense(chunk_id)


class Pool:
    """Spans and per-file evidence of relevance; see the module docstring."""

    def __init__(self):
        self.spans: dict[tuple[str, int, int], WalkEvidence] = {}
        self.span_score: dict[tuple[str, int, int], float] = {}
        self.file_parts: dict[str, dict[str, float]] = defaultdict(dict)
        self.pinned: list[str] = []

    def __contains__(self, key) -> bool:
        return key in self.spans or any(
            p == key[0] and s <= key[2] and key[1] <= e for (p, s, e) in self.spans
        )

    def overlapping(self, ev: WalkEvidence) -> WalkEvidence | None:
        for (p, s, e), other in self.spans.items():
            if p == ev.path and s <= ev.end_line and ev.start_line <= e:
                return other
        return None

    def add(self, ev: WalkEvidence, contribution: float, route: str, detail: dict, source: str = "") -> bool:
        """Add a span (or credit the span it overlaps); returns True when the span is new.

        A file counts each ``(route, source)`` once, at its best: ten weak spans found
        by one query do not add up to one strong one.
        """
        contribution = max(0.0, min(0.99, contribution))
        existing = self.overlapping(ev)
        target = existing or ev
        if existing is None:
            self.spans[ev.key] = ev
        key = target.key
        self.span_score[key] = max(self.span_score.get(key, 0.0), contribution)
        parts = self.file_parts[target.path]
        key = f"{route}:{source}"
        parts[key] = max(parts.get(key, 0.0), contribution)
        target.why.setdefault(route, detail if route not in target.why else target.why[route])
        return existing is None

    def file_scores(self) -> dict[str, float]:
        out = {}
        for path, parts in self.file_parts.items():
            miss = 1.0
            for c in parts.values():
                miss *= 1.0 - c
            out[path] = 1.0 - miss
        return out

    def file_order(self) -> list[str]:
        scores = self.file_scores()
        rest = sorted((p for p in scores if p not in self.pinned), key=lambda p: (-scores[p], p))
        return [p for p in self.pinned if p in scores] + rest

    def top_files(self, n: int) -> list[str]:
        return self.file_order()[:n]

    def ranked(self) -> list[WalkEvidence]:
        """Spans best first: by file score (monotone in the file order), then within the file."""
        scores = self.file_scores()
        order = self.file_order()
        shown: dict[str, float] = {}
        ceiling = 1.0
        for p in order:
            ceiling = min(ceiling, scores[p])
            shown[p] = ceiling
        pos = {p: i for i, p in enumerate(order)}
        by_file: dict[str, list[WalkEvidence]] = defaultdict(list)
        for ev in self.spans.values():
            by_file[ev.path].append(ev)
        items = []
        for path, spans in by_file.items():
            spans.sort(key=lambda e: (-self.span_score.get(e.key, 0.0), e.start_line))
            for j, ev in enumerate(spans):
                ev.score = round(shown[path] * SPAN_DECAY ** j, 6)
                items.append((-ev.score, pos[path], j, ev))
        items.sort(key=lambda t: t[:3])
        return [t[3] for t in items]
