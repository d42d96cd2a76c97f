"""The Python API: ``walkrag.open(path)`` returns an :class:`Index`."""

from __future__ import annotations

import os
from pathlib import Path

from walkrag.config import Settings, load_settings
from walkrag.indexing import IndexStats, Progress, default_index_dir, find_index_dir, run_index
from walkrag.models.embedders import load_embedder
from walkrag.retrieval.search import Hit, Searcher, SearchOptions
from walkrag.store.sqlite import SQLiteStore, StoreError


class Index:
    """An index over one root folder. Opening is cheap; models load on first search."""

    def __init__(self, root: Path | None, index_dir: Path, settings: Settings):
        self.index_dir = Path(index_dir)
        self.settings = settings
        self._root = Path(root).resolve() if root else None
        self._store: SQLiteStore | None = None
        self._searcher: Searcher | None = None

    @property
    def store(self) -> SQLiteStore:
        if self._store is None:
            self._store = SQLiteStore(self.index_dir)
        return self._store

    @property
    def root(self) -> Path:
        if self._root is None:
            stored = self.store.get_meta("root")
            if not stored:
                raise StoreError(f"index at {self.index_dir} has no root recorded")
            self._root = Path(stored)
        return self._root

    def update(self, progress: Progress | None = None) -> IndexStats:
        """Index the root: only added, changed and deleted files are processed."""
        self._close()
        return run_index(self.root, self.index_dir, self.settings, progress)

    def searcher(self) -> Searcher:
        if self._searcher is None:
            recorded = self.store.get_meta("embedder")
            embedder = load_embedder(self.settings.embedder, self.settings.embed_base_url, self.settings.embed_api_key)
            if recorded and recorded != embedder.model_id:
                raise StoreError(
                    f"index was built with embedder {recorded}, settings ask for {embedder.model_id}: re-index"
                )
            file_embedder = None
            if self.settings.file_embedder != "none" and self.store.get_meta("file_embedder") not in (None, "none"):
                file_embedder = load_embedder(
                    self.settings.file_embedder, self.settings.embed_base_url, self.settings.embed_api_key
                )
            from walkrag.models.rerankers import load_reranker

            reranker = load_reranker(self.settings.reranker, self.settings.rerank_base_url, self.settings.rerank_api_key)
            self._searcher = Searcher(self.store, embedder, file_embedder, reranker, self.settings.rerank_top)
        return self._searcher

    def search(self, query: str, k: int = 10, *, options: SearchOptions | None = None) -> list[Hit]:
        """Ranked, cited spans for ``query``; ``options`` picks retrievers and ranking."""
        return self.searcher().search(query, k, options=options)

    def _llm(self, llm, use_llm: bool):
        """The model to use and, when there is none, why (for the answer's note)."""
        if not use_llm:
            return None, "--no-llm"
        if llm is None:
            from walkrag.models.llm import llm_from_settings

            llm = llm_from_settings(self.settings)
            if llm is None:
                return None, (
                    "no LLM model configured: set WALKRAG_LLM_MODEL" if self.settings.llm_base_url
                    else "no LLM configured: set WALKRAG_LLM_BASE_URL and WALKRAG_LLM_MODEL"
                )
        return llm, None

    def ask(self, question: str, k: int = 8, *, llm=None, use_llm: bool = True, on_token=None,
            walk: bool | None = None):
        """Answer ``question`` with numbered citations (see :func:`walkrag.answer.answer_question`).

        ``llm`` defaults to the model configured in the settings; with none, or
        ``use_llm=False``, the answer is extractive. Questions beyond a single fact
        (by the heuristic analysis, which costs no model call) go through :meth:`walk`;
        ``walk=True``/``False`` forces either way. Returns an ``AnswerResult`` or a
        ``WalkResult`` (the same JSON shape, plus the walk record).
        """
        from walkrag.answer import answer_question
        from walkrag.walk import heuristic_analysis, should_walk

        llm, reason = self._llm(llm, use_llm)
        if walk is not False:
            analysis = heuristic_analysis(question)
            if should_walk(analysis, walk):
                from walkrag.walk import walk as run_walk

                return run_walk(self, question, k=k, llm=llm, analysis=analysis, no_llm_reason=reason)
        return answer_question(question, self.search, llm=llm, k=k, no_llm_reason=reason, on_token=on_token)

    def walk(self, question: str, k: int = 10, *, llm=None, use_llm: bool = True, budget=None, on_step=None):
        """Multi-step retrieval for ``question`` (see :func:`walkrag.walk.walk`); returns a ``WalkResult``.

        With a model (``llm``, or the configured one unless ``use_llm=False``) the
        walk reads evidence, extracts cited facts and follows threads; without one it
        walks the code graph. ``budget`` is a :class:`walkrag.walk.Budget`, a dict of
        its fields or a step count; ``on_step`` is called with each step as it ends.
        """
        from walkrag.walk import walk as run_walk

        llm, reason = self._llm(llm, use_llm)
        return run_walk(self, question, k=k, llm=llm, budget=budget, on_step=on_step, no_llm_reason=reason)

    # -- code graph (walkrag.codegraph) ---------------------------------------------
    def symbols(self, name: str, limit: int = 10) -> list:
        """Definitions matching ``name``: exact, case-insensitive, partial or fuzzy; best first."""
        from walkrag.codegraph.lookup import lookup

        return lookup(self.store.db, name, limit)

    def refs(self, symbol: str, limit: int = 200) -> list[dict]:
        """Places that reference ``symbol`` (path, lines, enclosing symbol, kind, confidence)."""
        from walkrag.codegraph.navigate import refs

        return refs(self.store.db, symbol, limit)

    def calls(self, symbol: str, limit: int = 200) -> list[dict]:
        """What ``symbol`` calls and uses, each with the definitions it resolves to."""
        from walkrag.codegraph.navigate import calls

        return calls(self.store.db, symbol, limit)

    def related(self, place: str, line: int | None = None, limit: int = 60) -> list[dict]:
        """Neighbours of ``PATH[:LINE]``: its definitions, callers, callees, documenting sections, files."""
        from walkrag.codegraph.navigate import related

        path, line = self._place(place, line)
        return related(self.store.db, path, line, limit)

    def _place(self, place: str, line: int | None) -> tuple[str, int | None]:
        head, sep, tail = str(place).rpartition(":")
        if sep and tail.isdigit() and head:
            place, line = head, int(tail)
        path = Path(place)
        if path.is_absolute():
            try:
                path = path.resolve().relative_to(self.root)
            except ValueError:
                pass
        elif not self.store.db.execute("SELECT 1 FROM files WHERE path=?", (path.as_posix(),)).fetchone():
            try:
                path = (Path.cwd() / path).resolve().relative_to(self.root)
            except ValueError:
                pass
        return path.as_posix(), line

    def status(self) -> dict:
        from walkrag.status import index_status

        return index_status(self)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None
        self._searcher = None

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_index(path: str | os.PathLike | None = None, *, index_dir: str | os.PathLike | None = None, **overrides) -> Index:
    """Open the index of a folder (it may not be built yet: call ``update()``).

    With only ``index_dir``, the root is read from the index. With neither, the
    nearest ``.walkrag`` above the current directory is used.
    """
    root = Path(path).resolve() if path else None
    if index_dir is None:
        if root is not None:
            index_dir = default_index_dir(root)
        else:
            index_dir = find_index_dir()
            if index_dir is None:
                raise StoreError("no .walkrag index found here or above; pass --index-dir or index a folder first")
    config_root = root
    if config_root is None and (Path(index_dir) / "index.db").is_file():
        store = SQLiteStore(Path(index_dir))
        recorded = store.get_meta("root")
        store.close()
        config_root = Path(recorded) if recorded else None
    return Index(root, Path(index_dir), load_settings(config_root, **overrides))


# -- traces: search, ask and walk each record a trace (walkrag.traces.recorder; off: WALKRAG_TRACES=off) --
from walkrag.traces.recorder import install as _record_traces  # noqa: E402

_record_traces(Index)
