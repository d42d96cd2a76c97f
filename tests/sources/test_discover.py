import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import walkrag as walkrag_pkg
from walkrag.sources.discover import discover


def write(root: Path, rel: str, data: str | bytes = "x = 1\n") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data)
    return p


def paths(found) -> set[str]:
    return {f.path for f in found.files}


def reasons(found) -> dict[str, str]:
    return {s.path: s.reason for s in found.skipped}


def test_gitignore_at_every_level_and_walkragignore(tmp_path):
    write(tmp_path, ".gitignore", "*.log\nbuild_out/\n")
    write(tmp_path, "keep.py")
    write(tmp_path, "debug.log", "noise")
    write(tmp_path, "build_out/gen.py")
    write(tmp_path, "pkg/.gitignore", "local_*.py\n!local_keep.py\n")
    write(tmp_path, "pkg/local_tmp.py")
    write(tmp_path, "pkg/local_keep.py")
    write(tmp_path, "pkg/mod.py")
    write(tmp_path, ".walkragignore", "secret_notes/\n")
    write(tmp_path, "secret_notes/a.md", "# hi\n")
    found = discover(tmp_path)
    assert paths(found) == {"keep.py", "pkg/local_keep.py", "pkg/mod.py"}


def test_default_excludes_lockfiles_minified_and_secrets(tmp_path):
    write(tmp_path, "app.js", "let a = 1;\n")
    write(tmp_path, "node_modules/lib/index.js")
    write(tmp_path, ".git/config", "[core]")
    write(tmp_path, "venv2/pyvenv.cfg", "home = /usr")
    write(tmp_path, "venv2/lib/x.py")
    write(tmp_path, "package-lock.json", "{}")
    write(tmp_path, "static/app.min.js", "var a=1;")
    write(tmp_path, ".env", "TOKEN=abc")
    write(tmp_path, ".env.production", "TOKEN=abc")
    write(tmp_path, "deploy/server.pem", "-----BEGIN")
    write(tmp_path, "id_rsa", "-----BEGIN")
    write(tmp_path, "logo.png", b"\x89PNG\r\n")
    found = discover(tmp_path)
    assert paths(found) == {"app.js"}
    r = reasons(found)
    assert r["package-lock.json"] == "lock file"
    assert "minified" in r["static/app.min.js"]
    for secret in (".env", ".env.production", "deploy/server.pem", "id_rsa"):
        assert "secret" in r[secret]
    assert "binary" in r["logo.png"]
    assert ".env" in paths(discover(tmp_path, include_secrets=True))


def test_size_limit_symlinks_and_loops(tmp_path):
    write(tmp_path, "small.py")
    write(tmp_path, "big.txt", "a" * 5000)
    os.symlink(tmp_path, tmp_path / "loop")
    os.symlink(tmp_path / "missing.py", tmp_path / "dangling.py")
    os.symlink(tmp_path / "a_link", tmp_path / "b_link")
    os.symlink(tmp_path / "b_link", tmp_path / "a_link")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text("print('outside')\n")
    os.symlink(outside, tmp_path / "outside.py")
    os.symlink(tmp_path / "small.py", tmp_path / "alias.py")
    found = discover(tmp_path, max_file_bytes=1000)
    assert paths(found) == {"small.py", "alias.py"}
    r = reasons(found)
    assert "too large" in r["big.txt"]
    assert "symlink loop" in r["loop"]
    assert "broken symlink" in r["dangling.py"]
    assert "symlink loop" in r["a_link"] and "symlink loop" in r["b_link"]
    assert "outside" in r["outside.py"]


def test_unreadable_file_is_skipped(tmp_path):
    """Root reads any file, so as root the walk runs as an unprivileged user (setpriv)."""
    folder = Path(tempfile.mkdtemp(prefix="walkrag-unreadable-"))
    try:
        folder.chmod(0o755)
        write(folder, "ok.py").chmod(0o644)
        write(folder, "locked.py").chmod(0)
        if os.geteuid() != 0:
            found = discover(folder)
            found_paths, found_reasons = paths(found), reasons(found)
        else:
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv to drop privileges")
            script = (
                "import json, sys; from walkrag.sources.discover import discover; "
                "d = discover(sys.argv[1]); "
                "print(json.dumps([[f.path for f in d.files], {s.path: s.reason for s in d.skipped}]))"
            )
            src = str(Path(walkrag_pkg.__file__).parents[1])
            out = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", script,
                 str(folder)],
                capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": src},
            )
            listed, found_reasons = json.loads(out.stdout)
            found_paths = set(listed)
        assert found_paths == {"ok.py"}
        assert "unreadable" in found_reasons["locked.py"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_empty_folder(tmp_path):
    found = discover(tmp_path)
    assert found.files == [] and found.skipped == []
