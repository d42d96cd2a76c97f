"""Code-aware tokens: identifiers are split into their words and also kept whole.

``getUserName`` -> ``get user name getusername``; ``HTTP_PORT`` -> ``http port http_port``
is not produced (underscores vanish) but ``httpport`` is, so both ``http port``
and ``HTTPPort`` find it.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9_]+")
# Boundaries inside identifiers: fooBar, FOOBar, foo2bar are split here.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

# Query-side only: words that carry no signal in a question about code or docs.
STOPWORDS = frozenset(
    """a an the and or of to in on for with by from at as is are was were be been being it its
    this that these those what which who whom whose how where when why does do did done can could
    should would will shall may might must i we you they he she them there here into about
    not no yes any all some each every than then so if else via use used using get gets""".split()
)


def split_identifier(word: str) -> list[str]:
    """``getUserName`` -> ``[get, user, name]``; ``snake_case_name`` -> ``[snake, case, name]``."""
    return list(_split_cached(word))


@lru_cache(maxsize=65536)
def _split_cached(word: str) -> tuple[str, ...]:
    parts: list[str] = []
    for piece in word.split("_"):
        if piece:
            parts.extend(m.group(0).lower() for m in _CAMEL.finditer(piece))
    return tuple(parts)


def code_tokens(text: str) -> list[str]:
    """Tokens for indexing: word parts, plus the whole identifier when it has several parts."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        parts = split_identifier(word)
        out.extend(parts)
        if len(parts) > 1:
            out.append("".join(parts))
    return out


def query_tokens(text: str) -> list[str]:
    """Tokens for a query: like :func:`code_tokens`, without stopwords, order kept, deduplicated."""
    seen: dict[str, None] = {}
    for tok in code_tokens(text):
        if tok not in STOPWORDS and tok not in seen:
            seen[tok] = None
    return list(seen)


def is_identifier_like(query: str) -> bool:
    """True for queries such as ``get_object_or_404``, ``Paginator``, ``csrf.CsrfViewMiddleware``."""
    q = query.strip()
    if not q or " " in q:
        return False
    return bool(re.fullmatch(r"[A-Za-z_$][\w$]*(?:(?:\.|::|#|->)[A-Za-z_$][\w$]*)*(?:\(\))?", q))


_NAME_SEPARATORS = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """A name in lower case without separators: ``get_object_or_404`` and ``getObjectOr404`` -> ``getobjector404``."""
    return _NAME_SEPARATORS.sub("", name.lower())
