"""Link references to definitions: same file, then through imports, then a unique global name.

A reference that several definitions could satisfy is linked to each of them
with confidence ``1/n`` (never a guess at one); beyond ``MAX_AMBIGUOUS``
candidates it stays unlinked. Prose cross-references resolve to code
definitions, sections, Sphinx targets and files.
"""

from __future__ import annotations

import builtins
import posixpath
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

from walkrag.codegraph.docs import CODE_ROLES
from walkrag.codegraph.modules import ModuleIndex, family, local_name, package_name

MAX_AMBIGUOUS = 8
DOC_LANGUAGES = frozenset({"markdown", "rst", "asciidoc", "text"})
CLASSY = frozenset(
    {
        "class",
        "struct",
        "interface",
        "trait",
        "enum",
        "type",
        "record",
        "protocol",
        "data",
        "union",
        "object",
        "exception",
        "namespace",
        "module",
    }
)
NOT_TARGETS = frozenset({"impl", "extension", "instance", "signature"})
FUNCTIONS = frozenset({"function", "method", "macro", "test"})
# Languages where a bare call inside a class may reach an inherited method.
IMPLICIT_THIS = frozenset({"java", "kotlin", "scala", "csharp", "cpp", "ruby", "swift"})
BUILTINS = {
    "python": frozenset(dir(builtins)),
    "js": frozenset(
        "require parseInt parseFloat setTimeout setInterval clearTimeout clearInterval String Number "
        "Boolean Array Object Promise Error TypeError Map Set WeakMap JSON Math Date RegExp Symbol "
        "console fetch isNaN encodeURIComponent decodeURIComponent structuredClone".split()
    ),
    "go": frozenset(
        "len cap make new append copy delete panic recover print println close min max clear "
        "string int int64 int32 uint byte rune float64 float32 bool error any".split()
    ),
    "c": frozenset(
        "printf fprintf sprintf snprintf malloc calloc realloc free memcpy memset strlen strcmp "
        "sizeof assert".split()
    ),
}
SELF = frozenset({"self", "this", "cls", "$this", "@this", "Self", "super"})
_PACKAGE_DIRS = frozenset({"go", "java", "kotlin", "scala", "csharp", "swift", "c", "cpp", "rust", "elixir"})
# Sphinx roles that point at object directives of a given kind.
ROLE_KINDS = {
    "setting": ("setting",),
    "djadmin": ("django-admin",),
    "djadminopt": ("django-admin-option",),
    "ttag": ("templatetag",),
    "tfilter": ("templatefilter",),
    "lookup": ("fieldlookup",),
    "envvar": ("envvar",),
    "option": ("option", "django-admin-option"),
    "confval": ("confval",),
}

Edge = tuple  # (ref_id, src_path, src_def, src_line, dst_path, dst_def, kind, confidence, how)
Targets = tuple[list[str], list[str]]  # an import's files, and the submodule files it may name


@dataclass(slots=True)
class Def:
    id: int
    path: str
    name: str
    qname: str
    kind: str
    start: int
    language: str

    dotted: str = ""  # ``module.path.Qualified.name``, from the file path
    member: bool = False  # defined in a class (a method, a nested class)
    private: bool = False  # defined inside a function: visible from its own file only


