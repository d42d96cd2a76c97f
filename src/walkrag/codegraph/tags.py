"""References in source code, found by per-language tree-sitter queries kept as data.

Each ``queries/<language>.scm`` captures the *name* node of a reference:
``@call`` (calls and constructions), ``@type`` (type uses), ``@inherit``
(base classes, implemented interfaces, mixins) and ``@import`` (the module or
path an import names), with optional ``@receiver`` (what a call is made on),
``@import.name`` (a symbol imported from the module) and ``@import.alias``.
Definitions are not captured here: the chunker already records them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tree_sitter import Node, Parser, Query, QueryCursor

QUERY_DIR = Path(__file__).parent / "queries"
_MAX_RECEIVER = 60
_ELIXIR_DEFS = frozenset("def defp defmacro defmacrop defguard defguardp defdelegate defn defnp".split())
_QUOTES = "\"'`<>"


@dataclass(slots=True)
class Ref:
    """One reference from a file: a call, a type use, a base, an import or a doc cross-reference.

    ``name`` is the referenced name (for an import, the imported symbol or ``""``);
    ``module`` is the import spec, a call's receiver, or a link's target path;
    ``alias`` is the local name an import binds.
    """

    kind: str
    name: str
    start_line: int
    end_line: int
    module: str | None = None
    alias: str | None = None


def languages() -> list[str]:
    """Languages that have a reference query."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.scm"))


@cache
def supports(language: str) -> bool:
    return (QUERY_DIR / f"{language}.scm").is_file()


@cache
def _compiled(language: str) -> tuple[Parser, Query]:
    from tree_sitter_language_pack import get_language, get_parser

    lang = get_language(language)  # type: ignore[arg-type]
    source = (QUERY_DIR / f"{language}.scm").read_text(encoding="utf-8")
    return get_parser(language), Query(lang, source)  # type: ignore[arg-type]


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def _clean_import(spec: str, language: str) -> tuple[str, list[str]]:
    """The module named by an import capture, plus symbols listed in braces (Scala)."""
    spec = spec.strip().strip(_QUOTES).strip()
    if language == "scala":
        spec = re.sub(r"^import\s+", "", spec).strip()
        if "{" in spec:
            head, _, rest = spec.partition("{")
            names = [n.split("=>")[0].strip() for n in rest.rstrip("}").split(",")]
            return head.rstrip("."), [n for n in names if n and n != "_"]
        return (spec[:-2] if spec.endswith("._") else spec), []
    if language in {"java", "kotlin"} and spec.endswith(".*"):
        return spec[:-2], []
    return spec, []


def _is_elixir_head(node: Node) -> bool:
    """A function head in ``def name(args)`` parses as a call; it is the definition, not a use."""
    call = node.parent
    holder = call.parent if call is not None else None
    if holder is not None and holder.type == "binary_operator":  # def name(x) when guard
        holder = holder.parent
    outer = holder.parent if holder is not None and holder.type == "arguments" else None
    if outer is None or outer.type != "call":
        return False
    target = outer.child_by_field_name("target")
    return target is not None and _text(target) in _ELIXIR_DEFS


def extract_refs(text: str, language: str) -> list[Ref]:
    """Every reference in one source file, in source order, without duplicates."""
    parser, query = _compiled(language)
    root = parser.parse(text.encode("utf-8", "surrogatepass")).root_node
    out: dict[tuple, Ref] = {}
    for _, caps in QueryCursor(query).matches(root):
        if "import" in caps:
            _imports(caps, language, out)
            continue
        for kind in ("call", "type", "inherit"):
            nodes = caps.get(kind)
            if not nodes:
                continue
            node = nodes[0]
            if language == "elixir" and kind == "call" and _is_elixir_head(node):
                continue
            name = _text(node)
            receiver = None
            rec = caps.get("receiver")
            if rec:
                receiver = _text(rec[0])
                if len(receiver) > _MAX_RECEIVER or "\n" in receiver:
                    receiver = "?"
            line = node.start_point[0] + 1
            key = (kind, name, line, receiver)
            if key not in out:
                out[key] = Ref(kind, name, line, node.end_point[0] + 1, receiver)
    return sorted(out.values(), key=lambda r: (r.start_line, r.kind, r.name))


def _imports(caps: dict[str, list[Node]], language: str, out: dict[tuple, Ref]) -> None:
    node = caps["import"][0]
    module, listed = _clean_import(_text(node), language)
    if not module:
        return
    line = node.start_point[0] + 1
    end = node.end_point[0] + 1
    alias_nodes = caps.get("import.alias")
    alias = _text(alias_nodes[0]) if alias_nodes else None
    names = [_text(n) for n in caps.get("import.name", [])] + listed
    if not names:
        key = ("import", "", line, module, alias)
        if key not in out:
            out[key] = Ref("import", "", line, end, module, alias)
        return
    for name in names:
        key = ("import", name, line, module, alias)
        if key not in out:
            out[key] = Ref("import", name, line, end, module, alias if len(names) == 1 else None)
