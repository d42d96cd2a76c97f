"""Which files an import names: module specs to paths, per language convention.

Relative specs (``./x``, ``../y``, ``mod engine;``, ``require_relative``) are
joined to the importing file's folder; absolute ones (``zoo.animals``,
``crate::engine``, ``billing.Invoice``, ``Data.Map``) are matched against the
ends of indexed paths; Go and JVM imports may name a package folder. When
several files match, the ones closest to the importer win.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

FAMILY = {"cpp": "c", "typescript": "js", "tsx": "js", "javascript": "js"}
# Files that stand for their folder: `import pkg`, `require('./dir')`, `mod x` -> x/mod.rs.
_INDEX_STEMS = frozenset({"__init__", "index", "mod", "init", "lib"})
_PATH_LANGS = frozenset(
    {"javascript", "typescript", "tsx", "c", "cpp", "php", "zig", "bash", "ruby", "lua", "rust"}
)
_JVM = frozenset({"java", "kotlin", "scala"})
_PACKAGE_DIRS = frozenset({"go", "java", "kotlin", "scala"})
_SPLIT = re.compile(r"::|\\|/|\.")
_PATHISH = re.compile(r"::|\\|/")


def package_name(root: str | None) -> str:
    """The indexed folder's name when imports could name it (``model2vec``, not ``my-project``)."""
    name = posixpath.basename((root or "").rstrip("/"))
    return name if name.isidentifier() else ""


def family(language: str) -> str:
    return FAMILY.get(language, language)


def _stem(path: str) -> str:
    base, ext = posixpath.splitext(path)
    return base if ext else path


def _closest(importer: str, paths: list[str]) -> list[str]:
    def shared(p: str) -> int:
        return len(posixpath.commonprefix([importer, p]).split("/"))

    best = max(shared(p) for p in paths)
    return sorted(p for p in paths if shared(p) == best)


class ModuleIndex:
    """Lookups from module specs to the indexed files of one language family.

    ``families`` limits the keys to those families (a lookup only ever reads keys of
    the importer's family), for an incremental update that resolves few imports.
    ``root_name`` is the indexed folder's own name when it can be a package name:
    absolute imports that start with it then resolve inside the index.
    """

    def __init__(
        self,
        files: dict[str, str],
        module_defs: dict[tuple[str, str], list[str]],
        families: frozenset[str] | None = None,
        root_name: str = "",
    ):
        self.files = files  # path -> language
        self.module_defs = module_defs  # (family, module name) -> paths defining it
        self.families = families
        self.by_stem: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.by_path: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.by_dir: dict[tuple[str, str], list[str]] = defaultdict(list)
        for path, language in files.items():
            fam = family(language)
            if families is not None and fam not in families:
                continue
            parts = _stem(path).split("/")
            full = path.split("/")
            for k in range(len(parts)):
                self.by_stem[(fam, "/".join(parts[k:]))].append(path)
                self.by_path[(fam, "/".join(full[k:]))].append(path)
            if parts[-1] in _INDEX_STEMS and len(parts) > 1:
                for k in range(len(parts) - 1):
                    self.by_stem[(fam, "/".join(parts[k:-1]))].append(path)
            if root_name:
                # The indexed folder may itself be the package (`src/pkg` indexed, `import pkg.sub`).
                self.by_stem[(fam, "/".join([root_name, *parts]))].append(path)
                if parts[-1] in _INDEX_STEMS:
                    self.by_stem[(fam, "/".join([root_name, *parts[:-1]]))].append(path)
            folder = parts[:-1]
            for k in range(len(folder)):
                self.by_dir[(fam, "/".join(folder[k:]))].append(path)

    def resolve(self, spec: str, importer: str, language: str) -> list[str]:
        """Indexed files that ``spec``, imported from ``importer``, names (closest first)."""
        fam = family(language)
        spec = spec.strip()
        if not spec:
            return []
        found = self.module_defs.get((fam, spec))
        if found:
            return _closest(importer, found)
        base = posixpath.dirname(importer)
        if language == "python" and spec.startswith("."):
            dots = len(spec) - len(spec.lstrip("."))
            for _ in range(dots - 1):
                base = posixpath.dirname(base)
            rest = spec[dots:].replace(".", "/")
            return self._relative(fam, posixpath.join(base, rest) if rest else base)
        if language == "rust":
            spec = re.sub(r"^(crate|self)::", "", spec)
            while spec.startswith("super::"):
                spec, base = spec[7:], posixpath.dirname(base)
        if spec.startswith((".", "/")) or language in _PATH_LANGS:
            rel = spec.replace("::", "/") if language == "rust" else spec
            hits = self._relative(fam, posixpath.normpath(posixpath.join(base, rel)))
            if hits or spec.startswith("."):
                return hits
        return self._absolute(fam, spec, importer, language)

    def _relative(self, fam: str, target: str) -> list[str]:
        target = target.lstrip("/")
        if (fam, target) in self.by_path and target in self.files:
            return [target]
        hits = [
            p
            for p in self.by_stem.get((fam, target), [])
            if _stem(p) == target or posixpath.dirname(p) == target
        ]
        return sorted(hits)

    def _absolute(self, fam: str, spec: str, importer: str, language: str) -> list[str]:
        has_ext = bool(re.search(r"\.(h|hh|hpp|hxx|c|cc|cpp|php|zig|sh|rb|lua|js|mjs|ts)$", spec))
        if has_ext:
            hits = self.by_path.get((fam, spec.lstrip("./")))
            return _closest(importer, hits) if hits else []
        parts = [p for p in _SPLIT.split(spec) if p]
        if not parts:
            return []
        tries = [parts]
        if language in _JVM or language in {"go", "php"}:
            tries += [parts[k:] for k in range(1, len(parts))]
        for chunk in tries:
            key = "/".join(chunk)
            if language != "go":
                hits = self.by_stem.get((fam, key))
                if hits:
                    return _closest(importer, hits)
            if language in _PACKAGE_DIRS:
                hits = self.by_dir.get((fam, key))
                if hits:
                    close = _closest(importer, hits)
                    folder = posixpath.dirname(close[0])
                    return sorted(p for p in hits if posixpath.dirname(p) == folder)
        return []


def lookup_tails(path: str, language: str) -> set[str]:
    """The last path components of every key ``path`` adds to a :class:`ModuleIndex`.

    A lookup whose key ends otherwise cannot see the file come or go.
    """
    parts = _stem(path).split("/")
    tails = {parts[-1], path.rsplit("/", 1)[-1]}
    if len(parts) > 1 and (parts[-1] in _INDEX_STEMS or family(language) in _PACKAGE_DIRS):
        tails.add(parts[-2])
    return tails


def spec_tokens(spec: str) -> set[str]:
    """Every piece of a module spec a lookup key may end with (see :meth:`ModuleIndex.resolve`)."""
    spec = spec.strip()
    return set(_SPLIT.split(spec)) | set(_PATHISH.split(spec))


def local_name(spec: str) -> str:
    """The name a whole-module import binds by default: ``zoo.animals`` -> ``animals``."""
    parts = [p for p in _SPLIT.split(spec.strip().strip("'\"")) if p and p not in {"..", "."}]
    if not parts:
        return ""
    last = parts[-1]
    if len(parts) > 1 and last in {"js", "ts", "zig", "lua", "rb", "php", "h", "hpp", "py", "sh"}:
        last = parts[-2]
    return last
