"""Fixtures for the trace tests: an indexed sample corpus, copied per test so each has its own traces.db."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import walkrag

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No ambient trace switches or LLM endpoints leak into a test."""
    for var in ("WALKRAG_TRACES", "WALKRAG_TRACES_MAX_MB", "WALKRAG_TRACES_MAX_DAYS", "WALKRAG_LLM_BASE_URL",
                "WALKRAG_LLM_MODEL", "WALKRAG_LLM_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("traces-src") / "corpus"
    shutil.copytree(SAMPLE, root)
    with walkrag.open(root) as idx:
        idx.update()
    (root / ".walkrag" / "traces.db").unlink(missing_ok=True)
    return root


@pytest.fixture
def indexed(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the indexed sample (index in ``<root>/.walkrag``, no traces yet)."""
    root = tmp_path / "corpus"
    shutil.copytree(built, root)
    return root


@pytest.fixture
def idx(indexed: Path):
    with walkrag.open(indexed) as index:
        yield index
