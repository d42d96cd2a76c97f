"""Query understanding without an LLM: what kind of query is this, and what does it name?"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from walkrag.retrieval.tokenize import is_identifier_like, query_tokens, split_identifier

_IDENT = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*")


@dataclass(slots=True)
class QueryAnalysis:
    text: str
    tokens: list[str]
    kind: str  # "identifier" | "mixed" | "natural"
    identifiers: list[str]
    # Codebase words that abbreviate a query word (``configuration`` -> ``config``), when known.
    abbreviations: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_identifier(self) -> bool:
        return self.kind == "identifier"


def _looks_like_code_name(word: str) -> bool:
    """``get_object_or_404``, ``CsrfViewMiddleware``, ``models.Field``, ``useQuery``; not ``the`` or ``HTTP``."""
    if "." in word or "::" in word or "_" in word.strip("_"):
        return True
    return len(split_identifier(word)) > 1 and not word.isupper()


def analyze(query: str) -> QueryAnalysis:
    """Split a query into search tokens and tell identifier-like queries from questions."""
    q = query.strip().strip("`'\"")
    tokens = query_tokens(q)
    if is_identifier_like(q):
        return QueryAnalysis(q, tokens, "identifier", [q.rstrip("()")])
    idents = [m.group(0) for m in _IDENT.finditer(query) if _looks_like_code_name(m.group(0))]
    kind = "mixed" if idents else "natural"
    return QueryAnalysis(q, tokens, kind, idents)
