"""Path retriever: query words that name files and folders (``routing`` -> ``fastapi/routing.py``)."""

from __future__ import annotations

import math
import re
from collections import defaultdict

from walkrag.retrieval.tokenize import code_tokens


def light_stem(token: str) -> str:
    """A tiny plural folder so ``dependencies`` meets ``dependency`` and ``routes`` meets ``route``."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and token.endswith(("ses", "xes", "ches", "shes")):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


_VERSION_DIR = re.compile(r"v(\d+)", re.IGNORECASE)
# Share of a version folder's file names that its parent folder also has for it to count as a copy.
COPY_SHARE = 0.3


def superseded_dirs(paths: list[str]) -> dict[str, str]:
    """Folders holding an older version of code that lives beside it: {folder: its version word}.

    ``src/v3`` when ``src/v4`` exists, and ``pkg/v1`` when ``pkg`` itself has many of
    its file names (a frozen copy kept for compatibility). Such copies repeat the
    current code's names and words and would otherwise compete with it.
    """
    children: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        parts = path.split("/")
        files["/".join(parts[:-1])].add(parts[-1])
        for i in range(1, len(parts)):
            children["/".join(parts[: i - 1])].add(parts[i - 1])
    out: dict[str, str] = {}
    for parent, names in children.items():
        versions = {n: int(m.group(1)) for n in names if (m := _VERSION_DIR.fullmatch(n))}
        for name, number in versions.items():
            folder = f"{parent}/{name}" if parent else name
            newer = any(other > number for other in versions.values())
            own = files.get(folder, set())
            copy = bool(own) and len(own & files.get(parent, set())) >= max(2, COPY_SHARE * len(own))
            if newer or copy:
                out[folder] = name.lower()
    return out


class PathIndex:
    """Tokens of every indexed path; file names weigh more than folder names."""

    def __init__(self, paths: list[str]):
        self.paths = paths
        self.stem_index: dict[str, set[int]] = defaultdict(set)
        self.dir_index: dict[str, set[int]] = defaultdict(set)
        for i, path in enumerate(paths):
            *dirs, name = path.split("/")
            stem = name.rsplit(".", 1)[0] if "." in name else name
            for tok in code_tokens(stem):
                self.stem_index[light_stem(tok)].add(i)
            for d in dirs:
                for tok in code_tokens(d):
                    self.dir_index[light_stem(tok)].add(i)
        self.n = max(1, len(paths))
        self.superseded = superseded_dirs(paths)

    def superseded_version(self, path: str) -> str | None:
        """The version word (``v1``) when ``path`` lies in a superseded copy, else None."""
        for folder, word in self.superseded.items():
            if path.startswith(folder + "/"):
                return word
        return None

    def _idf(self, df: int) -> float:
        return math.log(1 + self.n / (1 + df))

    def search(self, tokens: list[str]) -> dict[str, float]:
        """path -> share (0..1) of the query's weight that the path's names match.

        Each query word weighs its rarity among paths, so a word that names every
        file (the project's own name) lifts none of them.
        """
        scores: dict[int, float] = defaultdict(float)
        words = {light_stem(t) for t in tokens if len(t) > 2}
        total = 0.0
        for tok in words:
            stems = self.stem_index.get(tok, set())
            dirs = self.dir_index.get(tok, set())
            w = self._idf(len(stems | dirs))
            total += w
            for i in stems:
                scores[i] += w
            for i in dirs - stems:
                scores[i] += 0.5 * w
        if not total:
            return {}
        return {self.paths[i]: s / total for i, s in scores.items()}
