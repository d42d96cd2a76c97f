"""Fixtures for the server tests: an indexed corpus with hostile files, and a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_helpers import INJECTION, SECRET, running_server

import walkrag


@pytest.fixture
def indexed(corpus: Path) -> Path:
    """The shared corpus plus a prompt-injection note, a secret outside the root and a symlink to it; indexed."""
    outside = corpus.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (corpus / "docs" / "maintenance.md").write_text(INJECTION, encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "docs" / "escape").symlink_to(outside, target_is_directory=True)
    (corpus / ".env").write_text("API_KEY=sk-not-for-agents\n", encoding="utf-8")
    with walkrag.open(corpus) as idx:
        idx.update()
    return corpus


@pytest.fixture
def server(indexed: Path) -> Iterator[tuple[str, Path]]:
    with running_server(indexed / ".walkrag") as base:
        yield base, indexed
