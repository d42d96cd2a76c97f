"""Find the definitions in a tree-sitter tree: names, kinds, nesting, signatures, docs.

Definition nodes are matched by one query per language (C speed, no Python walk
over every node); nesting comes from byte containment, so only definition
nodes and their immediate neighbours are touched from Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from walkrag.chunking.code_names import (
    describe,
    first_named,
    node_text,
    value_function,
    zig_container,
)
from walkrag.chunking.code_nodes import CLASS_KINDS, FUNCTION_KINDS, LEADING_TYPES, LangSpec

_COMMENT_MARKS = re.compile(r"^\s*(?:/\*+!?|\*+/|//[/!]?|\*|#+|--+\s*[|^]?|;+|%+)\s?")
_DOC_TAGS = re.compile(r"</?(?:summary|remarks|para|returns|param[^>]*)>")
_MAX_SIGNATURE = 300
_MAX_DOC = 400


def first_line(node: Node) -> int:
    return node.start_point[0] + 1


def last_line(node: Node) -> int:
    """1-based last line; a node that ends just after a newline ends on the line before."""
    row, col = node.end_point
    if col == 0 and row > node.start_point[0]:
        return row
    return row + 1


@dataclass(slots=True, eq=False)
class Def:
    """One definition while chunking; becomes a :class:`Definition` record."""

    node: Node
    outer: Node
    name: str
    kind: str
    qualifiers: list[str]
    start: int = 0  # first line of its chunk span (leading docs included)
    def_start: int = 0  # first line of the definition itself (decorators included)
    end: int = 0
    end_byte: int = 0
    signature: str | None = None
    docstring: str | None = None
    label: str = ""
    qname: str = ""
    crumbs: tuple[str, ...] = ()
    children: list[Def] = field(default_factory=list)
    leading: list[Node] = field(default_factory=list)
    last_clause: Def | None = None  # the last same-name clause merged into this one


def find_defs(nodes: list[Node], src: bytes, language: str, spec: LangSpec) -> list[Def]:
    """Turn matched definition nodes into a forest of finished :class:`Def`."""
    found: list[Def] = []
    claimed: set[tuple[int, int]] = set()
    for node in nodes:
        described = describe(node, language, spec)
        if described is None:
            continue
        name, kind, quals = described
        outer = _widen(node, spec)
        key = (outer.start_byte, outer.end_byte)
        if key in claimed:
            outer, key = node, (node.start_byte, node.end_byte)
            if key in claimed:
                continue
        claimed.add(key)
        found.append(Def(node, outer, name, kind, quals, end_byte=outer.end_byte))
    found.sort(key=lambda d: (d.outer.start_byte, -d.end_byte))
    roots: list[Def] = []
    stack: list[Def] = []
    for d in found:
        while stack and d.outer.start_byte >= stack[-1].end_byte:
            stack.pop()
        (stack[-1].children if stack else roots).append(d)
        stack.append(d)
    if spec.merge_clauses:
        roots = _merge_clauses(roots)
    for d in roots:
        _finish(d, None, src, language, spec)
    return roots


def walk(defs: list[Def]):
    """All definitions, depth first, in source order."""
    for d in defs:
        yield d
        yield from walk(d.children)


def _merge_clauses(defs: list[Def]) -> list[Def]:
    """Join consecutive same-name clauses (Haskell equations + signature, Elixir heads)."""
    out: list[Def] = []
    for d in defs:
        d.children = _merge_clauses(d.children)
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.name == d.name
            and prev.kind in FUNCTION_KINDS
            and d.kind in FUNCTION_KINDS
            and not prev.qualifiers
            and not d.qualifiers
        ):
            prev.end_byte = d.end_byte
            prev.children.extend(d.children)
            prev.last_clause = d
            if prev.kind == "signature":
                prev.kind = d.kind
            continue
        out.append(d)
    return out


def _widen(node: Node, spec: LangSpec) -> Node:
    """Grow a definition to the wrapper nodes that hold only it (export, decorators...)."""
    cur = node
    while True:
        parent = cur.parent
        if parent is None or parent.type not in spec.wrappers:
            return cur
        inner = sum(1 for c in parent.named_children if c.type in spec.defs or c.type in spec.wrappers)
        if inner > 1:
            return cur
        cur = parent


def _body(d: Def, language: str) -> Node | None:
    node = d.node
    if node.type in {"variable_declarator", "assignment_expression", "assignment_statement"}:
        value = value_function(node)
        return value.child_by_field_name("body") if value is not None else None
    body = node.child_by_field_name("body")
    if body is not None:
        return body
    if language == "zig":
        var = first_named(node, frozenset({"VarDecl"}))
        return zig_container(var) if var is not None else first_named(node, frozenset({"Block"}))
    return first_named(
        node,
        frozenset(
            {
                "class_body",
                "function_body",
                "enum_class_body",
                "do_block",
                "template_body",
                "declaration_list",
            }
        ),
    )


def body_node(d: Def, language: str) -> Node:
    """The node whose children are the definition's statements (or the node itself)."""
    return _body(d, language) or d.node


