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
from walkrag.codegraph.modules import ModuleIndex, family, local_name

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


class Resolver:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
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
        module_defs: dict[tuple[str, str], list[str]] = defaultdict(list)
        rows = db.execute(
            "SELECT id, path, name, qualified_name, kind, start_line, end_line, language "
            "FROM definitions ORDER BY id"
        )
        self.spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        stems: dict[str, str] = {}
        for i, path, name, qname, kind, start, end, language in rows:
            stem = stems.get(path)
            if stem is None:
                stem = stems[path] = posixpath.splitext(path)[0].replace("/", ".").removesuffix(".__init__")
            d = Def(i, path, name, qname, kind, start, language, f"{stem}.{qname}")
            self.defs[i] = d
            self.spans[path].append((start, end, i))
            if language in DOC_LANGUAGES:
                if kind == "section":
                    self.sections[path].append(d)
                else:
                    self.doc_objects[name].append(d)
                    if qname != name:
                        self.doc_objects[qname].append(d)
            elif kind not in NOT_TARGETS:
                self.code[(family(language), name)].append(d)
                self.code_any[name].append(d)
                if kind in {"module", "namespace"}:
                    module_defs[(family(language), name)].append(path)
        self._nesting()
        self.modules = ModuleIndex(
            {p: lang for p, lang in self.files.items() if self.formats[p] == "code"}, module_defs
        )
        self.doc_stems: dict[str, str] = {}  # every tail of a file's path without extension -> the file
        for p in sorted(self.files, key=len, reverse=True):
            parts = posixpath.splitext(p)[0].split("/")
            for k in range(len(parts)):
                self.doc_stems["/".join(parts[k:])] = p
        self.bindings: dict[str, Bindings] = defaultdict(Bindings)
        self.labels: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.file_edges: dict[tuple[str, str, str], float] = defaultdict(float)

    def _nesting(self) -> None:
        """Mark class members and definitions local to a function, from span containment."""
        for spans in self.spans.values():
            stack: list[tuple[int, Def]] = []
            for start, end, i in sorted(spans, key=lambda t: (t[0], -t[1])):
                d = self.defs[i]
                while stack and stack[-1][0] < start:
                    stack.pop()
                if stack:
                    parent = stack[-1][1]
                    d.member = parent.kind in CLASSY or parent.kind in NOT_TARGETS
                    d.private = parent.private or parent.kind in FUNCTIONS
                stack.append((end, d))

    # -- imports ------------------------------------------------------------------------
    def add_import(
        self, ref_id: int, path: str, name: str, module: str, alias: str | None, line: int, out: list[Edge]
    ) -> None:
        language = self.files.get(path, "")
        targets = self.modules.resolve(module, path, language)
        b = self.bindings[path]
        if name:
            sub = (
                self.modules.resolve(
                    f"{module}.{name}" if language == "python" else f"{module}/{name}", path, language
                )
                if language in {"python", "rust"}
                else []
            )
            if sub:
                b.modules[alias or name] = sub
                targets = targets or sub
            b.names[alias or name] = (name, targets)
        else:
            b.modules[alias or local_name(module)] = targets
        b.files.update(targets)
        for t in targets:
            if t != path:
                conf = 1.0 / len(targets)
                out.append((ref_id, path, None, line, t, None, "import", conf, "import"))
                self.file_edges[(path, t, "import")] += conf

    # -- code references ------------------------------------------------------------------
    def _through(self, fam: str, name: str, files: set[str], depth: int = 2) -> list[Def]:
        """Definitions of ``name`` in ``files``, following their re-exports (``__init__``, ``index``)."""
        pool = self.code.get((fam, name), ())
        hit = [d for d in pool if d.path in files]
        if hit or depth == 0:
            return hit
        for f in files:
            b = self.bindings.get(f)
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
        b = self.bindings.get(path)
        if receiver and b and receiver in b.modules:
            if not b.modules[receiver]:
                return [], ""  # a module from outside the corpus (stdlib, a dependency)
            hit = self._through(fam, name, set(b.modules[receiver]))
            if hit:
                return hit, "import"
        pool = self.code.get((fam, name), ())
        local = [d for d in pool if d.path == path]
        if receiver in SELF and scope is not None and local:
            owner = self.defs[scope].qname.rsplit(".", 1)[0] if scope in self.defs else ""
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
                secs = [d for d in self.sections.get(target, []) if name.lower() in slug(d.name)]
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
                self.defs[i] for p, line in self.labels.get(name, []) for i in self._label_sections(name, p)
            ]
            return secs, None, "label"
        if role in ROLE_KINDS:
            objs = [d for d in self.doc_objects.get(name, []) if d.kind in ROLE_KINDS[role]]
            return objs, None, "role"
        if role in CODE_ROLES or re.match(r"^[\w.]+$", name):
            last = re.split(r"\.|::", name)[-1]
            found = self._code_by_dotted(name, last)
            objs = [d for d in self.doc_objects.get(name, []) if d.path != path]
            return found + objs, None, "role"
        return [], None, ""

    def _code_by_dotted(self, target: str, name: str) -> list[Def]:
        cands = self.code_any.get(name)
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
        for p, line in self.labels.get(label, []):
            if p != path:
                continue
            after = [d for d in self.sections.get(p, []) if d.start >= line - 1]
            holding = [d for d in self.sections.get(p, []) if d.start <= line]
            pick = min(after, key=lambda d: d.start) if after else (holding[-1] if holding else None)
            if pick is not None:
                out.append(pick.id)
        return out
