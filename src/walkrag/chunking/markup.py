"""Chunking prose along its heading tree: Markdown, reStructuredText, AsciiDoc.

Each section (heading through the line before the next heading) becomes a chunk whose
header is the breadcrumb ``path > Top > Sub``. Big sections are cut at paragraph
boundaries, tiny neighbours are merged, and every section (plus Sphinx object
directives such as ``.. setting::``) is reported as a Definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from walkrag.chunking.text import line_windows
from walkrag.records import Chunk, Definition, Document

MAX_TOKENS = 500
TINY_TOKENS = 40


@dataclass(slots=True)
class Heading:
    start: int  # 1-based first line (overline, title, or a label block attached above it)
    end: int  # 1-based last line of the heading itself (underline)
    level: int
    title: str


def chunk_markup(doc: Document) -> tuple[list[Chunk], list[Definition]]:
    """Chunk a Markdown/reST/AsciiDoc/plain-text document; return chunks and definitions."""
    lines = doc.text.split("\n")
    if doc.format == "text":
        return line_windows(doc.path, lines, doc.language), []
    headings = find_headings(lines, doc.format)
    sections = _sections(lines, headings)
    chunks = _chunks(doc, lines, headings, sections)
    defs = [
        Definition(
            name=h.title,
            qualified_name=" > ".join(titles),
            kind="section",
            path=doc.path,
            start_line=h.start,
            end_line=full_end,
            language=doc.language,
        )
        for h, (titles, _, full_end) in zip(headings, sections, strict=True)
    ]
    if doc.format == "rst":
        defs += _directives(doc, lines, headings, sections)
    defs.sort(key=lambda d: (d.start_line, -d.end_line, d.kind, d.name))
    return chunks, defs


# --- headings -----------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})([^`]*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(={2,}|-{3,})[ \t]*$")
_NOT_TITLE = re.compile(r"^(\s{4,}|\s*([-*+]\s|\d+[.)]\s|>|\|))")
_RST_ADORN = re.compile(r"^([!-/:-@\[-`{-~])\1+\s*$")
_RST_LABEL = re.compile(r"^\.\. (_[^:]*:|[\w:-]+::.*)\s*$")
_ADOC_TITLE = re.compile(r"^(={1,6})[ \t]+(\S.*?)(?:[ \t]+=+)?[ \t]*$")
_ADOC_DELIM = re.compile(r"^(-{4,}|\.{4,}|\+{4,}|_{4,}|\*{4,}|/{4,}|={4,}|`{3,})\s*$")


def find_headings(lines: list[str], fmt: str) -> list[Heading]:
    """Headings of a document in order, with levels (1 = top)."""
    if fmt == "markdown":
        return _markdown_headings(lines)
    if fmt == "rst":
        return _attach_labels(lines, _rst_headings(lines))
    if fmt == "asciidoc":
        return _asciidoc_headings(lines)
    return []


def clean_title(title: str) -> str:
    """Strip inline markup from a heading so it reads as a name."""
    t = re.sub(r":[\w:+.-]+:`([^`]*)`", lambda m: re.sub(r"\s*<[^>]*>$", "", m.group(1)).lstrip("~!"), title)
    t = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", t)
    t = re.sub(r"(\*\*|__)(.+?)\1", r"\2", t.replace("`", ""))
    t = re.sub(r"\s*\{#[^}]*\}\s*$", "", t)
    return " ".join(t.split()) or title.strip()


def _markdown_headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    n = len(lines)
    i = 0
    if n and lines[0].strip() in ("---", "+++"):  # front matter is metadata, not headings
        closers = ("---", "...") if lines[0].strip() == "---" else ("+++",)
        for j in range(1, n):
            if lines[j].strip() in closers:
                i = j + 1
                break
    fence: str | None = None
    boundary = True  # the previous line ended a block, so a setext title may start here
    while i < n:
        line = lines[i]
        if fence is not None:
            m = _FENCE_CLOSE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence, boundary = None, True
            i += 1
            continue
        if line.lstrip().startswith("<!--"):
            while i < n and "-->" not in lines[i]:
                i += 1
            i, boundary = i + 1, True
            continue
        m = _FENCE_OPEN.match(line)
        if m and not (m.group(1)[0] == "~" and "~" in m.group(2)):
            fence, i, boundary = m.group(1), i + 1, False
            continue
        m = _ATX.match(line)
        if m:
            title = re.sub(r"(^|[ \t]+)#+$", "", m.group(2) or "").strip()
            if title:
                out.append(Heading(i + 1, i + 1, len(m.group(1)), clean_title(title)))
            i, boundary = i + 1, True
            continue
        if (
            boundary
            and line.strip()
            and i + 1 < n
            and _SETEXT.match(lines[i + 1])
            and not _NOT_TITLE.match(line)
        ):
            level = 1 if lines[i + 1].strip()[0] == "=" else 2
            out.append(Heading(i + 1, i + 2, level, clean_title(line.strip())))
            i, boundary = i + 2, True
            continue
        boundary = not line.strip()
        i += 1
    return out


def _rst_headings(lines: list[str]) -> list[Heading]:
    # Levels follow the order in which adornment styles first appear, as in docutils.
    styles: list[tuple[str, bool]] = []
    out: list[Heading] = []

    def add(start: int, end: int, style: tuple[str, bool], title: str) -> None:
        if style not in styles:
            styles.append(style)
        out.append(Heading(start, end, styles.index(style) + 1, clean_title(title)))

    n = len(lines)
    i = 0
    while i < n:
        line = lines[i].rstrip()
        after_blank = i == 0 or not lines[i - 1].strip()
        if after_blank and i + 2 < n and _RST_ADORN.match(line):
            title, under = lines[i + 1], lines[i + 2].rstrip()
            if (
                title.strip()
                and not _RST_ADORN.match(title)
                and _RST_ADORN.match(under)
                and under[0] == line[0]
            ):
                add(i + 1, i + 3, (line[0], True), title.strip())
                i += 3
                continue
        if (
            after_blank
            and line
            and not line[0].isspace()
            and i + 1 < n
            and not _RST_ADORN.match(line)
            and not line.startswith(".. ")
        ):
            under = lines[i + 1].rstrip()
            if _RST_ADORN.match(under) and (len(under) >= len(line) or len(under) >= 4):
                add(i + 1, i + 2, (under[0], False), line)
                i += 2
                continue
        i += 1
    return out


def _attach_labels(lines: list[str], headings: list[Heading]) -> list[Heading]:
    """Move each section's start up over ``.. _label:`` / ``.. setting:: X`` lines just above it."""
    prev_end = 0
    for h in headings:
        j = h.start - 1  # 1-based line just above the heading
        while j > prev_end:
            text = lines[j - 1]
            if not text.strip():
                j -= 1
            elif _RST_LABEL.match(text):
                h.start = j
                j -= 1
            else:
                break
        prev_end = h.end
    return headings


