"""Find the files of a folder worth indexing, and say why each other one was left out."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pathspec

from walkrag.records import Skip

DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".walkrag", "node_modules", "bower_components", "__pycache__",
        ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        ".idea", ".vscode", ".next", ".nuxt", ".cache", ".gradle", ".eggs",
        "build", "dist", "target", "vendor", "third_party", "site-packages",
    }
)
LOCK_FILES = frozenset(
    {
        "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock",
        "Gemfile.lock", "composer.lock", "uv.lock", "Pipfile.lock", "go.sum", "bun.lockb",
        "npm-shrinkwrap.json", "flake.lock",
    }
)
SECRET_PATTERNS = (
    ".env", ".env.*", "*.pem", "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".pypirc", ".npmrc",
    "credentials", "credentials.*", "*.credentials", "secrets.*", "*.secret", ".htpasswd",
)
BINARY_EXTENSIONS = frozenset(
    """.png .jpg .jpeg .gif .bmp .ico .webp .tiff .psd .svgz .mp3 .mp4 .wav .ogg .flac .avi .mov .mkv
    .zip .gz .tgz .bz2 .xz .7z .rar .tar .jar .war .whl .egg .so .dll .dylib .exe .o .a .lib .bin
    .pyc .pyo .class .wasm .woff .woff2 .ttf .otf .eot .sqlite .db .mo .npy .npz .pkl .pt .onnx
    .safetensors .parquet .feather .dat .iso .dmg""".split()
)
MINIFIED_PATTERNS = ("*.min.js", "*.min.css", "*.map", "*.bundle.js", "*-min.js")
IGNORE_FILES = (".gitignore", ".walkragignore")


@dataclass(slots=True)
class SourceFile:
    """A file found by discovery: its path relative to the root, and cheap stat facts."""

    path: str
    abspath: str
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Discovery:
    files: list[SourceFile]
    skipped: list[Skip]


def _load_spec(directory: str) -> pathspec.PathSpec | None:
    lines: list[str] = []
    for name in IGNORE_FILES:
        try:
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as fh:
                lines.extend(fh.read().splitlines())
        except OSError:
            continue
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def _name_matcher(patterns) -> re.Pattern:
    """One compiled regex for a group of shell-style file name patterns."""
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


_IS_SECRET = _name_matcher(SECRET_PATTERNS)
_IS_MINIFIED = _name_matcher(MINIFIED_PATTERNS)


def _is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def discover(
    root: str | Path,
    *,
    max_file_bytes: int = 2 * 1024 * 1024,
    include_secrets: bool = False,
    extra_excludes: list[str] | None = None,
) -> Discovery:
    """Walk ``root``; honour ``.gitignore``/``.walkragignore`` at every level and the defaults.

    Nothing raises for a bad file: it lands in ``skipped`` with a reason.
    """
    root = os.path.abspath(str(root))
    real_root = os.path.realpath(root)
    files: list[SourceFile] = []
    skipped: list[Skip] = []
    extra = pathspec.GitIgnoreSpec.from_lines(extra_excludes) if extra_excludes else None
    # (directory relative to root, spec) for every ignore file above the current directory
    specs: dict[str, pathspec.PathSpec | None] = {}

    def ignored(rel: str, is_dir: bool) -> bool:
        probe = rel + "/" if is_dir else rel
        if extra is not None and extra.match_file(probe):
            return True
        parts = rel.split("/")
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            spec = specs.get(base)
            if spec is not None and spec.match_file("/".join(parts[depth:]) + ("/" if is_dir else "")):
                return True
        return False

    def on_error(err: OSError) -> None:
        rel = os.path.relpath(err.filename or root, root).replace(os.sep, "/")
        skipped.append(Skip(rel, f"unreadable directory ({err.strerror})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        specs[rel_dir] = _load_spec(dirpath)
        keep_dirs = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if os.path.islink(full):
                target = os.path.realpath(full)
                if real_root == target or real_root.startswith(target + os.sep) or target == os.path.realpath(dirpath):
                    skipped.append(Skip(rel, "symlink loop (points to an enclosing folder)"))
                else:
                    skipped.append(Skip(rel, "symlinked folder (not followed)"))
                continue
            if d in DEFAULT_EXCLUDED_DIRS or _is_venv(full) or d.endswith(".egg-info"):
                continue
            if ignored(rel, True):
                continue
            keep_dirs.append(d)
        dirnames[:] = keep_dirs
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            full = os.path.join(dirpath, name)
            if name in IGNORE_FILES or ignored(rel, False):
                continue
            if name in LOCK_FILES:
                skipped.append(Skip(rel, "lock file"))
                continue
            if not include_secrets and _IS_SECRET.match(name):
                skipped.append(Skip(rel, "likely secret (not indexed by default)"))
                continue
            if _IS_MINIFIED.match(name):
                skipped.append(Skip(rel, "minified or generated bundle"))
                continue
            if os.path.splitext(name)[1].lower() in BINARY_EXTENSIONS:
                skipped.append(Skip(rel, "binary file (by extension)"))
                continue
            try:
                st = os.stat(full)  # follows symlinks
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    reason = "symlink loop"
                elif os.path.islink(full):
                    reason = "broken symlink"
                else:
                    reason = f"unreadable ({exc.strerror})"
                skipped.append(Skip(rel, reason))
                continue
            if os.path.islink(full):
                target = os.path.realpath(full)
                if not (target == real_root or target.startswith(real_root + os.sep)):
                    skipped.append(Skip(rel, "symlink points outside the indexed root"))
                    continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(Skip(rel, "not a regular file"))
                continue
            if st.st_size > max_file_bytes:
                skipped.append(Skip(rel, f"too large ({st.st_size} bytes > limit {max_file_bytes})"))
                continue
            if not os.access(full, os.R_OK):
                skipped.append(Skip(rel, "unreadable (permission denied)"))
                continue
            files.append(SourceFile(rel, full, st.st_size, st.st_mtime_ns))
    return Discovery(files, skipped)
