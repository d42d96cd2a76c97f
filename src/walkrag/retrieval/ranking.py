"""The ranking stack applied to fused candidates.

Boosts that hold for any codebase: a chunk that *defines* what the query names
beats one that mentions it (and a code file named after an identifier query is
its module); a file with several good chunks beats a file with one; file and
folder names that match the query lift the file, and so do file-level retrievers
(a MiniLM view of the file, BM25 over its whole text); tests, examples, older
copies and glue files yield to the implementation unless the query asks for them
(see ``priors``). For a question, the resulting file order is then fused with the
whole-file BM25 order (:func:`fuse_files`).
Overlapping spans of one file are merged, and no file crowds the others out of
the first results.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import lru_cache

from walkrag.retrieval.paths import light_stem
from walkrag.retrieval.priors import FACTOR_REASONS, FilePriors
from walkrag.retrieval.query import QueryAnalysis
from walkrag.retrieval.tokenize import split_identifier

# How much a file's other good chunks and its name lift each of its chunks.
SIBLING_WEIGHTS = (0.1, 0.05, 0.025)
PATH_WEIGHT = 0.3
FILE_DENSE_WEIGHT = 0.6
# Whole-file BM25: the file's text as a whole is about the query's words.
FILE_LEXICAL_WEIGHT = 0.12
DEFINITION_EXACT = 1.0
DEFINITION_PARTIAL = 0.25
# A file named after what an identifier query names (``application`` -> application.js,
# ``distill`` -> distillation.py) is that name's module: as good as a definition. Prose files
# named so (docs/signals.txt) are about it, and get no such lift.
MODULE_NAME = DEFINITION_EXACT
# Chunks of one file shown before every other candidate file has had its turn.
PER_FILE = 2

_SYMBOL_SEP = re.compile(r"\.|::|#| > ")


@lru_cache(maxsize=65536)
def _name_parts(symbol: str) -> tuple[str, frozenset[str], tuple[str, ...]]:
    """A symbol's own name (its last part), normalised; the words it is made of; their roots."""
    parts = split_identifier(_SYMBOL_SEP.split(symbol)[-1])
    return "".join(parts), frozenset(parts), tuple(light_stem(p) for p in parts)


@lru_cache(maxsize=65536)
def _stem_roots(name: str) -> tuple[str, ...]:
    return tuple(light_stem(p) for p in split_identifier(_SYMBOL_SEP.split(name)[-1]))


def definition_boost(symbol: str | None, q: QueryAnalysis, roots: frozenset[str]) -> float:
    """How well the chunk's own symbol matches what the query names (``roots``: the query words' roots)."""
    if not symbol:
        return 0.0
    norm, parts, part_roots = _name_parts(symbol)
    if q.identifiers:
        for ident in q.identifiers:
            target = _name_parts(ident)[0]
            if target and norm == target:
                return DEFINITION_EXACT if q.is_identifier else DEFINITION_EXACT / 2
        if q.is_identifier:
            want = _name_parts(q.identifiers[0])[1]
            if want and want <= parts:
                return DEFINITION_PARTIAL
        return 0.0
    if not parts:
        return 0.0
    # A question's words cover a name's words up to their kin: "parsed" covers Parser.
    covered = sum(1 for root in part_roots if root in roots) / len(part_roots)
    return DEFINITION_PARTIAL * covered if covered >= 0.5 else 0.0


def rank_hits(
    hits: list,
    q: QueryAnalysis,
    path_scores: dict[str, float],
    file_scores: dict[str, float] | None = None,
    priors: FilePriors | None = None,
    file_lexical: dict[str, float] | None = None,
) -> list:
    """Reorder fused hits in place of their RRF order; record each boost in ``hit.why``."""
    if not hits:
        return hits
    top = max(h.score for h in hits) or 1.0
    roots = frozenset(light_stem(t) for t in q.tokens)
    by_file: dict[str, list] = defaultdict(list)
    module = _stem_roots(q.identifiers[0]) if q.is_identifier else None
    for h in hits:
        h.score = h.score / top
        boost = definition_boost(h.symbol, q, roots)
        if boost:
            h.why["definition"] = round(boost, 3)
            h.score += boost
        by_file[h.path].append(h)
    for path, group in by_file.items():
        group.sort(key=lambda h: -h.score)
        siblings = sum(w * h.score for w, h in zip(SIBLING_WEIGHTS, group[1:], strict=False))
        name = PATH_WEIGHT * path_scores.get(path, 0.0)
        about = FILE_DENSE_WEIGHT * (file_scores or {}).get(path, 0.0)
        whole = FILE_LEXICAL_WEIGHT * (file_lexical or {}).get(path, 0.0)
        named = 0.0
        if module and not (priors and path in priors.prose):
            named = MODULE_NAME if _stem_roots(path.rsplit("/", 1)[-1].split(".", 1)[0]) == module else 0.0
        penalties = priors.factors(path, q) if priors else {}
        factor = math.prod(penalties.values())
        for h in group:
            if siblings:
                h.why["file_chunks"] = round(siblings, 3)
            if name:
                h.why["path"] = round(name, 3)
            if about:
                h.why["file_dense"] = round(about, 3)
            if whole:
                h.why["file_lexical"] = round(whole, 3)
            if named:
                h.why["module"] = named
            h.why.update(penalties)
            h.score = (h.score + siblings + name + about + whole + named) * factor
    hits.sort(key=lambda h: (-h.score, h.path, h.start_line))
    return hits