def _asciidoc_headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    delim: str | None = None
    for i, line in enumerate(lines):
        stripped = line.rstrip()
        if delim is not None:
            if stripped == delim:
                delim = None
            continue
        if _ADOC_DELIM.match(stripped):
            delim = stripped
            continue
        m = _ADOC_TITLE.match(stripped)
        if m:
            out.append(Heading(i + 1, i + 1, len(m.group(1)), clean_title(m.group(2))))
    return out


# --- sections and chunks ------------------------------------------------------------


def _last_nonblank(lines: list[str], start: int, end: int) -> int:
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _sections(lines: list[str], headings: list[Heading]) -> list[tuple[list[str], int, int]]:
    """Per heading: (breadcrumb titles, end of its own text, end including subsections)."""
    n = len(lines)
    # A section ends where the next heading at its level or above starts.
    full = [n] * len(headings)
    open_: list[int] = []
    for k, h in enumerate(headings):
        while open_ and headings[open_[-1]].level >= h.level:
            full[open_.pop()] = h.start - 1
        open_.append(k)
    out = []
    stack: list[Heading] = []
    for k, h in enumerate(headings):
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
        own = headings[k + 1].start - 1 if k + 1 < len(headings) else n
        titles = [s.title for s in stack]
        out.append((titles, _last_nonblank(lines, h.start, own), _last_nonblank(lines, h.start, full[k])))
    return out


def _tokens(lines: list[str], start: int, end: int) -> int:
    return sum(len(line) + 1 for line in lines[start - 1 : end]) // 4


