"""Chunking along the structure of a document: code by definitions, prose by headings."""

from __future__ import annotations

from walkrag.records import Chunk, Definition, Document

# Bump when chunks or definitions of unchanged files would come out differently: the next
# index run then re-chunks every file (vectors of unchanged chunk text stay cached).
CHUNKER_VERSION = "3"  # 2: top-level constants are definitions; 3: and Java/Kotlin/C# class constants


def chunk_document(doc: Document) -> tuple[list[Chunk], list[Definition]]:
    """Chunk one extracted document; also return the definitions found on the way."""
    from walkrag.chunking.code import chunk_code, supports
    from walkrag.chunking.markup import chunk_markup
    from walkrag.chunking.text import chunk_text

    if doc.format == "code" and supports(doc.language):
        return chunk_code(doc.path, doc.text, doc.language)
    if doc.format in {"markdown", "rst", "asciidoc", "text"}:
        return chunk_markup(doc)
    return chunk_text(doc.path, doc.text, doc.language), []
