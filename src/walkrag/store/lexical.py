"""The lexical index (tantivy, BM25), derived from the SQLite system of record.

Two tantivy indexes under ``<index_dir>/lexical``: one document per chunk
(``chunks/``) and one per file (``files/``, the file's whole text and path), so
that a file whose text as a whole is about the query's words can lift its
chunks. Text is fed as code-aware tokens (see :mod:`walkrag.retrieval.tokenize`),
so ``getUserName`` is found by ``user name`` and by ``getusername``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import tantivy

from walkrag.retrieval.tokenize import code_tokens

LEXICAL_DIR = "lexical"
# BM25 field weights: the breadcrumb and symbol name say what a chunk is about.
FIELD_BOOSTS = {"body": 1.0, "header": 1.6, "symbol": 2.2, "path": 1.4}
_SCHEMA_VERSION = "2"


def _file_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("path_key", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("body", stored=False, tokenizer_name="default", index_option="freq")
    return b.build()


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
    """The chunk and file tantivy indexes in ``<index_dir>/lexical``."""

    def __init__(self, index_dir: Path, *, writable: bool = True):
        """Open (or, ``writable``, create) the index; a writer clears one of another schema version.

        A reader never changes the folder: an index it cannot read raises :class:`LexicalStale`.
        """
        self.path = Path(index_dir) / LEXICAL_DIR
        self.schema = _schema()
        self._writer: tantivy.IndexWriter | None = None
        self._file_writer: tantivy.IndexWriter | None = None
        version_file = self.path / "walkrag-schema"
        found = version_file.read_text() if version_file.exists() else None
        if not writable:
            if found != _SCHEMA_VERSION:
                raise LexicalStale(
                    f"the lexical index in {self.path} "
                    + ("is missing" if found is None else f"has schema {found}, this walkrag reads {_SCHEMA_VERSION}")
                    + ": run `walkrag index` to rebuild it"
                )
            missing = [sub for sub in ("chunks", "files") if not (self.path / sub).is_dir()]
            if missing:
                raise LexicalStale(
                    f"the lexical index in {self.path} lacks {', '.join(missing)}: run `walkrag index` to rebuild it"
                )
            self._open()
            return
        self.path.mkdir(parents=True, exist_ok=True)
        if found != _SCHEMA_VERSION:
            self.clear_files()
        for sub in ("chunks", "files"):
            (self.path / sub).mkdir(exist_ok=True)
        self._open()
        version_file.write_text(_SCHEMA_VERSION)

    def _open(self) -> None:
        self.index = tantivy.Index(self.schema, path=str(self.path / "chunks"), reuse=True)
        self.files = tantivy.Index(_file_schema(), path=str(self.path / "files"), reuse=True)

    def clear_files(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)

    # -- writing --------------------------------------------------------------
    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        return self._writer

    @property
    def file_writer(self) -> tantivy.IndexWriter:
        if self._file_writer is None:
            self._file_writer = self.files.writer(heap_size=64_000_000, num_threads=1)
        return self._file_writer

    def add_file(self, path: str, chunks: Iterable[tuple[int, str, str | None, str]]) -> None:
        """A file's chunks, given as (chunk id, header, symbol, text) in order, one document each; then
        the file's own document: its path's words and its chunks' text (one field, so that a path word
        counts as one more word of the file, not as a field of its own). Text is tokenized once for both."""
        words = path_terms(path)
        bodies = [words]
        for chunk_id, header, symbol, text in chunks:
            body = " ".join(code_tokens(text))
            bodies.append(body)
            self.writer.add_document(
                tantivy.Document(
                    id=chunk_id,
                    path_key=path,
                    body=body,
                    header=" ".join(code_tokens(header)),
                    symbol=" ".join(code_tokens(symbol or "")),
                    path=words,
                )
            )
        if len(bodies) > 1:
            self.file_writer.add_document(tantivy.Document(path_key=path, body=" ".join(bodies)))

    def delete_path(self, path: str) -> None:
        self.writer.delete_documents_by_term("path_key", path)
        self.file_writer.delete_documents_by_term("path_key", path)

    def delete_all(self) -> None:
        self.writer.delete_all_documents()
        self.file_writer.delete_all_documents()

    def commit(self, *, final: bool = True) -> None:
        """Make added and deleted documents visible; ``final`` also ends the writers and their merges."""
        for name in ("_writer", "_file_writer"):
            writer = getattr(self, name)
            if writer is not None:
                writer.commit()
                if final:
                    writer.wait_merging_threads()
                    setattr(self, name, None)
        self.index.reload()
        self.files.reload()

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

    def search_files(self, tokens: list[str], limit: int) -> list[tuple[str, float]]:
        """BM25 of whole files for an OR of ``tokens``; returns (path, score), best first."""
        if not tokens:
            return []
        query = self.files.parse_query(" ".join(tokens), ["body"])
        searcher = self.files.searcher()
        return [(searcher.doc(address)["path_key"][0], float(score)) for score, address in searcher.search(query, limit).hits]

    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)

    def num_files(self) -> int:
        return int(self.files.searcher().num_docs)
