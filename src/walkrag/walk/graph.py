"""The walk without a model: search, then follow the code graph and the documents' cross-references.

1. Search the question; search each of its parts and each identifier it names.
2. From the best spans, follow code-graph edges (callees, callers, types, bases,
   documenting sections and documented symbols) and documentation links, and
   look up the identifiers the evidence itself names.
3. Score every candidate by its relevance to the question (query-token coverage
   and dense similarity), times the edge's weight, decayed by hop.
4. Stop when a hop brings no new file into the top ten (diminishing returns),
   when nothing new is found, or when the budget runs out.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from walkrag.codegraph.navigate import neighbours
from walkrag.walk.analysis import QuestionAnalysis
from walkrag.walk.pool import Pool, Relevance, chunks_at, chunks_of_file, evidence_from_hit, evidence_from_row
from walkrag.walk.record import Meter, Step, WalkEvidence, WalkRecord

SEED_K = 40
PART_K = 12
IDENT_K = 6
TOP_FILES = 10
FRONTIER = 8
PER_HIT = 6
HOP_DECAY = 0.7
PIN_WALK = 5  # the question's own best files keep their places at the top
MAIN_WEIGHT, PART_WEIGHT, IDENT_WEIGHT, EVIDENCE_IDENT_WEIGHT, LINK_WEIGHT = 0.9, 0.7, 0.6, 0.35, 0.3
GRAPH_WEIGHT = 0.5  # a callee of the best hit, as relevant as the best hits, ranks like search's fourth file
EDGE_MAX = 0.6  # the heaviest edge weight of codegraph.navigate.EDGE_WEIGHTS
_ROLE = re.compile(r":(?:[a-z]+:)?(?:setting|class|func|meth|attr|exc|data|mod|doc|ref):`~?([^`<]+?)(?:\s*<([^>]+)>)?`")
_CODE_NAME = re.compile(r"\b([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+|[A-Za-z_][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][a-z0-9]+"
                        r"(?:[A-Z][a-z0-9]+)+)\b")
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_DOC_LANGS = {"markdown", "rst", "asciidoc", "text"}

OnStep = Callable[[Step], None]


def rank_prior(rank: int, weight: float) -> float:
    """What a route's ``rank``-th distinct file (0-based) contributes to that file's score."""
    return weight / (1.0 + rank / 4.0)


def _file_ranks(hits) -> dict[str, int]:
    return {p: i for i, p in enumerate(dict.fromkeys(h.path for h in hits))}


class GraphWalk:
    """One LLM-free walk over an :class:`~walkrag.index.Index`."""

    def __init__(self, index, question: str, analysis: QuestionAnalysis, record: WalkRecord, meter: Meter,
                 on_step: OnStep | None = None):
        self.index = index
        self.db = index.store.db
        self.question = question
        self.analysis = analysis
        self.record = record
        self.meter = meter
        self.on_step = on_step
        self.pool = Pool()
        self.relevance = Relevance(index.searcher(), question)
        self.rel_ref = 0.0
        self.expanded: set[tuple[str, int, int]] = set()
        self.looked_up: set[str] = set()

    # -- steps ------------------------------------------------------------------------------------------
    def _step(self, action: str) -> Step:
        self.meter.steps += 1
        step = Step(n=self.meter.steps, action=action)
        self.record.steps.append(step)
        return step

    def _finish(self, step: Step, started: float, decision: str) -> None:
        step.ms = round((time.perf_counter() - started) * 1000, 1)
        step.decision = decision
        self.record.decide(f"step {step.n}: {decision}")
        if self.on_step:
            self.on_step(step)

    def _search_route(self, step: Step, query: str, k: int, weight: float, route: str) -> None:
        hits = self.index.search(query, k)
        step.queries.append(query)
        ranks = _file_ranks(hits)
        for hit in hits:
            ev = evidence_from_hit(hit, step.n)
            c = rank_prior(ranks[hit.path], weight)
            if self.pool.add(ev, c, route, {"query": query, "file_rank": ranks[hit.path] + 1}, query):
                step.found.append(ev.ref)
            else:
                step.seen_again += 1

    def seed(self) -> None:
        t = time.perf_counter()
        step = self._step("search")
        hits = self.index.search(self.question, SEED_K)
        step.queries.append(self.question)
        ranks = _file_ranks(hits)
        for hit in hits:
            ev = evidence_from_hit(hit, step.n)
            self.pool.add(ev, rank_prior(ranks[hit.path], MAIN_WEIGHT), "search",
                          {"file_rank": ranks[hit.path] + 1, "retrievers": hit.why})
            step.found.append(ev.ref)
        pin = TOP_FILES if not self.analysis.needs_walk else PIN_WALK
        self.pool.pinned = list(ranks)[:pin]
        top = [self.pool.spans[k] for k in list(self.pool.spans)[:5]]
        rels = [self._rel(e) for e in top]
        self.rel_ref = max(sum(rels) / len(rels), 1e-3) if rels else 1e-3
        self._finish(step, t, f"searched the question: {len(ranks)} files; the top {len(self.pool.pinned)} stay first")

    def decompose(self) -> None:
        parts = [p for p in self.analysis.parts if p.strip().lower() != self.question.strip().lower()]
        idents = [i for i in [*self.analysis.identifiers, *self.analysis.entities] if len(i) > 2][:4]
        if not parts and not idents:
            return
        t = time.perf_counter()
        step = self._step("decompose")
        for part in parts[:4]:
            self._search_route(step, part, PART_K, PART_WEIGHT, "part")
        for ident in idents:
            self.looked_up.add(ident.lower())
            self._search_route(step, ident, IDENT_K, IDENT_WEIGHT, "identifier")
            self._constant_route(step, ident, IDENT_WEIGHT)
        self._finish(step, t, f"searched {len(parts[:4])} part(s) and {len(idents)} name(s): "
                              f"{len(step.found)} new span(s)")

    def hop(self, hop: int) -> bool:
        """Expand from the current best spans; False when the hop changed nothing in the top files."""
        t = time.perf_counter()
        step = self._step("expand")
        before = self.pool.top_files(TOP_FILES)
        frontier = [e for e in self.pool.ranked() if e.key not in self.expanded][:FRONTIER]
        for e in frontier:
            self.expanded.add(e.key)
        if not frontier:
            self._finish(step, t, "nothing left to expand")
            return False
        decay = HOP_DECAY ** (hop - 1)
        self._follow_graph(step, frontier, decay)
        self._follow_doc_links(step, frontier, decay)
        self._follow_evidence_names(step, frontier, decay)
        after = self.pool.top_files(TOP_FILES)
        entered = [p for p in after if p not in before]
        step.covered = []
        if not step.found:
            self._finish(step, t, "no new evidence: stop")
            return False
        if not entered:
            self._finish(step, t, f"{len(step.found)} new span(s), none in the top {TOP_FILES} files: "
                                  "diminishing returns, stop")
            return False
        self._finish(step, t, f"{len(step.found)} new span(s); {len(entered)} file(s) entered the top {TOP_FILES}: "
                              + ", ".join(entered))
        return True

    # -- routes -----------------------------------------------------------------------------------------
    def _rel(self, ev: WalkEvidence, chunk_id: int | None = None) -> float:
        return self.relevance.score(ev.text, chunk_id, ev.header)

    def _gate(self, rel: float) -> float:
        """A candidate as relevant as the question's best hits keeps its route's worth; less, much less."""
        return min(1.0, rel / self.rel_ref) ** 2

    def _add_row(self, step: Step, row, contribution: float, route: str, detail: dict) -> None:
        ev = evidence_from_row(row, step.n)
        rel = self._rel(ev, int(row["id"]))
        detail = {**detail, "relevance": round(rel, 4)}
        if self.pool.add(ev, contribution * self._gate(rel), route, detail):
            step.found.append(ev.ref)
        else:
            step.seen_again += 1

    def _follow_graph(self, step: Step, frontier: list[WalkEvidence], decay: float) -> None:
        for n in neighbours(self.db, frontier, per_hit=PER_HIT, limit=40):
            rows = chunks_at(self.db, n.path, n.start_line, n.end_line, limit=1)
            if not rows:
                continue
            source = frontier[n.hit] if n.hit is not None and n.hit < len(frontier) else None
            parent = self.pool.span_score.get(source.key, 0.5) if source else 0.5
            # The weight is the edge's, discounted by frontier rank: undo the discount, the parent's worth counts.
            edge = n.weight * (1 + (n.hit or 0)) / EDGE_MAX
            self._add_row(step, rows[0], GRAPH_WEIGHT * min(1.0, edge) * parent * decay, "graph",
                          {"edge": n.edge, "via": n.via, "from": source.ref if source else None,
                           "symbol": n.symbol})

    def _follow_doc_links(self, step: Step, frontier: list[WalkEvidence], decay: float) -> None:
        for e in frontier:
            lang = self.db.execute("SELECT language FROM files WHERE path=?", (e.path,)).fetchone()
            if not lang or lang[0] not in _DOC_LANGS:
                continue
            links = self.db.execute(
                "SELECT dst, weight FROM file_edges WHERE src=? AND kind IN ('doc', 'ref') AND dst != ? "
                "ORDER BY weight DESC LIMIT 12", (e.path, e.path)).fetchall()
            for dst, _w in links:
                row = self._best_chunk(dst)
                if row is not None:
                    parent = self.pool.span_score.get(e.key, 0.5)
                    self._add_row(step, row, LINK_WEIGHT * parent * decay, "doc_link", {"from": e.ref})

    def _best_chunk(self, path: str):
        rows = chunks_of_file(self.db, path)
        if not rows:
            return None
        return max(rows, key=lambda r: self.relevance.lexical(f"{r['header']}\n{r['text']}"))

    def _follow_evidence_names(self, step: Step, frontier: list[WalkEvidence], decay: float) -> None:
        """Names the evidence uses that the question also touches: look each up and search for it."""
        counts: dict[str, int] = {}
        for e in frontier[:5]:
            for name in names_in(e.text):
                counts[name] = counts.get(name, 0) + 1
        qtoks = self.relevance.tokens
        scored = []
        for name, c in counts.items():
            if name.lower() in self.looked_up:
                continue
            parts = set(re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()))
            overlap = len(parts & qtoks) / max(1, len(parts))
            if overlap >= 0.5 or (c >= 2 and overlap > 0):
                scored.append((overlap + 0.1 * c, name))
        for score, name in sorted(scored, reverse=True)[:4]:
            self.looked_up.add(name.lower())
            self._constant_route(step, name, EVIDENCE_IDENT_WEIGHT * min(1.0, score) * decay)
            step.queries.append(name)
            hits = self.index.search(name, IDENT_K)
            ranks = _file_ranks(hits)
            for hit in hits[:IDENT_K]:
                ev = evidence_from_hit(hit, step.n)
                rel = self._rel(ev, hit.chunk_id)
                c = rank_prior(ranks[hit.path], EVIDENCE_IDENT_WEIGHT) * self._gate(rel) * decay
                if self.pool.add(ev, c, "evidence_name", {"name": name, "relevance": round(rel, 4)}, name):
                    step.found.append(ev.ref)
                else:
                    step.seen_again += 1


    def _constant_route(self, step: Step, name: str, weight: float) -> None:
        """Where a CONSTANT_NAME is assigned: module-level constants are not in the symbol graph."""
        if not _CONSTANT.fullmatch(name):
            return
        step.queries.append(f"definition of {name}")
        rows = self.db.execute(
            "SELECT * FROM chunks WHERE (text GLOB ? OR text GLOB ?) AND language NOT IN "
            "('markdown', 'rst', 'asciidoc', 'text') LIMIT 4", (f"{name} = *", f"*\n{name} = *"),
        ).fetchall()
        for rank, row in enumerate(rows):
            ev = evidence_from_row(row, step.n)
            if self.pool.add(ev, rank_prior(rank, weight), "definition", {"name": name}, name):
                step.found.append(ev.ref)


def names_in(text: str) -> list[str]:
    """Code names and cross-reference targets a span mentions (``:setting:`X```, ``snake_case``, ``CamelCase``)."""
    out = []
    for m in _ROLE.finditer(text):
        target = (m.group(2) or m.group(1)).strip().lstrip("~")
        out.append(target.split(".")[-1])
    out += [m.group(1) for m in _CODE_NAME.finditer(text)]
    return [n for n in dict.fromkeys(out) if 3 < len(n) < 60]


def graph_walk(index, question: str, analysis: QuestionAnalysis, record: WalkRecord, meter: Meter,
               on_step: OnStep | None = None) -> list[WalkEvidence]:
    """Run the LLM-free walk; return the evidence, best first. The record is filled in as it goes."""
    walk = GraphWalk(index, question, analysis, record, meter, on_step)
    walk.seed()
    if analysis.needs_walk and not meter.exhausted():
        walk.decompose()
    hop = 0
    while True:
        reason = meter.exhausted()
        if reason:
            record.stop_reason = reason
            break
        hop += 1
        if not walk.hop(hop):
            record.stop_reason = record.steps[-1].decision
            break
    return walk.pool.ranked()
