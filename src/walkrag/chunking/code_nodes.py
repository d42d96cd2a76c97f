"""Per-language tree-sitter node tables for code chunking, kept as data.

Each language names the node types that are definitions (and the kind each
one gets), the wrapper nodes a definition is widened to (``export``,
decorators, ``template<...>``), and the sibling nodes directly above a
definition that belong to it (doc comments, attributes, decorators).
Grammar-specific details that a table cannot express (Elixir's ``def`` being
a call, Zig's ``const X = struct``) live in :mod:`walkrag.chunking.code_defs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds whose function-like children are methods, and whose children are
# qualified by the container's name.
CLASS_KINDS = frozenset(
    {
        "class",
        "struct",
        "interface",
        "trait",
        "impl",
        "enum",
        "object",
        "protocol",
        "extension",
        "record",
        "instance",
        "union",
    }
)
FUNCTION_KINDS = frozenset({"function", "method", "macro", "signature", "test"})

# Sibling node types above a definition that are part of it (comments match by name).
LEADING_TYPES = frozenset(
    {
        "decorator",
        "attribute_item",
        "attribute",
        "annotation",
        "marker_annotation",
        "attribute_list",
        "haddock",
        "doc_comment",
        "pragma",
    }
)


@dataclass(frozen=True, slots=True)
class LangSpec:
    """How one grammar spells definitions."""

    defs: dict[str, str]
    wrappers: frozenset[str] = frozenset()
    # Definition types that only count when they have a body (``struct x;`` is not one).
    need_body: frozenset[str] = frozenset()
    # Consecutive same-name definitions are one (Haskell equations, Elixir clauses).
    merge_clauses: bool = False
    # Raw query used instead of one built from ``defs`` (must capture ``@def``).
    query: str | None = None
    extra_leading: frozenset[str] = field(default_factory=frozenset)


_JS_DEFS = {
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "class_declaration": "class",
    "method_definition": "method",
    "variable_declarator": "function",  # only when the value is a function or class
    "assignment_expression": "function",  # `exports.f = function ...`, same condition
}
_TS_DEFS = {
    **_JS_DEFS,
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
    "internal_module": "namespace",
    "module": "module",
}
_JS_WRAPPERS = frozenset(
    {
        "export_statement",
        "lexical_declaration",
        "variable_declaration",
        "ambient_declaration",
        "expression_statement",
    }
)
_C_DEFS = {
    "function_definition": "function",
    "struct_specifier": "struct",
    "union_specifier": "union",
    "enum_specifier": "enum",
}
_C_NEED_BODY = frozenset(
    {"struct_specifier", "union_specifier", "enum_specifier", "class_specifier", "namespace_definition"}
)

ELIXIR_DEF_CALLS = {
    "defmodule": "module",
    "defprotocol": "protocol",
    "defimpl": "impl",
    "def": "function",
    "defp": "function",
    "defmacro": "macro",
    "defmacrop": "macro",
    "defguard": "function",
    "defguardp": "function",
    "defdelegate": "function",
    "defn": "function",
    "defnp": "function",
}

LANGUAGES: dict[str, LangSpec] = {
    "python": LangSpec(
        defs={"function_definition": "function", "class_definition": "class"},
        wrappers=frozenset({"decorated_definition"}),
    ),
    "javascript": LangSpec(defs=_JS_DEFS, wrappers=_JS_WRAPPERS),
    "typescript": LangSpec(defs=_TS_DEFS, wrappers=_JS_WRAPPERS),
    "tsx": LangSpec(defs=_TS_DEFS, wrappers=_JS_WRAPPERS),
    "go": LangSpec(
        defs={"function_declaration": "function", "method_declaration": "method", "type_declaration": "type"},
    ),
    "rust": LangSpec(
        defs={
            "function_item": "function",
            "function_signature_item": "function",
            "impl_item": "impl",
            "struct_item": "struct",
            "enum_item": "enum",
            "union_item": "union",
            "trait_item": "trait",
            "mod_item": "module",
            "macro_definition": "macro",
        },
        need_body=frozenset({"mod_item"}),
    ),
    "java": LangSpec(
        defs={
            "class_declaration": "class",
            "interface_declaration": "interface",
            "enum_declaration": "enum",
            "record_declaration": "record",
            "annotation_type_declaration": "interface",
            "method_declaration": "method",
            "constructor_declaration": "method",
            "compact_constructor_declaration": "method",
        },
    ),
    "kotlin": LangSpec(
        defs={
            "class_declaration": "class",
            "object_declaration": "object",
            "companion_object": "object",
            "function_declaration": "function",
        },
    ),
    "scala": LangSpec(
        defs={
            "class_definition": "class",
            "object_definition": "object",
            "trait_definition": "trait",
            "enum_definition": "enum",
            "function_definition": "function",
            "function_declaration": "function",
        },
    ),
    "c": LangSpec(defs=_C_DEFS, wrappers=frozenset({"type_definition"}), need_body=_C_NEED_BODY),
    "cpp": LangSpec(
        defs={**_C_DEFS, "class_specifier": "class", "namespace_definition": "namespace"},
        wrappers=frozenset({"template_declaration", "type_definition"}),
        need_body=_C_NEED_BODY,
    ),
    "csharp": LangSpec(
        defs={
            "class_declaration": "class",
            "interface_declaration": "interface",
            "struct_declaration": "struct",
            "enum_declaration": "enum",
            "record_declaration": "record",
            "namespace_declaration": "namespace",
            "method_declaration": "method",
            "constructor_declaration": "method",
            "local_function_statement": "function",
        },
    ),
    "ruby": LangSpec(
        defs={"class": "class", "module": "module", "method": "function", "singleton_method": "method"},
    ),
    "php": LangSpec(
        defs={
            "class_declaration": "class",
            "interface_declaration": "interface",
            "trait_declaration": "trait",
            "enum_declaration": "enum",
            "function_definition": "function",
            "method_declaration": "method",
            "namespace_definition": "namespace",
        },
        need_body=frozenset({"namespace_definition"}),
    ),
    "swift": LangSpec(
        defs={
            "class_declaration": "class",
            "protocol_declaration": "protocol",
            "function_declaration": "function",
            "init_declaration": "method",
            "protocol_function_declaration": "method",
        },
    ),
    "elixir": LangSpec(
        defs={"call": "function"},
        merge_clauses=True,
        query="((call target: (identifier) @t) @def (#any-of? @t "
        + " ".join(f'"{name}"' for name in ELIXIR_DEF_CALLS)
        + "))",
        extra_leading=frozenset({"unary_operator"}),
    ),
    "haskell": LangSpec(
        defs={
            "function": "function",
            "bind": "function",
            "signature": "signature",
            "data_type": "data",
            "newtype": "data",
            "type_synomym": "type",
            "type_synonym": "type",
            "class": "class",
            "instance": "instance",
        },
        merge_clauses=True,
    ),
    "lua": LangSpec(defs={"function_declaration": "function", "assignment_statement": "function"}),
    "zig": LangSpec(defs={"Decl": "function", "TestDecl": "test"}),
    "bash": LangSpec(defs={"function_definition": "function"}),
}
