"""Retrieval metrics over ranked results, file-level as the semble benchmark defines them.

Ranked spans are deduplicated to files, each file kept at the rank of its first
occurrence. Gold files are the distinct gold paths, all with binary relevance.
A file matches a gold path when one equals the other or ends with ``/`` plus the
other (semble's rule); each gold path is matched at most once, by the first file
that matches it.

- ``recall@k``: the share of gold files among the first k distinct files.
- ``full@k``: 1 when every gold file is among the first k distinct files, else 0.
- ``ndcg@10``: DCG of the matched ranks (1/log2(r+1)) over the ideal DCG of
  min(10, number of gold files) matches.
- ``mrr``: 1 / the rank of the first matching file (0 when none is retrieved).
- ``span_hit@k``: 1 when one of the first k spans (not files) overlaps a gold line
  range, or carries a gold symbol in a gold file; ``None`` when no gold entry has
  lines or a symbol.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

CURVE_KS = (1, 3, 5, 10, 20)
HEADLINE = ("recall@10", "full@10", "ndcg@10", "mrr")


class SpanLike(Protocol):
    path: str
    start_line: int
    end_line: int


def distinct_files(paths: Iterable[str]) -> list[str]:
    """Paths in order of first occurrence."""
    return list(dict.fromkeys(paths))


def path_matches(found: str, target: str) -> bool:
    return found == target or found.endswith("/" + target) or target.endswith("/" + found)


def target_ranks(files: Sequence[str], targets: Sequence[str]) -> dict[str, int]:
    """{gold path: 1-based file rank} for every gold path matched in ``files`` (distinct, ranked)."""
    targets = list(dict.fromkeys(targets))
    ranks: dict[str, int] = {}
    for rank, f in enumerate(files, start=1):
        for t in targets:
            if t not in ranks and path_matches(f, t):
                ranks[t] = rank
                break
    return ranks


def recall_at_k(files: Sequence[str], targets: Sequence[str], k: int) -> float:
    targets = list(dict.fromkeys(targets))
    if not targets:
        return 0.0
    ranks = target_ranks(distinct_files(files), targets)
    return sum(1 for r in ranks.values() if r <= k) / len(targets)


def full_at_k(files: Sequence[str], targets: Sequence[str], k: int) -> float:
    return 1.0 if targets and recall_at_k(files, targets, k) == 1.0 else 0.0


def ndcg_at_k(files: Sequence[str], targets: Sequence[str], k: int = 10) -> float:
    targets = list(dict.fromkeys(targets))
    if not targets:
        return 0.0
    ranks = target_ranks(distinct_files(files)[:k], targets)
    dcg = sum(1.0 / math.log2(r + 1) for r in ranks.values())
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, len(targets)) + 1))
    return dcg / ideal


def reciprocal_rank(files: Sequence[str], targets: Sequence[str]) -> float:
    ranks = target_ranks(distinct_files(files), targets)
    return 1.0 / min(ranks.values()) if ranks else 0.0


def _overlaps(hit: SpanLike, path: str, lines: tuple[int, int]) -> bool:
    return path_matches(hit.path, path) and hit.start_line <= lines[1] and lines[0] <= hit.end_line


def _symbol_match(found: str | None, wanted: str) -> bool:
    if not found:
        return False
    return found == wanted or found.endswith("." + wanted) or wanted.endswith("." + found)


def span_hit_at_k(hits: Sequence[SpanLike], gold: Sequence, k: int) -> float | None:
    """1/0 whether one of the first ``k`` spans hits a gold span; ``None`` without span-level gold."""
    spans = [g for g in gold if g.lines or g.symbol]
    if not spans:
        return None
    for hit in hits[:k]:
        for g in spans:
            if g.lines and _overlaps(hit, g.path, tuple(g.lines)):
                return 1.0
            if not g.lines and path_matches(hit.path, g.path) and _symbol_match(getattr(hit, "symbol", None), g.symbol):
                return 1.0
    return 0.0


def metric_names(k: int) -> list[str]:
    """Every metric a search-mode run reports, headline metrics first."""
    ks = sorted({*CURVE_KS, k})
    names = [*HEADLINE]
    names += [f"recall@{n}" for n in ks if f"recall@{n}" not in names]
    names += [f"full@{n}" for n in ks if f"full@{n}" not in names]
    names.append(f"span_hit@{k}")
    return names


def retrieval_metrics(hits: Sequence[SpanLike], gold: Sequence, k: int = 10) -> dict[str, float | None]:
    """All retrieval metrics of one question: ``hits`` ranked best first, ``gold`` with ``path``/``lines``."""
    files = distinct_files(h.path for h in hits)
    targets = list(dict.fromkeys(g.path for g in gold))
    ranks = target_ranks(files, targets)
    out: dict[str, float | None] = {}
    for n in sorted({*CURVE_KS, k}):
        found = sum(1 for r in ranks.values() if r <= n)
        out[f"recall@{n}"] = found / len(targets) if targets else 0.0
        out[f"full@{n}"] = 1.0 if targets and found == len(targets) else 0.0
    out["ndcg@10"] = ndcg_at_k(files, targets, 10)
    out["mrr"] = 1.0 / min(ranks.values()) if ranks else 0.0
    out[f"span_hit@{k}"] = span_hit_at_k(hits, gold, k)
    return out


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not ``None``; ``None`` when there are none."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    if not values:
        return 0.0
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))]
