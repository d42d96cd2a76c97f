"""Shared fixtures: small real corpora written into tmp folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import walkrag

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"

EXTRA_FILES = {
    "lib/auth.rb": '''# Sessions for the admin area.
module Auth
  class SessionStore
    def initialize(ttl)
      @ttl = ttl
    end

    # Returns true when the session token has not expired.
    def valid_token?(token, now)
      token.issued_at + @ttl > now
    end
  end
end
''',
    "src/lib.rs": '''/// A fixed-capacity ring buffer.
pub struct RingBuffer {
    items: Vec<u32>,
    head: usize,
}

impl RingBuffer {
    /// Push a value, overwriting the oldest when full.
    pub fn push(&mut self, value: u32) {
        let cap = self.items.len();
        self.items[self.head % cap] = value;
        self.head += 1;
    }
}
''',
    "src/Main.java": '''package shop;

public class InventoryService {
    private final int lowStockThreshold = 5;

    /** True when an item should be reordered. */
    public boolean needsReorder(int onHand) {
        return onHand < lowStockThreshold;
    }
}
''',
    "web/types.ts": '''export interface Customer {
  id: string;
  email: string;
}

export function normaliseEmail(customer: Customer): string {
  return customer.email.trim().toLowerCase();
}
''',
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The sample shop plus files in more languages: Python, JS, TS, Go, Rust, Java, Ruby, Markdown, reST."""
    root = tmp_path / "corpus"
    shutil.copytree(SAMPLE, root)
    for rel, text in EXTRA_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def indexed(corpus: Path) -> Path:
    """The shared corpus, indexed (a test folder may override this with its own)."""
    idx = walkrag.open(corpus)
    idx.update()
    idx.close()
    return corpus