def relative_top(ranked: list[tuple[str, float]], top: int, unlisted: float | None = None) -> dict[str, float]:
    """File-level scores: the first ``top`` of a best-first list, 0..1 between the best and the one just below.

    Only how far a file stands above the crowd counts, not the scale of the score. When the list
    is that short, ``unlisted`` is the score of the files it leaves out (0 for BM25: no word matched).
    """
    if not ranked:
        return {}
    if len(ranked) > top or unlisted is None:
        floor = ranked[min(len(ranked) - 1, top)][1]
    else:
        floor = unlisted
    best = ranked[0][1]
    span = max(best - floor, 1e-6)
    return {key: max(0.0, (score - floor) / span) for key, score in ranked[:top]}


# File-level fusion: the files in the order of their best chunk, and the files in the order of
# whole-file BM25, fused by reciprocal rank. A small k keeps the ranking's first files ahead of
# files that only whole-file BM25 puts first. An identifier query names a definition, and the
# chunk that defines it decides; a question is often answered by a file as a whole (a guide
# page, a module), whose words are spread over more chunks than any one of them holds.
FILE_FUSION_K = 10
FILE_FUSION_WEIGHT = 0.3


def file_fusion_weight(q: QueryAnalysis) -> float:
    return 0.0 if q.is_identifier else FILE_FUSION_WEIGHT


def fuse_files(
    hits: list, file_ranking: list[str], weight: float, k: float = FILE_FUSION_K, held_back: set[str] | None = None
) -> list:
    """Reorder ranked ``hits`` by fusing their file order with ``file_ranking`` (best first).

    A chunk's score becomes its file's fused score times its share of its file's best
    chunk score, so files move as wholes and a file's chunks keep their order. Files in
    ``held_back`` (those the priors make yield: tests, older copies, release notes) keep
    their place in ``file_ranking`` but take nothing from it: their text repeats the words
    of the code they sit next to, and whole-file BM25 rewards exactly that.
    """
    if not hits or not weight or not file_ranking:
        return hits
    best: dict[str, float] = {}
    for h in hits:
        best.setdefault(h.path, h.score)
    ranks = {path: {"ranking": rank} for rank, path in enumerate(best, start=1)}
    fused = {path: 1.0 / (k + rank) for rank, path in enumerate(best, start=1)}
    for rank, path in enumerate(file_ranking, start=1):
        if path in fused and not (held_back and path in held_back):
            fused[path] += weight / (k + rank)
            ranks[path]["whole_file_bm25"] = rank
    for h in hits:
        share = h.score / best[h.path] if best[h.path] > 0 else 1.0
        h.why["file_rank"] = ranks[h.path]
        h.score = fused[h.path] * share
    hits.sort(key=lambda h: (-h.score, h.path, h.start_line))
    return hits


def why_text(why: dict) -> str:
    """A hit's ``why`` in one line: ``lexical#3, path +0.3, file_rank ranking#2/whole_file_bm25#1,
    secondary_path x0.5`` (ranking factors multiply; boosts add)."""
    parts = []
    for name, value in why.items():
        if isinstance(value, dict) and "rank" in value:
            parts.append(f"{name}#{value['rank']}")
        elif isinstance(value, dict):  # file_rank: the file's place in each file-level ranking
            parts.append(f"{name} " + "/".join(f"{k}#{v}" for k, v in value.items()))
        elif isinstance(value, int | float | str):
            parts.append(f"{name} {'x' if name in FACTOR_REASONS else '+'}{value}")
        else:  # lists (merged chunk ids, ...)
            parts.append(name)
    return ", ".join(parts)


def merge_overlaps(hits: list) -> list:
    """Fold a hit into a better-ranked hit of the same file whose span it overlaps or touches."""
    kept: list = []
    spans: dict[str, list] = defaultdict(list)
    for h in hits:
        target = next((k for k in spans[h.path] if h.start_line <= k.end_line + 1 and k.start_line <= h.end_line + 1), None)
        if target is None:
            spans[h.path].append(h)
            kept.append(h)
            continue
        if h.start_line < target.start_line or h.end_line > target.end_line:
            lines = dict(enumerate(target.text.split("\n"), target.start_line))
            lines.update(enumerate(h.text.split("\n"), h.start_line))
            target.start_line = min(target.start_line, h.start_line)
            target.end_line = max(target.end_line, h.end_line)
            target.text = "\n".join(lines[i] for i in range(target.start_line, target.end_line + 1))
            target.why.setdefault("merged", []).append(h.chunk_id)
    return kept


def diversify(hits: list, per_file: int = PER_FILE) -> list:
    """Keep each file's best ``per_file`` chunks in place; its further chunks follow all of those.

    A question's answer usually spans several files, and ten chunks of one file hide
    the others. Scores stay non-increasing down the list: a moved chunk's score is
    capped at the one before it, and ``why["crowded"]`` keeps its own.
    """
    seen: dict[str, int] = defaultdict(int)
    head, tail = [], []
    for h in hits:
        seen[h.path] += 1
        (head if seen[h.path] <= per_file else tail).append(h)
    out = head + tail
    for before, h in zip(out, out[1:], strict=False):
        if h.score > before.score:
            h.why["crowded"] = round(h.score, 6)
            h.score = before.score
    return out
