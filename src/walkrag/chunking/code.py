"""Chunk source code along its definitions with tree-sitter.

Each definition (function, method, class, ...) becomes a chunk with its leading
comments and decorators. Definitions over the token budget are split: a class
into its head (declaration, docstring, fields) and its members, a function at
the boundaries of its statements, a single huge statement into line windows.
Tiny neighbours at the same level are merged up to the budget, and code between
definitions is kept as ``module`` chunks, so the chunks of a file cover every
non-blank line, never overlap, and come out in order.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from tree_sitter import Node, Parser, Query, QueryCursor

from walkrag.chunking.code_defs import (
    MEMBER_CONSTANT_LANGUAGES,
    Def,
    body_node,
    find_defs,
    first_line,
    last_line,
    member_constants,
    module_constants,
    walk,
)
from walkrag.chunking.code_nodes import LANGUAGES, LangSpec
from walkrag.chunking.text import line_windows
from walkrag.records import Chunk, Definition

BUDGET_TOKENS = 450  # a chunk grows up to this (estimated as characters / 4)
MERGE_BELOW = 80  # pieces this small merge with their small neighbours
ALONE_BELOW = 25  # code between members this small joins a neighbour
_MAX_DEPTH = 6
_MAX_LABELS = 6
_CLOSING = re.compile(r"^[\s)\]};,]*(?:end|fi|done|esac)?[\s)\]};,]*$")

_QUERIES: dict[str, Query] = {}
_LOCAL = threading.local()  # parsers are not safe to share between threads


def supports(language: str) -> bool:
    """Whether ``language`` (tree-sitter-language-pack's name) has definition tables."""
    return language in LANGUAGES


def _parser(language: str) -> tuple[Parser, Query]:
    from tree_sitter_language_pack import get_language, get_parser

    parsers: dict[str, Parser] = _LOCAL.__dict__.setdefault("parsers", {})
    parser = parsers.get(language)
    if parser is None:
        parser = parsers[language] = get_parser(language)  # type: ignore[arg-type]
    query = _QUERIES.get(language)
    if query is None:
        spec = LANGUAGES[language]
        lang = get_language(language)  # type: ignore[arg-type]
        source = spec.query
        if source is None:
            known = [t for t in spec.defs if lang.id_for_node_kind(t, True) is not None]
            source = "[" + " ".join(f"({t})" for t in known) + "] @def"
        query = _QUERIES[language] = Query(lang, source)
    return parser, query


def chunk_code(path: str, text: str, language: str) -> tuple[list[Chunk], list[Definition]]:
    """Chunk one source file; also return every definition found in it."""
    lines = text.split("\n")
    spec = LANGUAGES.get(language)
    try:
        if spec is None:
            raise LookupError(language)
        parser, query = _parser(language)
        src = text.encode("utf-8", "surrogatepass")
        root = parser.parse(src).root_node
        nodes = QueryCursor(query).captures(root).get("def", [])
    except Exception:  # no grammar, or the parser gave up: windows keep the text searchable
        return line_windows(path, lines, language, kind="module", overlap=0), []
    roots = find_defs(nodes, src, language, spec)
    chunker = _Chunker(path, language, lines, spec)
    pieces = chunker.level(1, len(lines), roots, None, root)
    chunks = [c for p in pieces if (c := chunker.to_chunk(p)) is not None]
    definitions = [
        Definition(
            name=d.name,
            qualified_name=d.qname,
            kind=d.kind,
            path=path,
            start_line=d.def_start,
            end_line=d.end,
            language=language,
            signature=d.signature,
            docstring=d.docstring,
        )
        for d in walk(roots)
    ]
    constants = [(name, name, node) for name, node in module_constants(root, language)]
    if language in MEMBER_CONSTANT_LANGUAGES:
        constants += member_constants(root, language)
    for name, qualified, node in constants:
        definitions.append(
            Definition(
                name=name,
                qualified_name=qualified,
                kind="constant",
                path=path,
                start_line=first_line(node),
                end_line=last_line(node),
                language=language,
                signature=lines[first_line(node) - 1].strip()[:200],
                docstring=None,
            )
        )
    definitions.sort(key=lambda d: d.start_line)  # stable: a container stays before its members
    return chunks, definitions


@dataclass(slots=True)
class _Piece:
    """A line span at one level.

    ``lead`` names the chunk: the definition it holds or is part of, or the
    definition whose body the code between definitions sits in (None at top level).
    ``defs`` are the whole definitions inside, for the header of a merged group.
    """

    start: int
    end: int
    lead: Def | None
    defs: list[Def] = field(default_factory=list)
    mergeable: bool = False
    whole: bool = True  # False for the parts of a split definition


class _Chunker:
    def __init__(self, path: str, language: str, lines: list[str], spec: LangSpec) -> None:
        self.path = path
        self.language = language
        self.lines = lines
        self.spec = spec
        cum = [0]
        for line in lines:
            cum.append(cum[-1] + len(line) + 1)
        self.cum = cum

    def tokens(self, start: int, end: int) -> int:
        return (self.cum[end] - self.cum[start - 1]) // 4 if end >= start else 0

    def blank(self, start: int, end: int) -> bool:
        return all(not self.lines[i - 1].strip() for i in range(start, end + 1))

    # -- levels -------------------------------------------------------------------

    def level(
        self,
        lo: int,
        hi: int,
        children: list[Def],
        scope: Def | None,
        container: Node,
        head: list[_Piece] | None = None,
    ) -> list[_Piece]:
        """Pieces covering ``lo..hi``: the definitions in it and the code between them."""
        pieces: list[_Piece] = list(head or ())
        pos = lo
        for d in children:
            start, end = max(d.start, lo), min(d.end, hi)
            if start < pos:  # shares lines with the previous definition: keep them together
                if pieces and end >= pos:
                    pieces[-1].end = end
                    pos = end + 1
                continue
            if start > pos:
                self._gap(pos, start - 1, scope, container, pieces)
            pieces.extend(self._definition(d, start, end))
            pos = end + 1
        if pos <= hi:
            self._gap(pos, hi, scope, container, pieces)
        return self._merge(pieces)

    def _gap(self, lo: int, hi: int, scope: Def | None, container: Node, pieces: list[_Piece]) -> None:
        if self.blank(lo, hi):
            return
        if pieces and all(_CLOSING.match(self.lines[i - 1]) for i in range(lo, hi + 1)):
            pieces[-1].end = hi  # a closing brace or `end` stays with what it closes
            return
        for start, end in self._pack(lo, hi, container, 0):
            pieces.append(_Piece(start, end, scope, mergeable=self.tokens(start, end) <= MERGE_BELOW))

    def _definition(self, d: Def, start: int, end: int) -> list[_Piece]:
        size = self.tokens(start, end)
        if size <= BUDGET_TOKENS:
            return [_Piece(start, end, d, [d], mergeable=size <= MERGE_BELOW)]
        body = body_node(d, self.language)
        kids = [k for k in d.children if k.start > start and k.start <= end]
        if kids:
            head_end = kids[0].start - 1
            head = [
                _Piece(s, e, d, mergeable=self.tokens(s, e) <= MERGE_BELOW)
                for s, e in self._pack(start, head_end, body, 0)
            ]
            if len(head) > 1:
                for p in head:
                    p.mergeable = False
            pieces = self.level(kids[0].start, end, kids, d, body, head)
        else:
            pieces = [_Piece(s, e, d) for s, e in self._pack(start, end, body, 0)]
        for p in pieces:
            p.mergeable = False
            p.whole = False
        return pieces

    def _merge(self, pieces: list[_Piece]) -> list[_Piece]:
        out: list[_Piece] = []
        for p in pieces:
            last = out[-1] if out else None
            if (
                last is not None
                and last.mergeable
                and p.mergeable
                and self.tokens(last.start, p.end) <= BUDGET_TOKENS
            ):
                last.end = p.end
                last.defs.extend(p.defs)
                last.lead = last.lead or p.lead
                continue
            out.append(p)
        # inside a definition, a lone line or two between members joins a neighbour;
        # at the top level such code stays a module chunk of its own
        i = 0
        while i < len(out):
            p = out[i]
            if (
                p.lead is not None
                and not p.defs
                and p.whole
                and len(out) > 1
                and self.tokens(p.start, p.end) < ALONE_BELOW
            ):
                prev = out[i - 1] if i > 0 else None
                nxt = out[i + 1] if i + 1 < len(out) else None
                if prev is not None and prev.whole:
                    prev.end = p.end
                    del out[i]
                    continue
                if nxt is not None and nxt.whole:
                    nxt.start = p.start
                    del out[i]
                    continue
            i += 1
        return out

    # -- splitting ----------------------------------------------------------------

    def _pack(self, lo: int, hi: int, node: Node | None, depth: int) -> list[tuple[int, int]]:
        """Cut ``lo..hi`` at the statement boundaries under ``node`` into spans under budget."""
        if self.tokens(lo, hi) <= BUDGET_TOKENS or lo >= hi:
            return [(lo, hi)]
        cuts = _cut_lines(node, lo, hi) if node is not None and depth < _MAX_DEPTH else {}
        if not cuts:
            return self._windows(lo, hi)
        bounds = [lo, *sorted(cuts), hi + 1]
        spans: list[tuple[int, int]] = []
        cur = lo
        for a, b in zip(bounds, bounds[1:]):
            if self.tokens(a, b - 1) > BUDGET_TOKENS:
                # a small run before a big statement goes with the statement's head,
                # and the statement's small tail stays open for what follows
                start = cur if self.tokens(cur, a - 1) <= MERGE_BELOW else a
                if start > cur:
                    spans.append((cur, a - 1))
                sub = self._pack(start, b - 1, cuts.get(a) or _owner(node, a), depth + 1)
                spans.extend(sub[:-1])
                cur = sub[-1][0]
            elif self.tokens(cur, b - 1) > BUDGET_TOKENS:
                spans.append((cur, a - 1))
                cur = a
        if cur <= hi:
            spans.append((cur, hi))
        return spans

    def _windows(self, lo: int, hi: int) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        start = lo
        for i in range(lo, hi + 1):
            if i > start and self.tokens(start, i) > BUDGET_TOKENS:
                spans.append((start, i - 1))
                start = i
        spans.append((start, hi))
        return spans

    # -- output -------------------------------------------------------------------

    def to_chunk(self, p: _Piece) -> Chunk | None:
        start, end = p.start, p.end
        while start <= end and not self.lines[start - 1].strip():
            start += 1
        while end >= start and not self.lines[end - 1].strip():
            end -= 1
        if start > end:
            return None
        primary = p.lead
        if len(p.defs) > 1 or (p.defs and primary is not p.defs[0]):
            base = _common_prefix([d.crumbs[:-1] for d in p.defs])
            labels = [d.name for d in p.defs[:_MAX_LABELS]]
            if len(p.defs) > _MAX_LABELS:
                labels.append("…")
            header = " > ".join([self.path, *base, ", ".join(labels)])
        else:
            header = " > ".join([self.path, *(primary.crumbs if primary is not None else ())])
        return Chunk(
            path=self.path,
            start_line=start,
            end_line=end,
            kind=primary.kind if primary is not None else "module",
            language=self.language,
            text="\n".join(self.lines[start - 1 : end]),
            header=header,
            symbol=primary.qname if primary is not None else None,
            signature=primary.signature if primary is not None else None,
            docstring=primary.docstring if primary is not None else None,
        )


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    first = paths[0]
    n = len(first)
    for other in paths[1:]:
        n = next((i for i, (a, b) in enumerate(zip(first[:n], other)) if a != b), min(n, len(other)))
    return first[:n]


def _cut_lines(node: Node, lo: int, hi: int) -> dict[int, Node]:
    """Lines in ``lo+1..hi`` where a statement under ``node`` starts, shallowest level first.

    A comment directly above a statement stays with it: the cut goes above the comment.
    """
    level = [node]
    for _ in range(3):
        below = [c for n in level for c in n.named_children]
        cuts: dict[int, Node] = {}
        prev: Node | None = None
        for c in below:
            line = first_line(c)
            glued = prev is not None and "comment" in prev.type and prev.end_point[0] + 2 >= line
            if lo < line <= hi and not glued:
                best = cuts.get(line)
                if best is None or c.end_byte > best.end_byte:
                    cuts[line] = c
            prev = c
        if cuts:
            return cuts
        level = [c for c in below if c.end_point[0] + 1 >= lo and c.start_point[0] + 1 <= hi]
        if not level:
            break
    return {}


def _owner(node: Node | None, line: int) -> Node | None:
    """The child of ``node`` that spans ``line`` (the statement a too-big segment lies in)."""
    if node is None:
        return None
    for c in node.named_children:
        if c.start_point[0] + 1 <= line <= c.end_point[0] + 1:
            return c
    return None
