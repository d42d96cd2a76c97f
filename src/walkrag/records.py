"""Small records that flow between the stages of indexing and search."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Chunk:
    """A contiguous span of one file, cut along the file's structure.

    Lines are 1-based and inclusive. ``text`` is exactly the file's lines
    ``start_line..end_line`` joined with ``\\n``. ``header`` is the context
    breadcrumb (``path > Class > method(sig)``) indexed together with the text.
    """

    path: str
    start_line: int
    end_line: int
    kind: str
    language: str
    text: str
    header: str
    symbol: str | None = None
    signature: str | None = None
    docstring: str | None = None


@dataclass(slots=True)
class Definition:
    """A named definition found in a file (function, class, method, section...)."""

    name: str
    qualified_name: str
    kind: str
    path: str
    start_line: int
    end_line: int
    language: str
    signature: str | None = None
    docstring: str | None = None


@dataclass(slots=True)
class Skip:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(slots=True)
class Document:
    """A source file turned into plain text that keeps its structure.

    ``format`` names the extracted form: ``code``, ``markdown``, ``rst``,
    ``asciidoc``, ``text``. ``language`` is the programming language for code,
    otherwise the format. Binary formats (PDF, DOCX, ...) arrive here already
    converted to Markdown or text; line numbers then refer to the extracted text.
    """

    path: str
    text: str
    format: str
    language: str
    source_format: str = ""
    meta: dict = field(default_factory=dict)