@dataclass(slots=True)
class Bindings:
    names: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    modules: dict[str, list[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)


def slug(title: str) -> set[str]:
    """Anchors a heading may be linked by (GitHub and docutils spellings)."""
    low = title.strip().lower()
    return {re.sub(r"[^\w\- ]", "", low).replace(" ", "-"), re.sub(r"[^a-z0-9]+", "-", low).strip("-")}


def dotted_filter(target: str, cands: list[Def]) -> list[Def]:
    """Candidates whose dotted name ends with ``target``; else those whose qualified name ends it."""
    target = target.replace("::", ".").replace("#", ".")
    strong = [d for d in cands if d.dotted == target or d.dotted.endswith("." + target) or d.qname == target]
    if strong:
        return strong
    weak = [d for d in cands if target.endswith("." + d.qname)]
    return weak if "." in target else cands


DEF_COLUMNS = "d.id, d.path, d.name, d.qualified_name, d.kind, d.start_line, d.end_line, d.language"
MODULE_KINDS = frozenset({"module", "namespace"})


def nest(spans: list[tuple[int, int, int]], by_id: dict[int, Def]) -> None:
    """Mark class members and definitions local to a function, from span containment (one file)."""
    stack: list[tuple[int, Def]] = []
    for start, end, i in sorted(spans, key=lambda t: (t[0], -t[1])):
        d = by_id[i]
        while stack and stack[-1][0] < start:
            stack.pop()
        if stack:
            parent = stack[-1][1]
            d.member = parent.kind in CLASSY or parent.kind in NOT_TARGETS
            d.private = parent.private or parent.kind in FUNCTIONS
        stack.append((end, d))


def resolve_import(index: ModuleIndex, path: str, language: str, name: str, module: str) -> Targets:
    """The files one import of ``path`` names, and (Python, Rust) the submodule ``name`` may be."""
    targets = index.resolve(module, path, language)
    sub: list[str] = []
    if name and language in {"python", "rust"}:
        sub = index.resolve(
            f"{module}.{name}" if language == "python" else f"{module}/{name}", path, language
        )
        if sub:
            targets = targets or sub
    return targets, sub


def pack_targets(targets: list[str]) -> str:
    """A list of paths as stored in ``import_targets`` (NUL-separated: no path holds a NUL)."""
    return "\0".join(targets)


def unpack_targets(targets: str, sub: str) -> Targets:
    return (targets.split("\0") if targets else []), (sub.split("\0") if sub else [])


def apply_import(
    b: Bindings, name: str, module: str, alias: str | None, targets: list[str], sub: list[str]
) -> None:
    """What one resolved import binds in its file."""
    if name:
        if sub:
            b.modules[alias or name] = sub
        b.names[alias or name] = (name, targets)
    else:
        b.modules[alias or local_name(module)] = targets
    b.files.update(targets)


def _dotted_stem(path: str) -> str:
    return posixpath.splitext(path)[0].replace("/", ".").removesuffix(".__init__")


class Resolver:
    """Everything references resolve against.

    Eager (the default) loads every definition and resolves every import up front,
    for :func:`walkrag.codegraph.build.resolve_all`. ``lazy=True`` loads definitions
    by name, a file's import bindings and a language family's module index only
    when a lookup needs them, so re-resolving a few hundred references after a
    small change reads a small part of the store; member/private flags then come
    from the ``def_nesting`` table the last full resolution wrote.
    """

    def __init__(self, db: sqlite3.Connection, *, lazy: bool = False):
        self.db = db
        self.lazy = lazy
        root = db.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
        self.root_name = package_name(root[0] if root else None)
        self.files: dict[str, str] = {}
        self.formats: dict[str, str] = {}
        for path, fmt, language in db.execute("SELECT path, format, language FROM files"):
            self.files[path] = language
            self.formats[path] = fmt
        self.defs: dict[int, Def] = {}
        self.code: dict[tuple[str, str], list[Def]] = defaultdict(list)  # (family, name)
        self.code_any: dict[str, list[Def]] = defaultdict(list)  # name, every language
        self.doc_objects: dict[str, list[Def]] = defaultdict(list)  # directive name
        self.sections: dict[str, list[Def]] = defaultdict(list)  # path
        self.bindings: dict[str, Bindings] = defaultdict(Bindings)
        self.labels: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.file_edges: dict[tuple[str, str, str], float] = defaultdict(float)
        self._stems: dict[str, str] = {}
        self._doc_stems: dict[str, str] | None = None
        self._module_index: dict[str, ModuleIndex] = {}
        self._module_defs: dict[tuple[str, str], list[str]] | None = None
        self._names_loaded: set[str] = set()
        self._docs_loaded: set[str] = set()
        self._sections_loaded: set[str] = set()
        self._labels_loaded: set[str] = set()
        self._bound: set[str] = set()
        self._aliases: frozenset[str] | None = None
        self._import_rows: dict[str, list[tuple]] = {}
        self._preloaded = False
        self._preloaded_paths: frozenset[str] = frozenset()
        self.import_results: dict[int, Targets] = {}  # imports resolved here (not replayed), by ref id
        self.fresh: set[str] = set()  # files whose stored import targets may be stale
        self.reuse: dict[str, dict[tuple[str, str], Targets]] = {}  # path -> (name, module) -> targets
        if lazy:
            return
        module_defs: dict[tuple[str, str], list[str]] = defaultdict(list)
        spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for row in db.execute(f"SELECT {DEF_COLUMNS} FROM definitions d ORDER BY d.id"):  # noqa: S608
            d = self._def_from(row)
            spans[d.path].append((row[5], row[6], d.id))
            self._index(d, module_defs)
        for sp in spans.values():
            nest(sp, self.defs)
        self._module_defs = module_defs
        self._module_index[""] = ModuleIndex(
            {p: lang for p, lang in self.files.items() if self.formats[p] == "code"}, module_defs,
            root_name=self.root_name,
        )

    def _def_from(self, row: tuple) -> Def:
        i, path, name, qname, kind, start, _end, language = row[:8]
        stem = self._stems.get(path)
        if stem is None:
            stem = self._stems[path] = _dotted_stem(path)
        d = Def(i, path, name, qname, kind, start, language, f"{stem}.{qname}")
        if len(row) > 8:
            d.member, d.private = bool(row[8]), bool(row[9])
        self.defs[i] = d
        return d

    def _index(self, d: Def, module_defs: dict[tuple[str, str], list[str]]) -> None:
        if d.language in DOC_LANGUAGES:
            if d.kind == "section":
                self.sections[d.path].append(d)
            else:
                self.doc_objects[d.name].append(d)
                if d.qname != d.name:
                    self.doc_objects[d.qname].append(d)
        elif d.kind not in NOT_TARGETS:
            self.code[(family(d.language), d.name)].append(d)
            self.code_any[d.name].append(d)
            if d.kind in MODULE_KINDS:
                module_defs[(family(d.language), d.name)].append(d.path)

    def nesting_rows(self) -> list[tuple[int, int, int]]:
        """(def id, member, private) of every loaded definition, for the ``def_nesting`` table."""
        return [(d.id, int(d.member), int(d.private)) for d in self.defs.values()]

    # -- lazy loading -------------------------------------------------------------------
    _LAZY_SELECT = (
        f"SELECT {DEF_COLUMNS}, n.member, n.private FROM definitions d "  # noqa: S608
        "LEFT JOIN def_nesting n ON n.def_id = d.id "
    )

    def _loaded(self, row: tuple) -> Def:
        d = self.defs.get(row[0])
        return d if d is not None else self._def_from(row)

    def pool(self, fam: str, name: str) -> list[Def]:
        """Code definitions named ``name`` in a language family."""
        if self.lazy and name not in self._names_loaded:
            self._load_name(name)
        return self.code.get((fam, name), [])

    def named(self, name: str) -> list[Def]:
        """Code definitions named ``name`` in every language."""
        if self.lazy and name not in self._names_loaded:
            self._load_name(name)
        return self.code_any.get(name, [])

    def _load_name(self, name: str) -> None:
        self._names_loaded.add(name)
        rows = self.db.execute(
            self._LAZY_SELECT + "WHERE d.name = ? COLLATE NOCASE ORDER BY d.id", (name,)
        ).fetchall()
        for row in rows:
            if row[2] != name or row[7] in DOC_LANGUAGES or row[4] in NOT_TARGETS:
                continue
            d = self._loaded(row)
            self.code[(family(d.language), name)].append(d)
            self.code_any[name].append(d)

    def doc_named(self, key: str) -> list[Def]:
        """Documentation objects (directives) whose name or qualified name is ``key``."""
        if self.lazy and key not in self._docs_loaded:
            self._docs_loaded.add(key)
            rows = self.db.execute(
                self._LAZY_SELECT + "WHERE (d.name = ? COLLATE NOCASE OR d.qualified_name = ?) ORDER BY d.id",
                (key, key),
            ).fetchall()
            for row in rows:
                if row[7] in DOC_LANGUAGES and row[4] != "section" and key in (row[2], row[3]):
                    self.doc_objects[key].append(self._loaded(row))
        return self.doc_objects.get(key, [])

    def sections_of(self, path: str) -> list[Def]:
        if self.lazy and path not in self._sections_loaded:
            self._sections_loaded.add(path)
            rows = self.db.execute(
                self._LAZY_SELECT + "WHERE d.path = ? AND d.kind = 'section' ORDER BY d.id", (path,)
            ).fetchall()
            for row in rows:
                if row[7] in DOC_LANGUAGES:
                    self.sections[path].append(self._loaded(row))
        return self.sections.get(path, [])

    def definition(self, def_id: int) -> Def | None:
        d = self.defs.get(def_id)
        if d is None and self.lazy:
            row = self.db.execute(self._LAZY_SELECT + "WHERE d.id = ?", (def_id,)).fetchone()
            d = self._loaded(row) if row else None
        return d

    def labels_named(self, name: str) -> list[tuple[str, int]]:
        if self.lazy and name not in self._labels_loaded:
            self._labels_loaded.add(name)
            self.labels[name] = [
                tuple(row)
                for row in self.db.execute(
                    "SELECT path, start_line FROM refs WHERE kind = 'label' AND name = ? ORDER BY id", (name,)
                )
            ]
        return self.labels.get(name, [])

    _IMPORT_ROWS = (
        "SELECT r.path, r.id, r.name, r.module, r.alias, r.start_line, t.targets, t.sub FROM refs r "
        "LEFT JOIN import_targets t ON t.ref_id = r.id WHERE r.kind = 'import' AND "
    )

    def preload(self, table: str) -> None:
        """Read the stored imports of the files listed in a temporary table at once (lazy mode)."""
        rows: dict[str, list[tuple]] = defaultdict(list)
        for row in self.db.execute(self._IMPORT_ROWS + f"r.path IN (SELECT v FROM {table}) ORDER BY r.id"):  # noqa: S608
            rows[row[0]].append(row[1:])
        self._import_rows = dict(rows)
        self._preloaded = True
        self._preloaded_paths = frozenset(v for (v,) in self.db.execute(f"SELECT v FROM {table}"))  # noqa: S608

    def binding(
        self, path: str, out: list[Edge] | None = None, emit: set[int] | None = None
    ) -> Bindings | None:
        """The names and modules ``path`` imports (lazily: replaying its stored imports on first use).

        Edges of the imports whose ids are in ``emit`` go to ``out``.
        """
        if self.lazy and path not in self._bound:
            self._bound.add(path)
            sink: list[Edge] = []
            trust = path not in self.fresh
            rows = self._import_rows.pop(path, None)
            if rows is None and not (self._preloaded and path in self._preloaded_paths):
                rows = [
                    row[1:]
                    for row in self.db.execute(self._IMPORT_ROWS + "r.path = ? ORDER BY r.id", (path,))
                ]
            for ref_id, name, module, alias, line, targets, sub in rows or ():
                stored = unpack_targets(targets, sub) if trust and targets is not None else None
                to = out if out is not None and emit is not None and ref_id in emit else sink
                self.add_import(ref_id, path, name, module or "", alias, line, to, stored)
        return self.bindings.get(path)

    def modules(self, language: str) -> ModuleIndex:
        """The module index that resolves imports written in ``language``."""
        if not self.lazy:
            return self._module_index[""]
        fam = family(language)
        index = self._module_index.get(fam)
        if index is None:
            if self._module_defs is None:
                self._module_defs = defaultdict(list)
                for name, path, language_, kind in self.db.execute(
                    "SELECT name, path, language, kind FROM definitions WHERE kind IN ('module', 'namespace') "
                    "ORDER BY id"
                ):
                    if language_ not in DOC_LANGUAGES and kind not in NOT_TARGETS:
                        self._module_defs[(family(language_), name)].append(path)
            code_files = {p: lang for p, lang in self.files.items() if self.formats[p] == "code"}
            index = self._module_index[fam] = ModuleIndex(
                code_files, self._module_defs, frozenset({fam}), root_name=self.root_name
            )
        return index

    def aliases(self) -> frozenset[str]:
        """Every name an import binds under another name (``import a as b`` -> ``b``)."""
        if self._aliases is None:
            self._aliases = frozenset(
                a
                for (a,) in self.db.execute(
                    "SELECT DISTINCT alias FROM refs WHERE kind='import' AND alias IS NOT NULL"
                )
            )
        return self._aliases

    @property
    def doc_stems(self) -> dict[str, str]:
        """Every tail of a file's path without extension -> the file (shortest, then first by name)."""
        if self._doc_stems is None:
            self._doc_stems = {}
            for p in sorted(self.files, key=lambda p: (len(p), p), reverse=True):
                parts = posixpath.splitext(p)[0].split("/")
                for k in range(len(parts)):
                    self._doc_stems["/".join(parts[k:])] = p
        return self._doc_stems

    # -- imports ------------------------------------------------------------------------
    def add_import(
        self,
        ref_id: int,
        path: str,
        name: str,
        module: str,
        alias: str | None,
        line: int,
        out: list[Edge],
        stored: Targets | None = None,
    ) -> None:
        language = self.files.get(path, "")
        if stored is None:
            stored = self.reuse.get(path, {}).get((name, module))
            if stored is None:
                stored = resolve_import(self.modules(language), path, language, name, module)
            self.import_results[ref_id] = stored
        targets, sub = stored
        apply_import(self.bindings[path], name, module, alias, targets, sub)
        for t in targets:
            if t != path:
                conf = 1.0 / len(targets)
                out.append((ref_id, path, None, line, t, None, "import", conf, "import"))

    # -- code references ------------------------------------------------------------------
    def _through(self, fam: str, name: str, files: set[str], depth: int = 2) -> list[Def]:
        """Definitions of ``name`` in ``files``, following their re-exports (``__init__``, ``index``)."""
        pool = self.pool(fam, name)
        hit = [d for d in pool if d.path in files]
        if hit or depth == 0:
            return hit
        if not pool and self.lazy and name not in self.aliases():
            return []  # re-exports keep the name: none of them can reach a definition
        for f in files:
            b = self.binding(f)
            if b is None:
                continue
            bound = b.names.get(name)
            if bound:
                hit += self._through(fam, bound[0], set(bound[1]), depth - 1)
            elif b.files:
                hit += [d for d in pool if d.path in b.files]
        return list({d.id: d for d in hit}.values())

    def code_targets(
        self, path: str, kind: str, name: str, receiver: str | None, scope: int | None
    ) -> tuple[list[Def], str]:
        language = self.files.get(path, "")
        fam = family(language)
        b = self.binding(path)
        if receiver and b and receiver in b.modules:
            if not b.modules[receiver]:
                return [], ""  # a module from outside the corpus (stdlib, a dependency)
            hit = self._through(fam, name, set(b.modules[receiver]))
            if hit:
                return hit, "import"
        pool = self.pool(fam, name)
        local = [d for d in pool if d.path == path]
        if receiver in SELF and scope is not None and local:
            holder = self.definition(scope)
            owner = holder.qname.rsplit(".", 1)[0] if holder is not None else ""
            same = [d for d in local if d.qname.rsplit(".", 1)[0] == owner]
            if same:
                return same, "local"
        if local and not (receiver and receiver not in SELF and all(not d.member for d in local)):
            return local, "local"
        if b:
            bound = b.names.get(name)
            if bound and not receiver:
                if not bound[1]:
                    return [], ""  # imported from outside the corpus
                hit = self._through(fam, bound[0], set(bound[1]))
                if hit:
                    return hit, "import"
            if not receiver or receiver in SELF:
                hit = self._through(fam, name, b.files, depth=1)
                if hit:
                    return hit, "import"
        if not pool or name in BUILTINS.get(fam, ()):
            return [], ""
        bare = not receiver or receiver in SELF
        cands = [d for d in pool if not d.private]
        if bare and language not in IMPLICIT_THIS:
            cands = [d for d in cands if not d.member]
        elif receiver and not bare:
            cands = [d for d in cands if d.member] or cands
        if kind in {"type", "inherit"}:
            cands = [d for d in cands if d.kind in CLASSY] or cands
        if language in _PACKAGE_DIRS:
            folder = posixpath.dirname(path)
            hit = [d for d in cands if posixpath.dirname(d.path) == folder]
            if hit:
                return hit, "package"
        return cands, "global"

    # -- prose cross-references ------------------------------------------------------------
    def doc_targets(
        self, path: str, kind: str, name: str, module: str | None, alias: str | None
    ) -> tuple[list[Def], str | None, str]:
        """(definitions, else a whole file, how) that a prose reference points at."""
        if kind == "mention":
            return self._code_by_dotted(module or name, name), None, "mention"
        if kind == "link":
            target = self._file(module or "")
            if target is None:
                return [], None, ""
            if name:
                secs = [d for d in self.sections_of(target) if name.lower() in slug(d.name)]
                secs += [self.defs[i] for i in self._label_sections(name.lower(), target)]
                if secs:
                    return secs, None, "anchor"
            return [], target, "link"
        role = module or ""
        if role == "doc":
            target = self._file(alias or "") or self._file(name.lstrip("/"), suffix=True)
            return [], target, "doc"
        if role == "ref":
            secs = [
                self.defs[i] for p, line in self.labels_named(name) for i in self._label_sections(name, p)
            ]
            return secs, None, "label"
        if role in ROLE_KINDS:
            objs = [d for d in self.doc_named(name) if d.kind in ROLE_KINDS[role]]
            return objs, None, "role"
        if role in CODE_ROLES or re.match(r"^[\w.]+$", name):
            last = re.split(r"\.|::", name)[-1]
            found = self._code_by_dotted(name, last)
            objs = [d for d in self.doc_named(name) if d.path != path]
            return found + objs, None, "role"
        return [], None, ""

    def _code_by_dotted(self, target: str, name: str) -> list[Def]:
        cands = self.named(name)
        if not cands:
            return []
        return dotted_filter(target, cands) if "." in target or "::" in target else cands

    def _file(self, target: str, suffix: bool = False) -> str | None:
        target = posixpath.normpath(target).lstrip("/") if target else ""
        if not target:
            return None
        for cand in (target, *(target + ext for ext in (".md", ".rst", ".txt", ".adoc"))):
            if cand in self.files:
                return cand
        for index in ("README.md", "index.md", "index.rst", "index.txt"):
            if f"{target}/{index}" in self.files:
                return f"{target}/{index}"
        return self.doc_stems.get(target) if suffix else None

    def _label_sections(self, label: str, path: str) -> list[int]:
        """The section a ``.. _label:`` line in ``path`` names (the one it opens)."""
        out = []
        for p, line in self.labels_named(label):
            if p != path:
                continue
            after = [d for d in self.sections_of(p) if d.start >= line - 1]
            holding = [d for d in self.sections_of(p) if d.start <= line]
            pick = min(after, key=lambda d: d.start) if after else (holding[-1] if holding else None)
            if pick is not None:
                out.append(pick.id)
        return out
