"""Abbreviations a codebase uses for the words of a question.

Code says ``config``, ``auth``, ``param``, ``impl`` and ``repo`` where a question
says configuration, authentication, parameter, implementation and repository; a
stemmer does not bridge those. The vocabulary comes from the index itself (the
words of defined names and of paths), so only abbreviations this codebase uses
are added, and they count for less than the question's own words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from walkrag.retrieval.tokenize import STOPWORDS, split_identifier

MIN_LEN = 4
# Shorter cuts are inflections the stemmer already folds (route/routes, load/loading).
MIN_CUT = 4
PER_WORD = 2


class Abbreviations:
    """Lookups from a query word to the codebase words it abbreviates or is abbreviated by."""

    def __init__(self, words: dict[str, int]):
        self.counts = words
        self.by_head: dict[str, list[str]] = defaultdict(list)
        for word in words:
            if len(word) >= MIN_LEN and word.isalpha() and word not in STOPWORDS:
                self.by_head[word[:MIN_LEN]].append(word)

    @classmethod
    def from_store(cls, store) -> Abbreviations:
        """From the index's vocabulary (kept by the store as files come and go), or, in an index
        written before it had one, counted afresh."""
        stored = store.vocabulary()
        return cls(stored if stored is not None else dict(store.count_vocabulary()))

    def expand(self, tokens: list[str]) -> dict[str, list[str]]:
        """{query word: codebase words that abbreviate it}, most used first."""
        out: dict[str, list[str]] = {}
        for t in tokens:
            if len(t) < MIN_LEN + MIN_CUT or not t.isalpha():
                continue
            if any(o != t and t.startswith(o) for o in tokens):  # a joined identifier: its parts are here
                continue
            found = [
                v
                for v in self.by_head.get(t[:MIN_LEN], ())
                if t.startswith(v) and len(t) - len(v) >= MIN_CUT and v not in tokens
            ]
            if found:
                found.sort(key=lambda v: (-self.counts[v], v))
                out[t] = found[:PER_WORD]
        return out


def word_counts(path: str, names: Iterable[str]) -> Counter:
    """The words a file adds to the codebase's vocabulary: those of its path (folders and stem) and
    of the names it defines."""
    counts: Counter = Counter()
    for piece in path.rsplit(".", 1)[0].split("/"):
        counts.update(split_identifier(piece))
    for name in names:
        counts.update(split_identifier(name))
    return counts
