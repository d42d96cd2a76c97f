"""Confinement, in process: what `check_relative` and `resolve_inside` accept and refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from walkrag.server.confine import ConfinementError, check_relative, resolve_inside


@pytest.mark.parametrize(
    "raw",
    [
        "../etc/passwd",
        "a/../../b",
        "/etc/passwd",
        "\\\\server\\share",
        "C:\\Windows",
        "c:/x",
        "~root/.ssh",
        "..%2fsecret",
        "%2e%2e/secret",
        "%252e%252e%252fsecret",
        "%25252e%25252e/x",
        "a/%2e%2e/%2e%2e/x",
        "a\\..\\..\\x",
        "a\x00b",
        "a%00b",
        "a%2500b",
        "line\nbreak",
        "%ff%fe",
        "",
        "   ",
        ".",
        "./",
        "x" * 2000,
        None,
        42,
        ["a"],
    ],
)
def test_refused(raw):
    with pytest.raises(ConfinementError) as err:
        check_relative(raw)
    assert str(err.value)
    assert 400 <= err.value.status < 500


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("shop/cart.py", "shop/cart.py"),
        ("./shop//cart.py", "shop/cart.py"),
        ("docs\\api.md", "docs/api.md"),
        ("100%.md", "100%.md"),
        ("a b/c.txt", "a b/c.txt"),
        ("..hidden/x", "..hidden/x"),
        ("x..y", "x..y"),
    ],
)
def test_accepted(raw, clean):
    assert check_relative(raw) == clean


def test_symlinks_may_not_lead_outside(tmp_path: Path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret").write_text("s")
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    (root / "inside-link.py").symlink_to(root / "pkg" / "mod.py")
    (root / "out-link").symlink_to(outside / "secret")
    (root / "out-dir").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root / "loop")
    assert resolve_inside(root, "pkg/mod.py")[1] == "pkg/mod.py"
    assert resolve_inside(root, "inside-link.py")[0] == (root / "pkg" / "mod.py").resolve()
    for raw, status in (
        ("out-link", 403),
        ("out-dir/secret", 403),
        ("loop", 403),
        ("pkg", 400),
        ("nope", 404),
    ):
        with pytest.raises(ConfinementError) as err:
            resolve_inside(root, raw)
        assert err.value.status == status, raw
