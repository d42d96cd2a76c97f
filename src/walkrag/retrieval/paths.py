"""Path retriever: query words that name files and folders (``routing`` -> ``fastapi/routing.py``)."""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

from walkrag.retrieval.tokenize import code_tokens

_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ers", "er", "ors", "or", "ies", "ed", "es", "s", "e")
MIN_ROOT = 4


@lru_cache(maxsize=65536)
def light_stem(token: str) -> str:
    """The root a word shares with its kin, for matching names: parse, parsed, parser, parsing -> pars.

    Suffixes come off while at least four letters stay, so ``routes``, ``router``
    and ``routing`` meet, and ``dependencies`` meets ``dependency``.
    """
    if token.endswith("ies") and len(token) - 3 >= MIN_ROOT - 1:
        token = token[:-3] + "y"
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if token.endswith(suffix) and len(token) - len(suffix) >= MIN_ROOT:
                token = token[: -len(suffix)]
                changed = True
                break
    return token


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

    def _idf(self, df: int) -> float:
        return math.log(1 + self.n / (1 + df))

    def search(self, tokens: list[str], abbreviations: dict[str, list[str]] | None = None) -> dict[str, float]:
        """path -> share (0..1) of the query's weight that the path's names match.

        Each query word weighs its rarity among paths, so a word that names every
        file (the project's own name) lifts none of them. A word also matches the
        codebase's abbreviations of it (``configuration`` matches ``config.py``).
        """
        scores: dict[int, float] = defaultdict(float)
        abbreviations = abbreviations or {}
        words: dict[str, set[str]] = {}
        for t in tokens:
            if len(t) > 2:
                words.setdefault(light_stem(t), set()).update(light_stem(v) for v in abbreviations.get(t, ()))
        total = 0.0
        for tok, alts in words.items():
            stems = set(self.stem_index.get(tok, set()))
            dirs = set(self.dir_index.get(tok, set()))
            for alt in alts:
                stems |= self.stem_index.get(alt, set())
                dirs |= self.dir_index.get(alt, set())
            w = self._idf(len(stems | dirs))
            total += w
            for i in stems:
                scores[i] += w
            for i in dirs - stems:
                scores[i] += 0.5 * w
        if not total:
            return {}
        return {self.paths[i]: s / total for i, s in scores.items()}
