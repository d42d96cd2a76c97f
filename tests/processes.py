"""Real walkrag processes for tests: a clean environment, a free port, a server that answers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def walkrag_env(**extra: str) -> dict[str, str]:
    """This environment without the user's WALKRAG_/OPENAI_ settings, with walkrag importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALKRAG_", "OPENAI_"))}
    env["PYTHONPATH"] = str(SRC)
    env.update(extra)
    return env


@contextlib.contextmanager
def running_walkrag(
    *args: str, ready: str, env: dict[str, str] | None = None, headers: dict | None = None
) -> Iterator[tuple[str, int]]:
    """``python -m walkrag ARGS --port N`` on a free loopback port; yields (base URL, port) once ``ready`` answers."""
    port = free_port()
    # A file, not a pipe: a server that logs more than a pipe holds would block on a full pipe.
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "walkrag", *args, "--port", str(port)],
        env=env or walkrag_env(), stdout=log, stderr=subprocess.STDOUT, text=True,
    )

    def output() -> str:
        log.seek(0)
        return log.read()[-5000:]

    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"walkrag {args[0]} exited with {proc.returncode}: {output()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(base + ready, headers=headers or {}, timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"walkrag {args[0]} did not start within 60 s: {output()}")
            time.sleep(0.1)
        yield base, port
        assert proc.poll() is None, f"walkrag {args[0]} died: {output()}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
