"""What a file is, as far as ranking cares: the current implementation, or something next to it.

Tests, examples and benchmarks; older copies kept beside the current code
(``pkg/v1`` next to ``pkg``, ``src/v3`` next to ``src/v4``, ``compat/`` and
``legacy/`` folders); glue files that only import and re-export what others
define; type stubs beside their implementation (``x.pyi`` next to ``x.py``);
release notes and changelogs, which mention every feature of a release; and
hidden folders (``.github``, ``.agents``), which hold tooling and agent notes.
Each repeats the names and words of the code it sits next to, so each would
otherwise compete with it. A query that asks for one of them by name (``tests``,
``v1``, ``legacy``, ``github``) lifts the penalty.
"""

from __future__ import annotations

import re
from collections import defaultdict

from walkrag.retrieval.paths import light_stem
from walkrag.retrieval.query import QueryAnalysis
from walkrag.retrieval.tokenize import split_identifier

TEST_FACTOR = 0.5
SUPERSEDED_FACTOR = 0.8
GLUE_FACTOR = 0.85
HISTORY_FACTOR = 0.6
# Hidden folders hold the tooling around a project (CI, editor and agent notes), as tests do.
HIDDEN_FACTOR = TEST_FACTOR
STUB_FACTOR = 0.8
# The names under which :meth:`FilePriors.factors` reports them in a hit's ``why``: multipliers, not boosts.
FACTOR_REASONS = frozenset({"secondary_path", "superseded", "glue", "stub", "hidden_folder", "history"})

_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs|testing|test_utils|testdata|fixtures|__fixtures__|__mocks__"
    r"|_?examples?|samples?|demos?|docs_src|benchmarks?)(/|$)"
    r"|(^|/)test_[^/]*$|_(test|spec)\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|/)conftest\.py$"
)
# JVM, .NET and Swift conventions name the class (FooTest.java, BarTests.cs, BazSpec.scala) and
# Gradle/Kotlin source sets the folder (jvmTest/, commonTest/, androidTest/).
_TEST_CLASS = re.compile(
    r"[a-z0-9](Tests?|Spec|Suite)\.(java|kt|kts|scala|cs|swift|php|groovy)$|(^|/)[a-z][A-Za-z]*Tests?(/|$)"
)
_TEST_WORDS = frozenset({"test", "tests", "testing", "spec", "specs", "example", "examples", "fixture", "fixtures",
                         "benchmark", "benchmarks", "sample", "samples", "demo", "demos", "mock", "mocks"})

# Release notes and changelogs mention every feature of their release without explaining it.
_HISTORY_PATH = re.compile(
    r"(^|/)(changelog|changes|history|news|releases?|release[-_ ]?notes?|whatsnew)(/|\.[a-z]+$|$)", re.IGNORECASE
)
_HISTORY_WORDS = frozenset({"release", "releases", "changelog", "changes", "changed", "history", "version", "versions",
                            "new", "deprecated", "deprecation", "removed", "added", "upgrade", "upgrading"})

# Statements that only bring names in or pass them on, and the lines continuing a list of names.
_MOVE = re.compile(
    r"(import|export|from\s+\S+\s+import|require|use|pub\s+use|pub\s+mod|mod|#include|using|package|"
    r"module\.exports|exports\.|__all__|@import|include|require_relative|alias)\b"
    r"|(const|let|var)\s+[\w${}\s,]+=\s*require\("
)
_CONTINUATION = re.compile(r"[\w$.*]+( as [\w$]+)?,?|[})\]]+[;,]?( from .*)?|['\"][\w$.]+['\"],?")
_COMMENT_STARTS = ("#!", "//", "/*", "*", "#", '"""', "'''", "--")
GLUE_SHARE = 0.6

_VERSION_DIR = re.compile(r"v(\d+)", re.IGNORECASE)
# Older or copied code by its folder's name: compatibility layers, and single-file amalgamations
# generated from the real sources (single_include/ in header-only C++ libraries).
_OLD_DIRS = frozenset({"compat", "_compat", "legacy", "_legacy", "single_include", "amalgamation"})
# Share of a version folder's file names that its parent folder also has for it to count as a copy.
COPY_SHARE = 0.3


def is_secondary_path(path: str) -> bool:
    """Tests, fixtures, examples and benchmarks: useful, but rarely what a question is about."""
    return bool(_TEST_PATH.search(path.lower()) or _TEST_CLASS.search(path))


