"""The indexing pipeline: discover -> extract -> chunk -> embed -> store.

Incremental (only added, changed and deleted files are processed, by content
hash) and crash-safe: each batch of files is one SQLite transaction, and the
derived indexes (lexical, vectors) are marked dirty before they are touched
and rebuilt from SQLite by the next run if a crash left them half-written.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from walkrag.chunking import chunk_document
from walkrag.config import Settings
from walkrag.models.embedders import load_embedder
from walkrag.records import Chunk, Skip
from walkrag.sources.discover import SourceFile, discover
from walkrag.sources.extract import ExtractionError, extract
from walkrag.sources.languages import detect
from walkrag.store.lexical import LexicalIndex
from walkrag.store.sqlite import SQLiteStore, StoreError
from walkrag.store.vectors import VectorIndex

BATCH_FILES = 64
MINIFIED_LINE_CHARS = 1000


class IndexLockedError(StoreError):
    """Another `walkrag index` is writing this index."""


@dataclass
class IndexStats:
    files_seen: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    chunks: int = 0
    embedded: int = 0
    embed_cached: int = 0
    repaired: bool = False
    seconds: float = 0.0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(slots=True)
class _Prepared:
    source: SourceFile
    digest: str
    fmt: str
    language: str
    chunks: list[Chunk]
    definitions: list


Progress = Callable[[str, int, int], None]


def embed_view(chunk: Chunk | dict) -> str:
    """The text a chunk is embedded as: its breadcrumb, signature, docstring and head of the body.

    Small embedding models read a few hundred word pieces and drop the rest, so
    the parts that say what the chunk is come first.
    """
    get = chunk.get if isinstance(chunk, dict) else lambda k: getattr(chunk, k)
    parts = [get("header")]
    if get("docstring"):
        parts.append(get("docstring"))
    parts.append(get("text")[:1500])
    return "\n".join(parts)


def _view_hash(view: str) -> str:
    return hashlib.blake2b(view.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _looks_minified(text: str) -> bool:
    lines = text.count("\n") + 1
    return len(text) / lines > MINIFIED_LINE_CHARS and lines < 50


class _Lock:
    def __init__(self, index_dir: Path):
        self.path = index_dir / "index.lock"

    def __enter__(self):
        self.fh = open(self.path, "a+")  # noqa: SIM115
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self.fh.close()
            raise IndexLockedError(f"another `walkrag index` is running on {self.path.parent}") from exc
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def _prepare(source: SourceFile, settings: Settings) -> _Prepared | Skip:
    try:
        with open(source.abspath, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return Skip(source.path, f"unreadable ({exc.strerror or exc})")
    source_format, language = detect(source.path)
    try:
        doc = extract(source.path, data, source_format, language)
    except ExtractionError as exc:
        return Skip(source.path, str(exc))
    if not doc.text.strip():
        return Skip(source.path, "empty file")
    if source_format in {"code", "text"} and _looks_minified(doc.text):
        return Skip(source.path, "minified or generated (very long lines)")
    try:
        chunks, definitions = chunk_document(doc)
    except RecursionError:
        return Skip(source.path, "too deeply nested to chunk")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return _Prepared(source, digest, doc.format, doc.language, chunks, definitions)


def run_index(
    root: Path,
    index_dir: Path,
    settings: Settings,
    progress: Progress | None = None,
) -> IndexStats:
    """Build or update the index of ``root`` in ``index_dir``."""
    started = time.perf_counter()
    root = Path(root).resolve()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    stats = IndexStats()
    with _Lock(index_dir):
        store = SQLiteStore(index_dir, create=True)
        try:
            _run(root, store, settings, stats, progress)
        finally:
            store.close()
    stats.seconds = round(time.perf_counter() - started, 3)
    return stats


def _run(root: Path, store: SQLiteStore, settings: Settings, stats: IndexStats, progress: Progress | None) -> None:
    embedder = load_embedder(settings.embedder, settings.embed_base_url, settings.embed_api_key)
    lexical = LexicalIndex(store.index_dir)
    run_id = store.start_run()
    previous_root = store.get_meta("root")
    model_changed = store.get_meta("embedder") not in (None, embedder.model_id)
    repair = store.get_meta("lexical_dirty") == "1" or lexical.num_docs() != store.count("chunks")
    with store.transaction():
        store.set_meta("root", str(root))
        store.set_meta("embedder", embedder.model_id)
        store.set_meta("lexical_dirty", "1")

    found = discover(
        root,
        max_file_bytes=settings.max_file_bytes,
        include_secrets=settings.include_secrets,
        extra_excludes=settings.exclude,
    )
    known = store.file_states()
    stats.files_seen = len(found.files)
    todo: list[SourceFile] = []
    for src in found.files:
        state = known.get(src.path)
        if state and state[1] == src.size and state[2] == src.mtime_ns and previous_root == str(root):
            stats.unchanged += 1
        else:
            todo.append(src)
    present = {f.path for f in found.files}
    gone = [p for p in known if p not in present]
    skips: list[Skip] = list(found.skipped)

    if progress:
        progress("files", 0, len(todo))
    done = 0
    for start in range(0, len(todo), BATCH_FILES):
        batch = todo[start : start + BATCH_FILES]
        prepared: list[_Prepared] = []
        for src in batch:
            item = _prepare(src, settings)
            if isinstance(item, Skip):
                skips.append(item)
                continue
            state = known.get(src.path)
            if state and state[0] == item.digest and not model_changed:
                # Same content, new mtime (a checkout, a touch): nothing to redo.
                with store.transaction():
                    store.touch_file(src.path, src.size, src.mtime_ns)
                stats.unchanged += 1
                continue
            prepared.append(item)
        _store_batch(prepared, known, store, lexical, embedder, settings, stats)
        done += len(batch)
        if progress:
            progress("files", done, len(todo))

    if gone or skips:
        with store.transaction():
            for path in gone:
                store.delete_file(path)
                lexical.delete_path(path)
                stats.deleted += 1
            # A file that used to be indexed and is now skipped must leave the index too.
            for skip in skips:
                if skip.path in known and skip.path not in gone:
                    store.delete_file(skip.path)
                    lexical.delete_path(skip.path)
            store.record_skips(skips, replace_all=True)
    elif not found.skipped:
        with store.transaction():
            store.record_skips([], replace_all=True)
    stats.skipped = len(skips)
    for s in skips:
        key = s.reason.split(" (")[0]
        stats.skip_reasons[key] = stats.skip_reasons.get(key, 0) + 1

    lexical.commit()
    if repair:
        _rebuild_lexical(store, lexical)
        stats.repaired = True
    stats.chunks = store.count("chunks")
    with store.transaction():
        store.prune_vectors(embedder.model_id)
    generation = str(int(time.time() * 1000))
    ids, matrix = store.chunk_vectors(embedder.model_id)
    VectorIndex.write(store.index_dir, generation, ids, matrix)
    with store.transaction():
        store.set_meta("vectors_generation", generation)
        store.set_meta("lexical_dirty", "0")
        store.finish_run(run_id, stats.as_dict())


def _store_batch(prepared, known, store, lexical, embedder, settings, stats) -> None:
    if not prepared:
        return
    views: dict[str, str] = {}
    per_file_hashes = []
    for item in prepared:
        hashes = []
        for chunk in item.chunks:
            view = embed_view(chunk)
            vh = _view_hash(view)
            views.setdefault(vh, view)
            hashes.append(vh)
        per_file_hashes.append(hashes)
    cached = store.cached_vectors(list(views), embedder.model_id)
    missing = [vh for vh in views if vh not in cached]
    stats.embed_cached += len(views) - len(missing)
    fresh = {}
    for b in range(0, len(missing), settings.embed_batch):
        part = missing[b : b + settings.embed_batch]
        vectors = embedder.embed([views[vh] for vh in part])
        fresh.update(zip(part, vectors, strict=True))
    stats.embedded += len(fresh)
    with store.transaction():
        store.put_vectors(fresh, embedder.model_id)
        for item, hashes in zip(prepared, per_file_hashes, strict=True):
            path = item.source.path
            if path in known:
                stats.changed += 1
                lexical.delete_path(path)
            else:
                stats.added += 1
            ids = store.replace_file(
                path,
                digest=item.digest,
                size=item.source.size,
                mtime_ns=item.source.mtime_ns,
                fmt=item.fmt,
                language=item.language,
                chunks=item.chunks,
                view_hashes=hashes,
                definitions=item.definitions,
            )
            for cid, chunk in zip(ids, item.chunks, strict=True):
                lexical.add(cid, path, chunk.header, chunk.symbol, chunk.text)
    # The lexical index follows each committed batch, so a search during indexing sees it.
    lexical.commit()


def _rebuild_lexical(store: SQLiteStore, lexical: LexicalIndex) -> None:
    lexical.delete_all()
    for row in store.iter_chunks():
        lexical.add(int(row["id"]), row["path"], row["header"], row["symbol"], row["text"])
    lexical.commit()


def default_index_dir(root: Path) -> Path:
    return Path(root).resolve() / ".walkrag"


def find_index_dir(start: Path | None = None) -> Path | None:
    """The nearest ``.walkrag`` folder holding an index, from ``start`` upwards."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / ".walkrag"
        if (candidate / "index.db").is_file():
            return candidate
    return None