def _finish(d: Def, parent: Def | None, src: bytes, language: str, spec: LangSpec) -> None:
    if d.kind == "function" and parent is not None and parent.kind in CLASS_KINDS:
        d.kind = "method"
    d.def_start = first_line(d.outer)
    last = d.last_clause
    d.end = max(last_line(d.outer), last_line(last.outer) if last is not None else 0)
    d.leading = _leading(d.outer, spec)
    d.start = first_line(d.leading[0]) if d.leading else d.def_start
    d.signature = _signature(d, src, language)
    d.docstring = _docstring(d, language)
    d.label = _label(d)
    base_q = parent.qname.split(".") if parent is not None else []
    d.qname = ".".join([*base_q, *d.qualifiers, d.name])
    d.crumbs = (*(parent.crumbs if parent is not None else ()), *d.qualifiers, d.label)
    for c in d.children:
        _finish(c, d, src, language, spec)


def _leading(outer: Node, spec: LangSpec) -> list[Node]:
    """Comments, decorators and attributes directly above a definition, top first."""
    out: list[Node] = []
    top = first_line(outer)
    prev = outer.prev_named_sibling
    while prev is not None:
        t = prev.type
        is_comment = "comment" in t
        if not (is_comment or t in LEADING_TYPES or t in spec.extra_leading):
            break
        if t == "unary_operator" and not node_text(prev).startswith(("@doc", "@spec", "@impl")):
            break
        # a doc comment may stand one blank line away (JSDoc in Express, for one)
        reach = 2 if is_comment and node_text(prev).startswith(("/**", "///", "-- |")) else 1
        if last_line(prev) < top - reach or (reach == 2 and not _blank_between(prev, top)):
            break
        before = prev.prev_sibling
        if is_comment and before is not None and last_line(before) >= first_line(prev):
            break  # a trailing comment on the previous code line
        out.append(prev)
        top = first_line(prev)
        prev = prev.prev_named_sibling
    out.reverse()
    return out


def _blank_between(prev: Node, top: int) -> bool:
    """Whether the lines between ``prev`` and line ``top`` hold nothing but blanks."""
    nxt = prev.next_sibling
    return nxt is None or first_line(nxt) >= top


def _signature(d: Def, src: bytes, language: str) -> str | None:
    node = d.node
    start = node.start_byte
    if node.type == "variable_declarator" and node.parent is not None:
        start = node.parent.start_byte
    if d.kind == "signature" or (language == "haskell" and node.type == "signature"):
        end = node.end_byte
    else:
        body = _body(d, language)
        end = body.start_byte if body is not None and body.start_byte > start else -1
        if end > 0 and language == "python":  # stop at the colon: comments may follow it
            colons = [c.start_byte for c in node.children if c.type == ":" and c.start_byte < end]
            end = colons[-1] if colons else end
    if end < 0:
        nl = src.find(b"\n", start, node.end_byte)
        end = node.end_byte if nl < 0 else nl
    lines = src[start:end].decode("utf-8", "replace").split("\n")
    while len(lines) > 1 and lines[0].strip().startswith(("@", "#[", "[")):
        lines.pop(0)
    sig = " ".join(" ".join(lines).split())
    for _ in range(3):
        sig = sig.rstrip(" {:=(;")
        for suffix in (" do", " where", " is"):
            sig = sig.removesuffix(suffix)
    sig = sig[:_MAX_SIGNATURE]
    return sig or None


