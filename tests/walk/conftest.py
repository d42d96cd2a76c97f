"""Fixtures for the walk tests: an indexed copy of the shared `corpus`, and the answer tests' helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import walkrag

# The scripted model and the OpenAI-compatible stub live with the answer tests; reuse them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "answer"))


@pytest.fixture(autouse=True)
def _no_traces(monkeypatch):
    monkeypatch.setenv("WALKRAG_TRACES", "off")


@pytest.fixture
def idx(indexed: Path):
    with walkrag.open(indexed) as index:
        yield index