_STUB = re.compile(r"\.pyi$|\.d\.[mc]?ts$")
_IMPLEMENTATIONS = (".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
_STUB_WORDS = frozenset({"stub", "stubs", "type", "types", "typing", "typings", "declaration", "declarations"})


def stub_files(paths: list[str]) -> set[str]:
    """Type stubs (``x.pyi``, ``x.d.ts``) with their implementation beside them: they repeat its names."""
    present = set(paths)
    out = set()
    for path in paths:
        m = _STUB.search(path)
        if m and any(path[: m.start()] + ext in present for ext in _IMPLEMENTATIONS):
            out.add(path)
    return out


def hidden_folder(path: str) -> str | None:
    """The first hidden folder on the path (``.github``, ``.agents``): tooling and agent notes, not the project."""
    for part in path.split("/")[:-1]:
        if part.startswith(".") and len(part) > 1:
            return part
    return None


def is_history_path(path: str) -> bool:
    """``CHANGELOG.md``, ``HISTORY.rst``, ``docs/releases/4.2.txt``, ``release-notes/``."""
    return bool(_HISTORY_PATH.search(path))


def is_glue(text: str) -> bool:
    """Most statements import or pass names on: a barrel, an ``__init__`` gathering names, a ``mod.rs``."""
    code = [ln.strip() for ln in text.splitlines()]
    code = [ln for ln in code if ln and not ln.startswith(_COMMENT_STARTS)]
    if not code:
        return False
    moving = sum(1 for ln in code if _MOVE.match(ln) or _CONTINUATION.fullmatch(ln))
    return moving >= GLUE_SHARE * len(code)


def superseded_dirs(paths: list[str]) -> dict[str, str]:
    """Folders holding older code that lives beside its current version: {folder: the word that names it}.

    ``src/v3`` when ``src/v4`` exists; ``pkg/v1`` when ``pkg`` itself has many of its
    file names (a frozen copy kept for compatibility); any ``compat``/``legacy`` folder.
    """
    children: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        parts = path.split("/")
        files["/".join(parts[:-1])].add(parts[-1])
        for i in range(1, len(parts)):
            children["/".join(parts[: i - 1])].add(parts[i - 1])
    out: dict[str, str] = {}
    for parent, names in children.items():
        versions = {n: int(m.group(1)) for n in names if (m := _VERSION_DIR.fullmatch(n))}
        for name in names:
            folder = f"{parent}/{name}" if parent else name
            if name.lower() in _OLD_DIRS:
                out[folder] = name.lower().strip("_")
            elif name in versions:
                own = files.get(folder, set())
                newer = any(other > versions[name] for other in versions.values())
                copy = bool(own) and len(own & files.get(parent, set())) >= max(2, COPY_SHARE * len(own))
                if newer or copy:
                    out[folder] = name.lower()
    return out


class FilePriors:
    """Per-file ranking factors for one index."""

    def __init__(
        self, paths: list[str], glue: set[str] | frozenset[str] = frozenset(), prose: set[str] | frozenset[str] = frozenset()
    ):
        self.superseded = superseded_dirs(paths)
        self.stubs = stub_files(paths)
        self.glue = set(glue)
        # Documentation under testing/ or examples/ is documentation about them, not a test.
        self.prose = set(prose)
        self._cache: dict[str, tuple] = {}

    @classmethod
    def from_store(cls, store, files: list[tuple[str, str]] | None = None) -> FilePriors:
        """The index's priors; ``files`` are its (path, format) rows when the caller has read them.

        Glue: code files that define nothing (in a language whose other files do) and mostly import.
        """
        if files is None:
            files = store.db.execute("SELECT path, format FROM files ORDER BY path").fetchall()
        paths = [path for path, _ in files]
        prose = {path for path, fmt in files if fmt != "code"}
        candidates = [
            r[0]
            for r in store.db.execute(
                "SELECT f.path FROM files f WHERE f.format = 'code'"
                " AND f.language IN (SELECT DISTINCT language FROM definitions)"
                " AND NOT EXISTS (SELECT 1 FROM definitions d WHERE d.path = f.path)"
            )
            if not is_secondary_path(r[0])
        ]
        texts: dict[str, list[str]] = defaultdict(list)
        for start in range(0, len(candidates), 500):
            part = candidates[start : start + 500]
            for path, text in store.db.execute(
                f"SELECT path, text FROM chunks WHERE path IN ({','.join('?' * len(part))}) ORDER BY start_line",
                part,
            ):
                texts[path].append(text)
        glue = {path for path in candidates if is_glue("\n".join(texts[path]))}
        return cls(paths, glue, prose)

    def _traits(self, path: str) -> tuple[bool, str | None, frozenset[str] | None, bool]:
        """What the path alone says (a test, an older copy's word, a hidden folder's words, release
        notes); worked out once per path, since every query asks again."""
        traits = self._cache.get(path)
        if traits is None:
            prose = path in self.prose
            old = next((word for folder, word in self.superseded.items() if path.startswith(folder + "/")), None)
            hidden = hidden_folder(path)
            traits = self._cache[path] = (
                not prose and is_secondary_path(path),
                old,
                frozenset(light_stem(w) for w in split_identifier(hidden)) if hidden else None,
                prose and is_history_path(path),
            )
        return traits

    def factors(self, path: str, q: QueryAnalysis) -> dict[str, float]:
        """{reason: factor} for the penalties that apply to ``path`` under this query."""
        secondary, old, hidden, history = self._traits(path)
        tokens = set(q.tokens)
        out: dict[str, float] = {}
        if secondary and not _TEST_WORDS & tokens:
            out["secondary_path"] = TEST_FACTOR
        if old and old not in tokens:
            out["superseded"] = SUPERSEDED_FACTOR
        if path in self.glue:
            out["glue"] = GLUE_FACTOR
        if path in self.stubs and not _STUB_WORDS & tokens:
            out["stub"] = STUB_FACTOR
        if hidden is not None and not hidden & {light_stem(t) for t in tokens}:
            out["hidden_folder"] = HIDDEN_FACTOR
        if history and not _HISTORY_WORDS & tokens:
            out["history"] = HISTORY_FACTOR
        return out
