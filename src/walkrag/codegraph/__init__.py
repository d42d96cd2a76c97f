"""The code graph: references per language (tree-sitter queries kept as ``queries/*.scm``),
links from references to definitions, documentation cross-references, a file import
graph, PageRank centrality, symbol lookup and navigation.

Indexing calls :func:`write_file_rows` for each stored file (same transaction as its
chunks) and :func:`finish` once per run; readers use :mod:`walkrag.codegraph.lookup`
and :mod:`walkrag.codegraph.navigate`.
"""

from __future__ import annotations

from walkrag.codegraph.build import finish
from walkrag.codegraph.lookup import SymbolMatch, lookup
from walkrag.codegraph.navigate import Neighbour, calls, neighbours, refs, related
from walkrag.codegraph.storage import delete_file_rows, write_file_rows

__all__ = [
    "Neighbour",
    "SymbolMatch",
    "calls",
    "delete_file_rows",
    "finish",
    "lookup",
    "neighbours",
    "refs",
    "related",
    "write_file_rows",
]
