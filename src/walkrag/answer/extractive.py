"""The answer without a model: the most relevant lines of the top spans, each cited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from walkrag.answer.context import Evidence
from walkrag.retrieval.tokenize import code_tokens, query_tokens


@dataclass(slots=True)
class Excerpt:
    """A few lines of one evidence span, cited as that span's number."""

    n: int
    path: str
    start_line: int
    end_line: int
    text: str
    header: str

    @property
    def ref(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"


def _line_score(line: str, wanted: set[str]) -> float:
    toks = set(code_tokens(line))
    return len(toks & wanted) + (0.01 if line.strip() else -1.0)


def best_window(lines: Sequence[str], wanted: set[str], size: int) -> tuple[int, int]:
    """The 0-based inclusive window of at most ``size`` lines that covers the most query tokens.

    Ties go to the earliest window (signatures and headings come first). Blank
    lines at either edge are trimmed.
    """
    if not lines:
        return 0, -1
    size = max(1, min(size, len(lines)))
    best, best_start = None, 0
    for start in range(len(lines) - size + 1):
        window = lines[start:start + size]
        covered = set().union(*(set(code_tokens(w)) for w in window)) & wanted
        score = (len(covered), sum(_line_score(w, wanted) for w in window))
        if best is None or score > best:
            best, best_start = score, start
    lo, hi = best_start, best_start + size - 1
    while lo < hi and not lines[lo].strip():
        lo += 1
    while hi > lo and not lines[hi].strip():
        hi -= 1
    return lo, hi


def excerpts(question: str, evidence: Sequence[Evidence], *, spans: int = 3, lines: int = 4,
             pool: int = 6) -> list[Excerpt]:
    """The best window of each of the top ``pool`` spans; the ``spans`` windows covering most of the
    question are kept, best first (rank breaks ties, so with no overlap at all the top spans win)."""
    wanted = set(query_tokens(question))
    scored: list[tuple[int, int, Excerpt]] = []
    for rank, e in enumerate(evidence[:pool]):
        text_lines = e.text.split("\n")
        lo, hi = best_window(text_lines, wanted, lines)
        if hi < lo:
            continue
        window = text_lines[lo:hi + 1]
        covered = len(set(code_tokens("\n".join(window))) & wanted)
        scored.append((-covered, rank, Excerpt(e.n, e.path, e.start_line + lo, e.start_line + hi,
                                               "\n".join(window), e.header)))
    return [x for _, _, x in sorted(scored, key=lambda t: t[:2])[:spans]]


def render(items: Sequence[Excerpt]) -> str:
    """Markdown: a cited line per excerpt, then its lines in a code block."""
    if not items:
        return "No indexed text matches the question."
    parts = []
    for x in items:
        title = f"[{x.n}] {x.ref}" + (f" ({x.header})" if x.header and x.header != x.path else "") + ":"
        if "```" in x.text:  # a fence inside would end ours early: indent instead
            body = "\n".join("    " + line for line in x.text.split("\n"))
        else:
            body = f"```\n{x.text}\n```"
        parts.append(f"{title}\n{body}")
    return "\n\n".join(parts)


def extractive_answer(question: str, evidence: Sequence[Evidence], *, spans: int = 3, lines: int = 4):
    """Return ``(answer text, excerpts)``; each excerpt is a citation narrowed to its best lines."""
    items = excerpts(question, evidence, spans=spans, lines=lines)
    return render(items), items
