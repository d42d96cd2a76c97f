"""Roll chunk results up to files, in the order the ranking put their best chunk."""

from __future__ import annotations


def roll_up(hits: list) -> list[dict]:
    """One entry per file, in ranked order; each keeps its chunks best first."""
    files: dict[str, dict] = {}
    for h in hits:
        entry = files.setdefault(h.path, {"path": h.path, "score": h.score, "chunks": []})
        entry["chunks"].append(h)
    return list(files.values())
