"""Fixtures for the eval tests: an indexed copy of the shared `corpus`, shared by a module's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_helpers import build_corpus

import walkrag


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    """An indexed corpus (index in ``<root>/.walkrag``), built once per test module."""
    root = build_corpus(tmp_path_factory.mktemp("evals") / "corpus")
    idx = walkrag.open(root)
    idx.update()
    idx.close()
    return root
