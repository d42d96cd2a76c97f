"""Find definitions by name: exact, case-insensitive, separator-insensitive, partial and fuzzy.

The name index is built once per process and index generation (a few hundred
milliseconds for 30k definitions) and answers in about a millisecond:
dictionaries for exact forms, one joined string for substring search, and
rapidfuzz for typos (``Paginater`` -> ``Paginator``). A name that only needs its
exact, case- and separator-insensitive matches (one mentioned in a question) is
found by :func:`named` through the store's indexed ``norm`` column instead, with
no table to build.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from walkrag.codegraph.build import GENERATION_KEY
from walkrag.retrieval.tokenize import normalize_name

DOC_LANGUAGES = frozenset({"markdown", "rst", "asciidoc", "text"})
SCORES = {"exact": 1.0, "ci": 0.92, "normalized": 0.85}
FUZZY_CUTOFF = 78.0
_WORD = re.compile(r"[A-Za-z_][\w.:]*[\w]|[A-Za-z_]")
normalize = normalize_name
_COLUMNS = "id, name, qualified_name, kind, path, start_line, end_line, language, signature"


@dataclass(slots=True)
class SymbolMatch:
    """A definition found by name, with how well and how it matched."""

    id: int
    name: str
    qualified_name: str
    kind: str
    path: str
    start_line: int
    end_line: int
    language: str
    signature: str | None
    score: float
    match: str  # exact | ci | partial | fuzzy
    centrality: float = 1.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Name:
    """A name as a lookup compares it: as written, its last part, that part normalized, and, when it
    has several parts, its dotted form (``csrf::CsrfViewMiddleware`` -> ``csrf.CsrfViewMiddleware``)."""

    text: str
    tail: str
    norm: str
    dotted: str | None

    @classmethod
    def of(cls, q: str) -> _Name:
        tail = re.split(r"\.|::|#", q)[-1]
        return cls(q, tail, normalize_name(tail), q.replace("::", ".").replace("#", ".") if tail != q else None)

    def match(self, r) -> tuple[float, str] | None:
        """How a definition row (``_COLUMNS``) is this name: exact, ci or normalized, or None."""
        if self.text in (r[1], r[2]):
            return SCORES["exact"], "exact"
        if self.dotted and self.tail in (r[1], r[2]):
            # definitions named by its last part whose module path and qualified name end with it
            full = r[4].rsplit(".", 1)[0].replace("/", ".") + "." + r[2]
            if full.endswith(self.dotted) or r[2].endswith(self.dotted):
                return SCORES["exact"], "exact"
        if self.text.lower() in (r[1].lower(), r[2].lower()):
            return SCORES["ci"], "ci"
        if self.norm and normalize_name(r[1]) == self.norm:
            return SCORES["normalized"], "partial"
        return None


class SymbolIndex:
    """In-memory name index over the ``definitions`` table."""

    def __init__(self, db: sqlite3.Connection):
        rank = dict(db.execute("SELECT def_id, score FROM centrality")) if _has(db, "centrality") else {}
        self.rows = db.execute(f"SELECT {_COLUMNS} FROM definitions ORDER BY id").fetchall()  # noqa: S608
        self.rank = [float(rank.get(r[0], 1.0)) for r in self.rows]
        self.exact: dict[str, list[int]] = {}
        self.lower: dict[str, list[int]] = {}
        self.norm: dict[str, list[int]] = {}
        for i, r in enumerate(self.rows):
            name, qname = r[1], r[2]
            for key in {name, qname}:
                self.exact.setdefault(key, []).append(i)
                self.lower.setdefault(key.lower(), []).append(i)
            self.norm.setdefault(normalize(name), []).append(i)
        # shortest first, so a capped substring scan keeps the closest (best covered) names
        self.names = sorted((n for n in self.norm if n), key=lambda n: (len(n), n))
        self.lengths = [len(n) for n in self.names]
        self.joined = "\n".join(self.names)
        self.offsets = []
        pos = 0
        for n in self.names:
            self.offsets.append(pos)
            pos += len(n) + 1

    def search(self, query: str, limit: int = 10) -> list[SymbolMatch]:
        query = query.strip().strip("`").removesuffix("()")
        if not query:
            return []
        found: dict[int, tuple[float, str]] = {}
        if re.search(r"\s", query):
            self._words(query, found, limit)
        else:
            self._one(query, found, limit, fuzzy=True)
        return self._best(found, limit)

    def _add(self, found: dict[int, tuple[float, str]], ids, score: float, match: str) -> None:
        for i in ids:
            if i not in found or found[i][0] < score:
                found[i] = (score, match)

    def _one(
        self, q: str, found: dict[int, tuple[float, str]], limit: int, *, fuzzy: bool, scale: float = 1.0
    ) -> None:
        wanted = _Name.of(q)
        nq = wanted.norm
        candidates = {*self.exact.get(q, ()), *self.lower.get(q.lower(), ()), *(self.norm.get(nq, ()) if nq else ())}
        if wanted.dotted:
            candidates.update(self.exact.get(wanted.tail, ()))
        for i in sorted(candidates):  # row order: ties stay in definition order
            matched = wanted.match(self.rows[i])
            if matched:
                self._add(found, (i,), matched[0] * scale, matched[1])
        if not nq:
            return
        if len(nq) >= 3:
            for name in self._substring(nq):
                if name == nq:
                    continue
                cover = len(nq) / len(name)
                bonus = 0.05 if name.startswith(nq) or name.endswith(nq) else 0.0
                self._add(found, self.norm[name], (0.45 + 0.3 * cover + bonus) * scale, "partial")
        if fuzzy and len(nq) >= 4 and sum(1 for s, _ in found.values() if s >= 0.7 * scale) < limit:
            # a ratio above the cutoff needs lengths within a factor c/(2-c) of each other
            c = FUZZY_CUTOFF / 100
            lo = bisect_left(self.lengths, int(len(nq) * c / (2 - c)))
            hi = bisect_right(self.lengths, int(len(nq) * (2 - c) / c) + 1)
            for name, ratio, _ in process.extract(
                nq, self.names[lo:hi], scorer=fuzz.ratio, limit=limit * 3, score_cutoff=FUZZY_CUTOFF
            ):
                self._add(found, self.norm[name], (0.3 + 0.4 * ratio / 100) * scale, "fuzzy")

    def _substring(self, nq: str, cap: int = 300) -> list[str]:
        out = []
        start = 0
        while len(out) < cap:
            pos = self.joined.find(nq, start)
            if pos < 0:
                break
            k = bisect_right(self.offsets, pos) - 1
            out.append(self.names[k])
            start = self.offsets[k] + len(self.names[k]) + 1
        return out

    def _words(self, query: str, found: dict[int, tuple[float, str]], limit: int) -> None:
        """A phrase: its identifier-like words, and the words run together (``get object`` -> ``getobject``)."""
        words = [w for w in _WORD.findall(query) if len(w) >= 3]
        joined = normalize(query)
        if joined:
            self._add(found, self.norm.get(joined, ()), SCORES["normalized"], "partial")
        for w in words:
            code_like = bool(re.search(r"_|\.|::|[a-z][A-Z]|\d", w)) or w[:1].isupper()
            self._one(w, found, limit, fuzzy=code_like, scale=0.9 if code_like else 0.8)

    def _best(self, found: dict[int, tuple[float, str]], limit: int) -> list[SymbolMatch]:
        return _best(self.rows, self.rank, found, limit)


def _best(rows: list, rank: list[float], found: dict[int, tuple[float, str]], limit: int) -> list[SymbolMatch]:
    """The ``limit`` best of ``found`` (row index -> score, match): code before prose, central first."""

    def key(i: int):
        r = rows[i]
        is_code = r[7] not in DOC_LANGUAGES
        return (-found[i][0], not is_code, r[3] == "section", -rank[i], len(r[4]), r[5], r[0])

    out = []
    for i in sorted(found, key=key)[:limit]:
        r, (score, match) = rows[i], found[i]
        out.append(SymbolMatch(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], round(score, 4), match, rank[i]))
    return out


def _has(db: sqlite3.Connection, table: str) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
        is not None
    )


_CACHE: dict[str, tuple[str, SymbolIndex]] = {}
_LOCK = threading.Lock()


def symbol_index(db: sqlite3.Connection) -> SymbolIndex:
    """The process-wide name index of this database, rebuilt when the index generation changes."""
    db_file = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "") or ""
    key = str(Path(db_file).resolve()) if db_file else f"memory:{id(db)}"
    row = db.execute("SELECT value FROM meta WHERE key=?", (GENERATION_KEY,)).fetchone()
    generation = row[0] if row else str(db.execute("SELECT COUNT(*), MAX(id) FROM definitions").fetchone())
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
    built = SymbolIndex(db)
    with _LOCK:
        _CACHE[key] = (generation, built)
    return built


def named(db: sqlite3.Connection, name: str, limit: int = 10) -> list[SymbolMatch] | None:
    """Definitions that are ``name`` itself, in any case or with any separators (exact, ci and
    normalized matches, scored and ordered as :func:`lookup` does), found through the indexed
    ``norm`` column without building the name index: a question that mentions a name needs no
    more. None when the index predates that column or has not filled it yet."""
    q = name.strip().strip("`").removesuffix("()")
    if not q or re.search(r"\s", q):
        return None
    wanted = _Name.of(q)
    if not wanted.norm:
        return None
    try:
        if db.execute("SELECT 1 FROM definitions WHERE norm IS NULL LIMIT 1").fetchone():
            return None
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM definitions WHERE norm = ? OR name = ? COLLATE NOCASE"  # noqa: S608
            " OR qualified_name = ? COLLATE NOCASE",
            (wanted.norm, q, q),
        ).fetchall()
    except sqlite3.OperationalError:  # no norm column yet
        return None
    rows = [tuple(r) for r in rows]
    centrality = _centrality(db, [r[0] for r in rows])
    found = {i: matched for i, r in enumerate(rows) if (matched := wanted.match(r))}
    return _best(rows, [centrality.get(r[0], 1.0) for r in rows], found, limit)


def _centrality(db: sqlite3.Connection, ids: list[int]) -> dict[int, float]:
    if not ids or not _has(db, "centrality"):
        return {}
    marks = ",".join("?" * len(ids))
    return {int(i): float(s) for i, s in db.execute(f"SELECT def_id, score FROM centrality WHERE def_id IN ({marks})", ids)}  # noqa: S608


def lookup(db: sqlite3.Connection, name_or_query: str, limit: int = 10) -> list[SymbolMatch]:
    """Definitions matching a name or a phrase, best first, each with a score and a match type."""
    return symbol_index(db).search(name_or_query, limit)
