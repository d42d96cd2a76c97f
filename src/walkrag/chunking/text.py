"""Fallback chunking: line windows with overlap, for text without known structure."""

from __future__ import annotations

from walkrag.records import Chunk

WINDOW_LINES = 40
OVERLAP_LINES = 8


def line_windows(
    path: str,
    lines: list[str],
    language: str,
    *,
    start: int = 1,
    end: int | None = None,
    header: str | None = None,
    kind: str = "text",
    window: int = WINDOW_LINES,
    overlap: int = OVERLAP_LINES,
) -> list[Chunk]:
    """Cut ``lines[start-1:end]`` into windows that cover every non-blank line.

    Windows start and end on non-blank lines, so no chunk is padding only.
    """
    end = len(lines) if end is None else end
    chunks: list[Chunk] = []
    i = start
    step = max(1, window - overlap)
    while i <= end:
        while i <= end and not lines[i - 1].strip():
            i += 1
        if i > end:
            break
        j = min(end, i + window - 1)
        while j > i and not lines[j - 1].strip():
            j -= 1
        chunks.append(
            Chunk(
                path=path,
                start_line=i,
                end_line=j,
                kind=kind,
                language=language,
                text="\n".join(lines[i - 1 : j]),
                header=header or path,
            )
        )
        if j >= end:
            break
        i = max(i + step, i + 1) if j - i + 1 >= window else j + 1
    return chunks


def chunk_text(path: str, text: str, language: str) -> list[Chunk]:
    """Line windows over a whole file."""
    return line_windows(path, text.split("\n"), language)