def _label(d: Def) -> str:
    """Breadcrumb label: ``name(params)`` for functions, the bare name otherwise."""
    if d.kind not in FUNCTION_KINDS or not d.signature:
        return d.name
    sig = d.signature
    open_at = _params_start(sig, d.name)
    if open_at < 0 and d.name in sig:  # `res.links = function(links)`
        open_at = sig.find("(", sig.find(d.name))
    if open_at < 0:
        return d.name
    depth, i = 0, open_at
    for i in range(open_at, len(sig)):
        depth += {"(": 1, ")": -1}.get(sig[i], 0)
        if depth == 0:
            break
    params = sig[open_at : i + 1]
    if len(params) > 100:
        params = params[:99] + "…)"
    return d.name + params


def _params_start(sig: str, name: str) -> int:
    """Index of the ``(`` opening the parameters after ``name`` (generics skipped), or -1."""
    at = sig.find(name)
    while at >= 0:
        j = at + len(name)
        while j < len(sig) and sig[j] == " ":
            j += 1
        if j < len(sig) and sig[j] == "<":
            close = sig.find(">", j)
            j = close + 1 if close > 0 else j
            while j < len(sig) and sig[j] == " ":
                j += 1
        if j < len(sig) and sig[j] == "(":
            return j
        at = sig.find(name, at + 1)
    return -1


def _docstring(d: Def, language: str) -> str | None:
    if language == "python":
        body = d.node.child_by_field_name("body")
        first = body.named_children[0] if body is not None and body.named_child_count else None
        if first is not None and first.type == "expression_statement" and first.named_child_count:
            first = first.named_children[0]
        if first is not None and first.type == "string":
            parts = [node_text(c) for c in first.named_children if c.type == "string_content"]
            return _first_paragraph("".join(parts))
        return None  # comments above a Python definition are not its documentation
    if language == "elixir" and d.kind in {"module", "protocol", "impl"}:
        body = _body(d, language)
        for c in body.named_children if body is not None else ():
            if c.type == "unary_operator" and node_text(c).startswith("@moduledoc"):
                return _first_paragraph(_elixir_string(node_text(c)))
    docs = [n for n in d.leading if "comment" in n.type or n.type == "haddock"]
    if language == "elixir":
        docs = [n for n in d.leading if node_text(n).startswith("@doc")]
        return _first_paragraph(_elixir_string(node_text(docs[-1]))) if docs else None
    if not docs:
        return None
    cleaned = []
    for n in docs:
        for line in node_text(n).split("\n"):
            line = _COMMENT_MARKS.sub("", line)
            cleaned.append(re.sub(r"\s*\*+/\s*$", "", line).strip(" \t/*#=-"))
    return _first_paragraph(_DOC_TAGS.sub("", "\n".join(cleaned)))


def _elixir_string(text: str) -> str:
    return re.sub(r'^@\w+\s*(?:~[sS])?("""|")?', "", text).rstrip().removesuffix('"""').rstrip('"')


def _first_paragraph(text: str) -> str | None:
    """The first paragraph with words in it, on one line; rulers (``////``, ``====``) skipped."""
    lines = [line if any(ch.isalnum() for ch in line) else "" for line in text.split("\n")]
    for para in re.split(r"\n\s*\n", "\n".join(lines)):
        para = " ".join(para.split())
        if para:
            return para[:_MAX_DOC]
    return None


_CONSTANT = re.compile(r"_*[A-Z][A-Z0-9_]*[A-Z0-9]")
_JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})


_C_BLOCKS = frozenset({"preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif", "linkage_specification",
                       "declaration_list"})


def _top_level(root: Node, language: str):
    """The file's top-level statements; in C and C++ also those inside include guards and ``extern "C"``."""
    stack = list(reversed(root.named_children))
    while stack:
        node = stack.pop()
        if language in {"c", "cpp"} and node.type in _C_BLOCKS:
            stack.extend(reversed(node.named_children))
        else:
            yield node


# Languages whose constants live in classes and objects: Java ``static final`` fields and interface
# constants, Kotlin ``const val`` (top level, objects, companion objects), C# ``const`` and ``static readonly``.
MEMBER_CONSTANT_LANGUAGES = frozenset({"java", "kotlin", "csharp"})
_CONTAINERS = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                         "object_declaration", "companion_object", "struct_declaration", "namespace_declaration",
                         "file_scoped_namespace_declaration"})
