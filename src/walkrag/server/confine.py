"""Confinement: every path a client names is checked before anything is read.

A client (an agent, a script, text an agent read inside an indexed file) may name
any path. Only files inside the indexed root are readable; ``../``, absolute paths,
symlinks that lead outside, percent-encoded or double-encoded traversal, NUL and
control characters are refused with a :class:`ConfinementError` saying why.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

MAX_PATH_CHARS = 1024
_DECODE_ROUNDS = 4
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ConfinementError(ValueError):
    """A path that names something outside the indexed root, or that is malformed."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.status = status


def _decoded_forms(raw: str) -> list[str]:
    """``raw`` and every form repeated percent-decoding gives (double-encoded traversal hides there)."""
    forms = [raw]
    for _ in range(_DECODE_ROUNDS):
        nxt = unquote(forms[-1], errors="strict")
        if nxt == forms[-1]:
            break
        forms.append(nxt)
    return forms


def check_relative(raw: object) -> str:
    """A clean root-relative POSIX path from ``raw``, or a :class:`ConfinementError`.

    Purely lexical: it does not touch the file system (see :func:`resolve_inside`).
    """
    if not isinstance(raw, str):
        raise ConfinementError("path must be a string", 400)
    if not raw or not raw.strip():
        raise ConfinementError("path is empty", 400)
    if len(raw) > MAX_PATH_CHARS:
        raise ConfinementError(f"path is longer than {MAX_PATH_CHARS} characters", 400)
    try:
        forms = _decoded_forms(raw)
    except UnicodeDecodeError as exc:
        raise ConfinementError("path has an invalid percent-encoding", 400) from exc
    for form in forms:
        if "\x00" in form:
            raise ConfinementError("path contains a NUL byte", 400)
        if _CONTROL.search(form):
            raise ConfinementError("path contains control characters", 400)
        if form.startswith(("/", "\\", "~")) or _DRIVE.match(form):
            raise ConfinementError(
                f"absolute paths are refused: give a path relative to the indexed root ({raw!r})"
            )
        parts = re.split(r"[\\/]+", form)
        if ".." in parts:
            raise ConfinementError(f"path traversal ('..') is refused: {raw!r}")
    if len(forms) > 1 and forms[-1] != raw and "%" in raw and re.search(r"%(2e|2f|5c|25)", raw, re.I):
        # An encoded dot, slash, backslash or percent only ever serves to smuggle a path past a check.
        raise ConfinementError(f"percent-encoded path separators are refused: {raw!r}", 400)
    clean = PurePosixPath(raw.replace("\\", "/"))
    parts = [p for p in clean.parts if p not in ("", ".")]
    if not parts:
        raise ConfinementError("path names the root folder, not a file", 400)
    return "/".join(parts)


def resolve_inside(root: Path, raw: object) -> tuple[Path, str]:
    """The real file ``raw`` names under ``root`` and its root-relative path, once checked.

    Symlinks are followed and the target must still lie under ``root``.
    """
    rel = check_relative(raw)
    real_root = Path(root).resolve()
    try:
        target = (real_root / rel).resolve(strict=True)
    except FileNotFoundError as exc:
        raise ConfinementError(f"no such file under the indexed root: {rel}", 404) from exc
    except (OSError, RuntimeError) as exc:  # loops, too many links, permission
        raise ConfinementError(f"cannot resolve {rel}: {exc.__class__.__name__}", 403) from exc
    if not target.is_relative_to(real_root):
        raise ConfinementError(f"{rel} resolves outside the indexed root (symlink?): refused")
    if not target.is_file():
        raise ConfinementError(f"not a regular file: {rel}", 400)
    return target, rel
