"""The lexical index (tantivy, BM25), derived from the SQLite system of record.

Text is fed as code-aware tokens (see :mod:`walkrag.retrieval.tokenize`), so
``getUserName`` is found by ``user name`` and by ``getusername``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import tantivy

from walkrag.retrieval.tokenize import code_tokens

LEXICAL_DIR = "lexical"
# BM25 field weights: the breadcrumb and symbol name say what a chunk is about.
FIELD_BOOSTS = {"body": 1.0, "header": 1.6, "symbol": 2.2, "path": 1.4}
_SCHEMA_VERSION = "1"


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_text_field("path_key", stored=False, tokenizer_name="raw", index_option="basic")
    b.add_text_field("body", stored=False, tokenizer_name="en_stem", index_option="freq")
    b.add_text_field("header", stored=False, tokenizer_name="en_stem", index_option="freq")
    b.add_text_field("symbol", stored=False, tokenizer_name="default", index_option="freq")
    b.add_text_field("path", stored=False, tokenizer_name="default", index_option="freq")
    return b.build()


def path_terms(path: str) -> str:
    """Tokens of a path: directories and the file's stem (extension dropped)."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return " ".join(code_tokens(stem))


class LexicalStale(RuntimeError):
    """The lexical index is missing or was written with another schema; an index run rebuilds it."""


class LexicalIndex:
    """A tantivy index in ``<index_dir>/lexical``."""

    def __init__(self, index_dir: Path, *, writable: bool = True):
        """Open (or, ``writable``, create) the index; a writer clears one of another schema version.

        A reader never changes the folder: an index it cannot read raises :class:`LexicalStale`.
        """
        self.path = Path(index_dir) / LEXICAL_DIR
        self.schema = _schema()
        self._writer: tantivy.IndexWriter | None = None
        version_file = self.path / "walkrag-schema"
        found = version_file.read_text() if version_file.exists() else None
        if not writable:
            if found != _SCHEMA_VERSION:
                raise LexicalStale(
                    f"the lexical index in {self.path} "
                    + ("is missing" if found is None else f"has schema {found}, this walkrag reads {_SCHEMA_VERSION}")
                    + ": run `walkrag index` to rebuild it"
                )
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            return
        self.path.mkdir(parents=True, exist_ok=True)
        if found is not None and found != _SCHEMA_VERSION:
            self.clear_files()
        self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        version_file.write_text(_SCHEMA_VERSION)

    def clear_files(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)

    # -- writing --------------------------------------------------------------
    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        return self._writer

    def add(self, chunk_id: int, path: str, header: str, symbol: str | None, text: str) -> None:
        self.writer.add_document(
            tantivy.Document(
                id=chunk_id,
                path_key=path,
                body=" ".join(code_tokens(text)),
                header=" ".join(code_tokens(header)),
                symbol=" ".join(code_tokens(symbol or "")),
                path=path_terms(path),
            )
        )

    def delete_path(self, path: str) -> None:
        self.writer.delete_documents_by_term("path_key", path)

    def delete_all(self) -> None:
        self.writer.delete_all_documents()

    def commit(self, *, final: bool = True) -> None:
        """Make added and deleted documents visible; ``final`` also ends the writer and its merges."""
        if self._writer is not None:
            self._writer.commit()
            if final:
                self._writer.wait_merging_threads()
                self._writer = None
        self.index.reload()

    # -- reading --------------------------------------------------------------
    def search(self, tokens: list[str], limit: int, boosts: dict[str, float] | None = None) -> list[tuple[int, float]]:
        """BM25 over all fields for an OR of ``tokens``; returns (chunk id, score), best first."""
        if not tokens:
            return []
        boosts = boosts or FIELD_BOOSTS
        query = self.index.parse_query(" ".join(tokens), list(boosts), field_boosts=boosts)
        searcher = self.index.searcher()
        result = searcher.search(query, limit)
        out = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            out.append((int(doc["id"][0]), float(score)))
        return out

    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)