_NAME_NODES = frozenset({"identifier", "type_identifier", "simple_identifier"})
_BODIES = frozenset({"class_body", "interface_body", "enum_body", "enum_body_declarations", "declaration_list"})


def _modifier_words(node: Node) -> set[str]:
    words: set[str] = set()
    for child in node.children:
        if child.type in {"modifiers", "modifier"}:
            words.update(node_text(child).split())
    return words


def _member_constant_names(node: Node, language: str) -> list[str]:
    """The names a member declaration binds as constants (empty when it is not one)."""
    if language == "java" and (
        node.type == "constant_declaration"
        or (node.type == "field_declaration" and {"static", "final"} <= _modifier_words(node))
    ):
        return [node_text(d.child_by_field_name("name")) for d in node.children_by_field_name("declarator")]
    if language == "kotlin" and node.type == "property_declaration" and "const" in _modifier_words(node):
        return [node_text(n) for d in node.named_children if d.type == "variable_declaration"
                for n in d.named_children if n.type == "simple_identifier"][:1]
    if language == "csharp" and node.type == "field_declaration":
        words = _modifier_words(node)
        if "const" in words or {"static", "readonly"} <= words:
            declaration = first_named(node, frozenset({"variable_declaration"}))
            return [node_text(d.child_by_field_name("name") or d.named_children[0])
                    for d in (declaration.named_children if declaration else []) if d.type == "variable_declarator"]
    return []


def member_constants(root: Node, language: str) -> list[tuple[str, str, Node]]:
    """Constants declared in classes, interfaces and objects: (name, qualified name, declaration)."""
    out: list[tuple[str, str, Node]] = []
    stack: list[tuple[Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, owners = stack.pop()
        for child in reversed(node.named_children):
            names = _member_constant_names(child, language)
            if names:
                out += [(name, ".".join((*owners, name)), child) for name in names if name]
            elif child.type in _CONTAINERS:
                label = child.child_by_field_name("name") or first_named(child, _NAME_NODES)
                named = label is not None and "namespace" not in child.type  # a companion object has no name
                stack.append((child, (*owners, node_text(label)) if named else owners))
            elif child.type in _BODIES:
                stack.append((child, owners))
    return sorted(out, key=lambda t: t[2].start_byte)


def module_constants(root: Node, language: str) -> list[tuple[str, Node]]:
    """Top-level constants (settings, limits, defaults): (name, the node that binds it).

    Python assignments and JS/TS ``const``/``let`` bindings count when the name is
    UPPER_CASE; Go ``const`` specs, Rust ``const``/``static`` items and C/C++
    ``#define`` names count as declared. They are definitions a question can name
    (``SESSION_COOKIE_AGE``) without being chunk boundaries. Constants that live in
    classes (Java, Kotlin, C#) are :func:`member_constants`.
    """
    found: list[tuple[str, Node]] = []
    declared: list[tuple[str, Node]] = []
    for statement in _top_level(root, language):
        node = statement
        if language == "python":
            if node.type == "expression_statement" and node.named_child_count:
                node = node.named_children[0]
            if node.type == "assignment":
                left = node.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    found.append((node_text(left), statement))
        elif language in _JS_FAMILY:
            if node.type == "export_statement":
                node = first_named(node, frozenset({"lexical_declaration", "variable_declaration"})) or node
            if node.type in {"lexical_declaration", "variable_declaration"}:
                for decl in node.named_children:
                    name = decl.child_by_field_name("name") if decl.type == "variable_declarator" else None
                    if name is not None and name.type == "identifier" and value_function(decl) is None:
                        found.append((node_text(name), statement))
        elif language == "go" and node.type == "const_declaration":
            for spec in node.named_children:
                if spec.type == "const_spec":
                    declared += [(node_text(n), spec) for n in spec.children_by_field_name("name")]
        elif language == "rust" and node.type in {"const_item", "static_item"}:
            name = node.child_by_field_name("name")
            if name is not None:
                declared.append((node_text(name), node))
        elif language in {"c", "cpp"} and node.type == "preproc_def":
            name = node.child_by_field_name("name")
            if name is not None and node.child_by_field_name("value") is not None:  # not an include guard
                found.append((node_text(name), node))
    return [(name, node) for name, node in found if _CONSTANT.fullmatch(name)] + declared