def _paragraphs(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Runs of non-blank lines; blank lines inside a fenced block do not split it."""
    paras: list[tuple[int, int]] = []
    fence: str | None = None
    para_start: int | None = None
    for i in range(start, end + 1):
        line = lines[i - 1]
        if fence is None:
            m = _FENCE_OPEN.match(line)
            if m:
                fence = m.group(1)
        else:
            m = _FENCE_CLOSE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
        if line.strip():
            if para_start is None:
                para_start = i
        elif fence is None and para_start is not None:
            paras.append((para_start, i - 1))
            para_start = None
    if para_start is not None:
        paras.append((para_start, _last_nonblank(lines, para_start, end)))
    return paras


def _split(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Cut ``start..end`` into pieces of at most MAX_TOKENS, at paragraph boundaries if possible."""
    pieces: list[tuple[int, int]] = []
    cur: list[int] = []  # [start, end] of the piece being filled

    def by_lines(a: int, b: int) -> None:
        size, piece_start = 0, a
        for i in range(a, b + 1):
            size += len(lines[i - 1]) + 1
            if size // 4 > MAX_TOKENS and i > piece_start:
                pieces.append((piece_start, i - 1))
                piece_start, size = i, len(lines[i - 1]) + 1
        pieces.append((piece_start, b))

    for a, b in _paragraphs(lines, start, end):
        if _tokens(lines, a, b) > MAX_TOKENS:
            by_lines(cur[0] if cur else a, b)
            cur = []
        elif cur and _tokens(lines, cur[0], b) > MAX_TOKENS:
            pieces.append((cur[0], cur[1]))
            cur = [a, b]
        else:
            cur = [cur[0] if cur else a, b]
    if cur:
        pieces.append((cur[0], cur[1]))
    out = []
    for a, b in pieces:  # pieces start and end on non-blank lines
        while a < b and not lines[a - 1].strip():
            a += 1
        b = _last_nonblank(lines, a, b)
        if lines[a - 1].strip():
            out.append((a, b))
    return out


def _chunks(
    doc: Document, lines: list[str], headings: list[Heading], sections: list[tuple[list[str], int, int]]
) -> list[Chunk]:
    def make(a: int, b: int, kind: str, titles: list[str] | None) -> Chunk:
        header = " > ".join([doc.path, *titles]) if titles else doc.path
        return Chunk(
            path=doc.path,
            start_line=a,
            end_line=b,
            kind=kind,
            language=doc.language,
            text="\n".join(lines[a - 1 : b]),
            header=header,
            symbol=" > ".join(titles) if titles else None,
        )

    chunks: list[Chunk] = []
    first = headings[0].start if headings else len(lines) + 1
    end = _last_nonblank(lines, 1, first - 1) if first > 1 else 0
    if end >= 1 and any(line.strip() for line in lines[:end]):
        chunks += [make(a, b, "preamble", None) for a, b in _split(lines, 1, end)]
    k = 0
    while k < len(headings):
        h, (titles, own_end, _) = headings[k], sections[k]
        if _tokens(lines, h.start, own_end) > MAX_TOKENS:
            chunks += [make(a, b, "section", titles) for a, b in _split(lines, h.start, own_end)]
            k += 1
            continue
        # Tiny sections absorb their following siblings up to the budget. A sibling can only
        # follow directly when the sections before it have no subsections.
        last = k
        while (
            last + 1 < len(headings)
            and _tokens(lines, h.start, sections[last][1]) < TINY_TOKENS
            and headings[last + 1].level == h.level
            and _tokens(lines, h.start, sections[last + 1][1]) <= MAX_TOKENS
        ):
            last += 1
        chunks.append(make(h.start, sections[last][1], "section", titles))
        k = last + 1
    return chunks


# --- Sphinx object directives ---------------------------------------------------------

_DIRECTIVE = re.compile(r"^(\s*)\.\. (?:([\w-]+):)?([\w-]+)::[ \t]*(.*?)\s*$")
DIRECTIVE_KINDS = frozenset(
    "setting function class method attribute data envvar exception decorator classmethod staticmethod"
    " property module option confval django-admin django-admin-option templatetag templatefilter"
    " fieldlookup".split()
)
_PY_KINDS = frozenset(
    "function class method attribute data exception decorator classmethod staticmethod property module".split()
)


def _first_paragraph(lines: list[str], start: int, end: int) -> str | None:
    words: list[str] = []
    for line in lines[start - 1 : end]:
        text = line.strip()
        if not text:
            if words:
                break
            continue
        if not words and re.match(r":[\w-]+:(\s|$)", text):  # directive options
            continue
        words.append(text)
    doc = " ".join(words)
    return (doc[:297] + "...") if len(doc) > 300 else (doc or None)


def _directives(
    doc: Document, lines: list[str], headings: list[Heading], sections: list[tuple[list[str], int, int]]
) -> list[Definition]:
    out: list[Definition] = []
    attached = {}  # label-block line -> heading index, for targets attached above a heading
    for k, h in enumerate(headings):
        for line_no in range(h.start, h.end):
            attached[line_no] = k
    module = ""
    scopes: list[tuple[int, str, int]] = []  # (indent, dotted path, last line) of classes
    for i, line in enumerate(lines, start=1):
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        indent, kind, arg = len(m.group(1)), m.group(3), m.group(4)
        if kind == "currentmodule" or (kind == "module" and arg):
            module = "" if arg == "None" else arg.split()[0] if arg else ""
        if kind not in DIRECTIVE_KINDS or not arg:
            continue
        end = i
        for j in range(i + 1, len(lines) + 1):
            text = lines[j - 1]
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            if text.strip():
                end = j
        docstring = _first_paragraph(lines, i + 1, end) if end > i else None
        if end == i:  # a bare target such as Django's `.. setting::` names the section below
            k = attached.get(i)
            if k is not None:
                end = sections[k][2]
                docstring = _first_paragraph(lines, headings[k].end + 1, end)
        while scopes and (scopes[-1][2] < i or scopes[-1][0] >= indent):
            scopes.pop()
        if kind in _PY_KINDS:
            dotted = (re.match(r"[\w.]+", arg) or re.match(r"\S+", arg)).group()
            name = dotted.rsplit(".", 1)[-1] or dotted
            path = f"{scopes[-1][1]}.{dotted}" if scopes and kind != "module" else dotted
            qualified = (
                path
                if not module or kind == "module" or path.startswith(module + ".")
                else f"{module}.{path}"
            )
            if kind in {"class", "exception"}:
                scopes.append((indent, path, end))
        else:
            name = qualified = arg.split()[0].rstrip(",")
        out.append(
            Definition(
                name=name,
                qualified_name=qualified,
                kind=kind,
                path=doc.path,
                start_line=i,
                end_line=end,
                language=doc.language,
                signature=arg if ("(" in arg or arg.split()[0] != arg) else None,
                docstring=docstring,
            )
        )
    return out
