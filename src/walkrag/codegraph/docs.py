"""Cross-references in prose: links, anchors, reST/Sphinx roles and inline code.

Kinds of :class:`~walkrag.codegraph.tags.Ref` produced here:

- ``link``: a Markdown/reST/AsciiDoc link to another file of the corpus; ``module``
  is the target path (resolved against the linking file), ``name`` the anchor.
- ``role``: a Sphinx role (``:func:`x```, ``:setting:`X```, ``:ref:`label```,
  ``:doc:`path```); ``module`` is the role, ``name`` the target.
- ``mention``: inline code that may name a symbol (``Paginator``, ``get_object_or_404()``);
  ``module`` keeps the full dotted text, ``name`` its last part.
- ``label``: a reST target ``.. _label:`` (what ``:ref:`` points at).
"""

from __future__ import annotations

import posixpath
import re

from walkrag.codegraph.tags import Ref

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_MD_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_MD_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_RST_ROLE = re.compile(r":(?:(?:py|std|c|cpp|js):)?([a-z][\w-]*):`([^`]+)`")
_RST_LITERAL = re.compile(r"``([^`\n]+)``")
_RST_LINK = re.compile(r"`[^`<]*<([^>`]+)>`__?")
_RST_LABEL = re.compile(r"^\s*\.\. _([^:`]+|`[^`]+`):\s*$")
_RST_INCLUDE = re.compile(r"^\s*\.\. (?:include|literalinclude)::\s*(\S+)")
_ADOC_XREF = re.compile(r"<<([^,>\s]+)(?:,[^>]*)?>>|xref:([^\[\s]+)\[")
_SYMBOLISH = re.compile(r"^[A-Za-z_@$][\w$]*(?:(?:\.|::|#|->)[A-Za-z_$][\w$]*)*(?:\(\))?$")
_EXTERNAL = re.compile(r"^(?:[a-z][\w+.-]*:|//|#?$)", re.I)
_MIN_MENTION = 3
# Sphinx roles whose target is a code object, named by a (maybe dotted) name.
CODE_ROLES = frozenset(
    "func meth class attr exc data obj mod const func member type var macro struct".split()
)


def _normalise(base_dir: str, target: str) -> str:
    joined = posixpath.normpath(posixpath.join(base_dir, target)) if not target.startswith("/") else target
    return joined.lstrip("/")


def _mention(code: str, line: int, out: list[Ref]) -> None:
    code = code.strip()
    if not _SYMBOLISH.match(code):
        return
    full = code[:-2] if code.endswith("()") else code
    name = re.split(r"\.|::|#|->", full)[-1]
    if len(name) >= _MIN_MENTION:
        out.append(Ref("mention", name, line, line, full))


def _link(path: str, target: str, line: int, out: list[Ref]) -> None:
    target = target.strip()
    if target.startswith("#"):
        out.append(Ref("link", target[1:], line, line, path))
        return
    if _EXTERNAL.match(target):
        return
    file, _, anchor = target.partition("#")
    file = file.split("?")[0]
    if file:
        out.append(Ref("link", anchor, line, line, _normalise(posixpath.dirname(path), file)))


def _role_target(role: str, raw: str) -> str:
    m = re.match(r"^(.*?)\s*<([^>]+)>$", raw.strip(), re.S)
    target = (m.group(2) if m else raw).strip().lstrip("~!")
    if role in CODE_ROLES and target.endswith("()"):
        target = target[:-2]
    return target


def extract_doc_refs(path: str, text: str, fmt: str) -> list[Ref]:
    """Every cross-reference in one Markdown, reST or AsciiDoc document."""
    out: list[Ref] = []
    fence = None
    for i, line in enumerate(text.split("\n"), start=1):
        m = _FENCE.match(line)
        if m and fmt != "rst":
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is not None:
            continue
        if fmt == "markdown":
            _markdown_line(path, line, i, out)
        elif fmt == "rst":
            _rst_line(path, line, i, out)
        elif fmt == "asciidoc":
            _asciidoc_line(path, line, i, out)
    return out


def _markdown_line(path: str, line: str, i: int, out: list[Ref]) -> None:
    for m in _MD_LINK.finditer(line):
        _link(path, m.group(2), i, out)
    m = _MD_REFDEF.match(line)
    if m:
        _link(path, m.group(1), i, out)
    for m in _MD_CODE.finditer(line):
        _mention(m.group(1), i, out)


def _rst_line(path: str, line: str, i: int, out: list[Ref]) -> None:
    m = _RST_LABEL.match(line)
    if m:
        out.append(Ref("label", m.group(1).strip("`").strip().lower(), i, i))
        return
    m = _RST_INCLUDE.match(line)
    if m:
        _link(path, m.group(1), i, out)
    for m in _RST_ROLE.finditer(line):
        role, target = m.group(1), _role_target(m.group(1), m.group(2))
        if not target:
            continue
        if role == "doc":
            base = posixpath.dirname(path)
            out.append(Ref("role", target, i, i, "doc", _normalise(base, target)))
        elif role == "ref":
            out.append(Ref("role", target.lower(), i, i, "ref"))
        else:
            out.append(Ref("role", target, i, i, role))
    for m in _RST_LITERAL.finditer(line):
        _mention(m.group(1), i, out)
    for m in _RST_LINK.finditer(line):
        _link(path, m.group(1), i, out)


def _asciidoc_line(path: str, line: str, i: int, out: list[Ref]) -> None:
    for m in _ADOC_XREF.finditer(line):
        if m.group(1):
            out.append(Ref("link", m.group(1), i, i, path))
        else:
            _link(path, m.group(2), i, out)
    for m in _MD_CODE.finditer(line):
        _mention(m.group(1), i, out)
