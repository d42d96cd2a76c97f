"""Find the definitions in a tree-sitter tree: names, kinds, nesting, signatures, docs.

Definition nodes are matched by one query per language (C speed, no Python walk
over every node); nesting comes from byte containment, so only definition
nodes and their immediate neighbours are touched from Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from walkrag.chunking.code_nodes import (
    CLASS_KINDS,
    ELIXIR_DEF_CALLS,
    FUNCTION_KINDS,
    LEADING_TYPES,
    LangSpec,
)

_NAME_TYPES = frozenset(
    {"identifier", "type_identifier", "simple_identifier", "constant", "name", "word",
     "property_identifier", "field_identifier", "namespace_identifier", "IDENTIFIER"}
)
_FUNCTION_VALUES = frozenset(
    {"arrow_function", "function_expression", "function", "generator_function", "class"}
)
_C_NAME_TYPES = frozenset(
    {"identifier", "field_identifier", "qualified_identifier", "destructor_name",
     "operator_name", "type_identifier", "template_function"}
)
_SWIFT_KINDS = {"class": "class", "struct": "struct", "enum": "enum",
                "extension": "extension", "actor": "class"}
_COMMENT_MARKS = re.compile(r"^\s*(?:/\*+!?|\*+/|//[/!]?|\*|#+|--+\s*[|^]?|;+|%+)\s?")
_DOC_TAGS = re.compile(r"</?(?:summary|remarks|para|returns|param[^>]*)>")
_GENERICS = re.compile(r"<.*")
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


def find_defs(root: Node, src: bytes, language: str, spec: LangSpec, nodes: list[Node]) -> list[Def]:
    """Turn matched definition nodes into a forest of finished :class:`Def`."""
    found: list[Def] = []
    claimed: set[tuple[int, int]] = set()
    for node in nodes:
        described = _describe(node, language, spec)
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
        if (prev is not None and prev.name == d.name and prev.kind in FUNCTION_KINDS
                and d.kind in FUNCTION_KINDS and not prev.qualifiers and not d.qualifiers):
            prev.end_byte = d.end_byte
            prev.children.extend(d.children)
            prev.last_clause = d
            if prev.kind == "signature":
                prev.kind = d.kind
            continue
        out.append(d)
    return out


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _widen(node: Node, spec: LangSpec) -> Node:
    """Grow a definition to the wrapper nodes that hold only it (export, decorators...)."""
    cur = node
    while True:
        parent = cur.parent
        if parent is None or parent.type not in spec.wrappers:
            return cur
        inner = sum(1 for c in parent.named_children
                    if c.type in spec.defs or c.type in spec.wrappers)
        if inner > 1:
            return cur
        cur = parent


def _first_named(node: Node, types: frozenset[str]) -> Node | None:
    for c in node.named_children:
        if c.type in types:
            return c
    return None


def _describe(node: Node, language: str, spec: LangSpec) -> tuple[str, str, list[str]] | None:
    """(name, kind, qualifiers) of a matched node, or None when it is no definition."""
    t = node.type
    kind = spec.defs.get(t, "function")
    if t in spec.need_body and node.child_by_field_name("body") is None:
        return None
    quals: list[str] = []
    name_node = node.child_by_field_name("name")
    if language == "elixir":
        return _describe_elixir(node)
    if language == "zig":
        return _describe_zig(node)
    if t == "variable_declarator":
        value = node.child_by_field_name("value")
        if value is None or value.type not in _FUNCTION_VALUES:
            return None
        kind = "class" if value.type == "class" else "function"
    elif t == "type_declaration":
        spec_node = _first_named(node, frozenset({"type_spec", "type_alias"}))
        if spec_node is None:
            return None
        name_node = spec_node.child_by_field_name("name")
        inner = spec_node.child_by_field_name("type")
        kind = {"struct_type": "struct", "interface_type": "interface"}.get(
            inner.type if inner is not None else "", "type")
    elif t == "method_declaration" and language == "go":
        receiver = node.child_by_field_name("receiver")
        recv = _find_type_name(receiver) if receiver is not None else None
        if recv:
            quals.append(recv)
    elif t == "impl_item":
        name = _GENERICS.sub("", _text(node.child_by_field_name("type"))).split("::")[-1].strip()
        return (name, kind, quals) if name else None
    elif t == "function_definition" and language in {"c", "cpp"}:
        name_node = _c_declarator_name(node)
        if name_node is not None and name_node.type == "qualified_identifier":
            kind = "method"
    elif t in {"struct_specifier", "union_specifier", "enum_specifier", "class_specifier"}:
        if name_node is None and node.parent is not None and node.parent.type == "type_definition":
            name_node = node.parent.child_by_field_name("declarator")
    elif t == "namespace_definition" and name_node is None:
        return ("anonymous", kind, quals)
    elif t == "class_declaration" and language == "kotlin":
        keywords = {c.type for c in node.children if not c.is_named}
        kind = "interface" if "interface" in keywords else "enum" if "enum" in keywords else kind
    elif t == "class_declaration" and language == "swift":
        kind = _SWIFT_KINDS.get(_text(node.child_by_field_name("declaration_kind")), "class")
    elif t == "companion_object":
        name_node = _first_named(node, _NAME_TYPES)
        if name_node is None:
            return ("Companion", kind, quals)
    elif t == "init_declaration":
        return ("init", kind, quals)
    elif t == "instance":
        patterns = node.child_by_field_name("patterns")
        name = " ".join(filter(None, (_text(name_node), _text(patterns))))
        return (name, kind, quals) if name else None
    elif t == "function_declaration" and language == "lua" and name_node is not None:
        if name_node.type == "method_index_expression":
            kind = "method"
        parts = re.split(r"[.:]", _text(name_node))
        return (parts[-1], kind, [p for p in parts[:-1] if p]) if parts[-1] else None
    if name_node is None and language != "haskell":
        name_node = _first_named(node, _NAME_TYPES)
    name = _text(name_node).strip()
    if language == "ruby":
        name = name.replace("::", ".")
    if "::" in name and language in {"cpp", "c"}:
        parts = [_GENERICS.sub("", p) for p in name.split("::")]
        quals.extend(p for p in parts[:-1] if p)
        name = parts[-1]
    if t in {"module", "internal_module"}:
        name = name.strip("\"'`")
    if t not in {"variable_declarator"} and t in {"class_specifier", "struct_specifier"}:
        name = _GENERICS.sub("", name)
    if not name or "\n" in name:
        return None
    return name, kind, quals


def _describe_elixir(node: Node) -> tuple[str, str, list[str]] | None:
    target = node.child_by_field_name("target")
    kind = ELIXIR_DEF_CALLS.get(_text(target))
    args = _first_named(node, frozenset({"arguments"}))
    if kind is None or args is None or args.named_child_count == 0:
        return None
    head = args.named_children[0]
    if head.type == "binary_operator":  # def f(x) when guard
        head = head.child_by_field_name("left") or head
    if head.type == "call":
        head = head.child_by_field_name("target") or head
    name = _text(head).strip()
    return (name, kind, []) if name and "\n" not in name else None


def _describe_zig(node: Node) -> tuple[str, str, list[str]] | None:
    if node.type == "TestDecl":
        label = _first_named(node, frozenset({"STRINGLITERALSINGLE", "IDENTIFIER"}))
        return (_text(label).strip('"') or "test", "test", [])
    proto = _first_named(node, frozenset({"FnProto"}))
    if proto is not None:
        name = _text(proto.child_by_field_name("function"))
        return (name, "function", []) if name else None
    var = _first_named(node, frozenset({"VarDecl"}))
    if var is None:
        return None
    name = _text(var.child_by_field_name("variable_type_function"))
    container = _zig_container(var)
    if not name or container is None:
        return None
    head = _first_named(container, frozenset({"ContainerDeclType"}))
    word = _text(head).split("(")[0].strip() if head is not None else "struct"
    return name, word if word in {"struct", "enum", "union"} else "struct", []


def _zig_container(var: Node) -> Node | None:
    cur: Node | None = var
    for types in ({"ErrorUnionExpr"}, {"SuffixExpr"}, {"ContainerDecl"}):
        cur = _first_named(cur, frozenset(types)) if cur is not None else None
    return cur


def _find_type_name(node: Node) -> str | None:
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == "type_identifier":
            return _text(cur)
        stack.extend(reversed(cur.named_children))
    return None


def _c_declarator_name(node: Node) -> Node | None:
    cur = node.child_by_field_name("declarator")
    for _ in range(16):
        if cur is None or cur.type in _C_NAME_TYPES:
            return cur
        nxt = cur.child_by_field_name("declarator")
        cur = nxt if nxt is not None else _first_named(cur, _C_NAME_TYPES)
    return None


def _body(d: Def, language: str) -> Node | None:
    node = d.node
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        return value.child_by_field_name("body") if value is not None else None
    body = node.child_by_field_name("body")
    if body is not None:
        return body
    if language == "zig":
        var = _first_named(node, frozenset({"VarDecl"}))
        return _zig_container(var) if var is not None else _first_named(node, frozenset({"Block"}))
    return _first_named(node, frozenset({"class_body", "function_body", "enum_class_body",
                                         "do_block", "template_body", "declaration_list"}))


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
        if t == "unary_operator" and not _text(prev).startswith(("@doc", "@spec", "@impl")):
            break
        if last_line(prev) < top - 1:
            break
        before = prev.prev_sibling
        if is_comment and before is not None and last_line(before) >= first_line(prev):
            break  # a trailing comment on the previous code line
        out.append(prev)
        top = first_line(prev)
        prev = prev.prev_named_sibling
    out.reverse()
    return out


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
            parts = [_text(c) for c in first.named_children if c.type == "string_content"]
            return _first_paragraph("".join(parts))
        return None  # comments above a Python definition are not its documentation
    if language == "elixir" and d.kind in {"module", "protocol", "impl"}:
        body = _body(d, language)
        for c in body.named_children if body is not None else ():
            if c.type == "unary_operator" and _text(c).startswith("@moduledoc"):
                return _first_paragraph(_elixir_string(_text(c)))
    docs = [n for n in d.leading if "comment" in n.type or n.type == "haddock"]
    if language == "elixir":
        docs = [n for n in d.leading if _text(n).startswith("@doc")]
        return _first_paragraph(_elixir_string(_text(docs[-1]))) if docs else None
    if not docs:
        return None
    cleaned = []
    for n in docs:
        for line in _text(n).split("\n"):
            line = _COMMENT_MARKS.sub("", line)
            cleaned.append(re.sub(r"\s*\*+/\s*$", "", line))
    return _first_paragraph(_DOC_TAGS.sub("", "\n".join(cleaned)))


def _elixir_string(text: str) -> str:
    return re.sub(r'^@\w+\s*(?:~[sS])?("""|")?', "", text).rstrip().removesuffix('"""').rstrip('"')


def _first_paragraph(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    para = re.split(r"\n\s*\n", text, maxsplit=1)[0]
    para = " ".join(para.split())
    return para[:_MAX_DOC] or None
