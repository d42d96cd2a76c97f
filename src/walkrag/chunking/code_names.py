"""What a definition node is called and what kind it is, per grammar.

The node tables in :mod:`walkrag.chunking.code_nodes` say which nodes are
definitions; this module reads their names, where grammars differ: Go
receivers, Rust impl targets, C declarators, Elixir ``def`` calls, Zig
``const X = struct``, JavaScript functions assigned to names.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from walkrag.chunking.code_nodes import ELIXIR_DEF_CALLS, LangSpec

_NAME_TYPES = frozenset(
    {
        "identifier",
        "type_identifier",
        "simple_identifier",
        "constant",
        "name",
        "word",
        "property_identifier",
        "field_identifier",
        "namespace_identifier",
        "IDENTIFIER",
    }
)
_FUNCTION_VALUES = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function",
        "generator_function",
        "class",
        "function_definition",
    }
)
_C_NAME_TYPES = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "type_identifier",
        "template_function",
    }
)
_SWIFT_KINDS = {
    "class": "class",
    "struct": "struct",
    "enum": "enum",
    "extension": "extension",
    "actor": "class",
}
_GENERICS = re.compile(r"<.*")


def node_text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def first_named(node: Node, types: frozenset[str]) -> Node | None:
    for c in node.named_children:
        if c.type in types:
            return c
    return None


def describe(node: Node, language: str, spec: LangSpec) -> tuple[str, str, list[str]] | None:
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
        value = value_function(node)
        if value is None:
            return None
        kind = "class" if value.type == "class" else "function"
    elif t in {"assignment_expression", "assignment_statement"}:
        value = value_function(node)
        target = node.child_by_field_name("left") or first_named(node, frozenset({"variable_list"}))
        if value is None or target is None:
            return None
        parts = [p for p in re.split(r"[.:]", node_text(target)) if p and p != "prototype"]
        own = node_text(value.child_by_field_name("name"))
        if parts and parts[-1] == "exports" and own:
            parts = [own]
        if not parts or not all(p.isidentifier() or p.startswith("$") for p in parts):
            return None
        return parts[-1], "class" if value.type == "class" else "function", parts[:-1]
    elif t == "type_declaration":
        spec_node = first_named(node, frozenset({"type_spec", "type_alias"}))
        if spec_node is None:
            return None
        name_node = spec_node.child_by_field_name("name")
        inner = spec_node.child_by_field_name("type")
        kind = {"struct_type": "struct", "interface_type": "interface"}.get(
            inner.type if inner is not None else "", "type"
        )
    elif t == "method_declaration" and language == "go":
        receiver = node.child_by_field_name("receiver")
        recv = _find_type_name(receiver) if receiver is not None else None
        if recv:
            quals.append(recv)
    elif t == "impl_item":
        name = _GENERICS.sub("", node_text(node.child_by_field_name("type"))).split("::")[-1].strip()
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
        kind = _SWIFT_KINDS.get(node_text(node.child_by_field_name("declaration_kind")), "class")
    elif t == "companion_object":
        name_node = first_named(node, _NAME_TYPES)
        if name_node is None:
            return ("Companion", kind, quals)
    elif t == "init_declaration":
        return ("init", kind, quals)
    elif t == "instance":
        patterns = node.child_by_field_name("patterns")
        name = " ".join(filter(None, (node_text(name_node), node_text(patterns))))
        return (name, kind, quals) if name else None
    elif t == "function_declaration" and language == "lua" and name_node is not None:
        if name_node.type == "method_index_expression":
            kind = "method"
        parts = re.split(r"[.:]", node_text(name_node))
        return (parts[-1], kind, [p for p in parts[:-1] if p]) if parts[-1] else None
    if name_node is None and language != "haskell":
        name_node = first_named(node, _NAME_TYPES)
    name = node_text(name_node).strip()
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
    kind = ELIXIR_DEF_CALLS.get(node_text(target))
    args = first_named(node, frozenset({"arguments"}))
    if kind is None or args is None or args.named_child_count == 0:
        return None
    head = args.named_children[0]
    if head.type == "binary_operator":  # def f(x) when guard
        head = head.child_by_field_name("left") or head
    if head.type == "call":
        head = head.child_by_field_name("target") or head
    name = node_text(head).strip()
    return (name, kind, []) if name and "\n" not in name else None


def _describe_zig(node: Node) -> tuple[str, str, list[str]] | None:
    if node.type == "TestDecl":
        label = first_named(node, frozenset({"STRINGLITERALSINGLE", "IDENTIFIER"}))
        return (node_text(label).strip('"') or "test", "test", [])
    proto = first_named(node, frozenset({"FnProto"}))
    if proto is not None:
        name = node_text(proto.child_by_field_name("function"))
        return (name, "function", []) if name else None
    var = first_named(node, frozenset({"VarDecl"}))
    if var is None:
        return None
    name = node_text(var.child_by_field_name("variable_type_function"))
    container = zig_container(var)
    if not name or container is None:
        return None
    head = first_named(container, frozenset({"ContainerDeclType"}))
    word = node_text(head).split("(")[0].strip() if head is not None else "struct"
    return name, word if word in {"struct", "enum", "union"} else "struct", []


def zig_container(var: Node) -> Node | None:
    cur: Node | None = var
    for types in ({"ErrorUnionExpr"}, {"SuffixExpr"}, {"ContainerDecl"}):
        cur = first_named(cur, frozenset(types)) if cur is not None else None
    return cur


def value_function(node: Node) -> Node | None:
    """The function (or class) assigned by a declarator or assignment, if that is what it is."""
    value = node.child_by_field_name("value") or node.child_by_field_name("right")
    if value is None and node.type == "assignment_statement":  # Lua
        values = first_named(node, frozenset({"expression_list"}))
        value = values.named_children[0] if values is not None and values.named_child_count else None
    if value is None or value.type not in _FUNCTION_VALUES:
        return None
    return value


def _find_type_name(node: Node) -> str | None:
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == "type_identifier":
            return node_text(cur)
        stack.extend(reversed(cur.named_children))
    return None


def _c_declarator_name(node: Node) -> Node | None:
    cur = node.child_by_field_name("declarator")
    for _ in range(16):
        if cur is None or cur.type in _C_NAME_TYPES:
            return cur
        nxt = cur.child_by_field_name("declarator")
        cur = nxt if nxt is not None else first_named(cur, _C_NAME_TYPES)
    return None
