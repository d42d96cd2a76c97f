"""Context assembly: the best spans, adjacent ones merged, numbered, within a token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from walkrag.models.llm import count_tokens


@dataclass(slots=True)
class Evidence:
    """One numbered span shown to the model. ``text`` is exactly lines ``start_line..end_line``."""

    n: int
    path: str
    start_line: int
    end_line: int
    text: str
    header: str = ""
    score: float = 0.0

    @property
    def ref(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def as_dict(self) -> dict:
        return {**asdict(self), "ref": self.ref}


def _merge_into(base: Evidence, other: Evidence) -> None:
    """Extend ``base`` by an overlapping or adjacent span of the same file."""
    lines = base.text.split("\n")
    other_lines = other.text.split("\n")
    if other.start_line < base.start_line:
        keep = other_lines[: base.start_line - other.start_line]
        lines = keep + lines
        base.start_line = other.start_line
        if not base.header or other.score > base.score:
            base.header = other.header or base.header
    if other.end_line > base.end_line:
        lines += other_lines[len(other_lines) - (other.end_line - base.end_line):]
        base.end_line = other.end_line
    base.text = "\n".join(lines)
    base.score = max(base.score, other.score)


def merge_adjacent(spans: Sequence[Evidence]) -> list[Evidence]:
    """Merge spans of one file that overlap or touch; order follows each group's best rank."""
    merged: list[Evidence] = []
    for span in spans:
        span = Evidence(**asdict(span))
        place = len(merged)
        while True:
            j = next(
                (i for i, m in enumerate(merged) if m.path == span.path
                 and span.start_line <= m.end_line + 1 and m.start_line <= span.end_line + 1),
                None,
            )
            if j is None:
                break
            # The grown span may now touch a third one: fold it in and look again.
            target = merged.pop(j)
            _merge_into(target, span)
            span = target
            place = min(place, j)
        merged.insert(min(place, len(merged)), span)
    for i, m in enumerate(merged, 1):
        m.n = i
    return merged


def render_evidence(evidence: Sequence[Evidence]) -> str:
    """The evidence block of a prompt."""
    return "\n\n".join(
        f'<evidence n="{e.n}" source="{e.ref}" header="{e.header}">\n{e.text}\n</evidence>' for e in evidence
    )


def _truncate(span: Evidence, budget: int, count: Callable[[str], int]) -> Evidence | None:
    """Keep the leading lines of ``span`` that fit ``budget`` tokens (including the wrapper)."""
    lines = span.text.split("\n")
    kept: list[str] = []
    used = count(render_evidence([Evidence(span.n, span.path, span.start_line, span.start_line, "", span.header)]))
    for line in lines:
        cost = count(line + "\n")
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
    if not kept:
        return None
    return Evidence(span.n, span.path, span.start_line, span.start_line + len(kept) - 1, "\n".join(kept),
                    span.header, span.score)


def assemble(
    hits: Sequence, budget_tokens: int, *, count: Callable[[str], int] = count_tokens, max_spans: int = 12
) -> list[Evidence]:
    """Pick spans from ranked ``hits`` until ``budget_tokens`` is spent.

    ``hits`` are :class:`~walkrag.retrieval.search.Hit`-like (path, lines, text,
    header, score). Adjacent spans are merged before and after selection so that
    a function split over two chunks reads as one. A span that no longer fits is
    skipped (a smaller later one may still fit); the top span is cut to fit rather
    than dropped, so there is always some evidence when the budget allows any.
    """
    candidates = merge_adjacent([
        Evidence(0, h.path, h.start_line, h.end_line, h.text, getattr(h, "header", "") or "",
                 float(getattr(h, "score", 0.0)))
        for h in hits
    ])
    chosen: list[Evidence] = []
    used = 0
    for span in candidates:
        if len(chosen) >= max_spans:
            break
        cost = count(render_evidence([span])) + 2
        if used + cost <= budget_tokens:
            chosen.append(span)
            used += cost
        elif not chosen:
            cut = _truncate(span, budget_tokens - 2, count)
            if cut is not None:
                chosen.append(cut)
                used += count(render_evidence([cut])) + 2
    return merge_adjacent(chosen)
