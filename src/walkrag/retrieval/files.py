"""Roll chunk results up to files: a file's several good chunks lift it."""

from __future__ import annotations


def roll_up(hits: list) -> list[dict]:
    """Group hits by path, best file first; a file scores its best chunk plus a share of the rest."""
    groups: dict[str, list] = {}
    for h in hits:
        groups.setdefault(h.path, []).append(h)
    files = []
    for path, chunks in groups.items():
        scores = sorted((c.score for c in chunks), reverse=True)
        score = scores[0] + 0.25 * sum(scores[1:4])
        files.append({"path": path, "score": round(score, 6), "chunks": chunks})
    files.sort(key=lambda f: (-f["score"], f["path"]))
    return files
