"""A scripted model for the walk: it answers the analysis, read and answer prompts by what they ask."""

from __future__ import annotations

import json
from collections.abc import Callable

from openai_stub import shown_evidence

QUESTION = "How does Cart.total apply the discount, and what happens with an unknown tax region?"
PARTS = ["how does Cart.total apply the discount", "what happens with an unknown tax region"]


def kind_of(messages: list[dict]) -> str:
    system = messages[0]["content"]
    if system.startswith("You plan how to research"):
        return "analyze"
    if system.startswith("You are researching"):
        return "read"
    return "answer"


def find(shown: dict, needle: str) -> tuple[int, str, str] | None:
    """``(n, ref, text)`` of the first shown span whose text holds ``needle``."""
    for n, (ref, text) in sorted(shown.items()):
        if needle in text:
            return n, ref, text
    return None


def line_of(ref: str, text: str, needle: str) -> int:
    start = int(ref.rsplit(":", 1)[1].split("-")[0])
    return start + next(i for i, line in enumerate(text.split("\n")) if needle in line)


class WalkModel:
    """Dispatches each request to ``read`` (a function of the shown evidence and the read count)."""

    def __init__(self, read: Callable[[dict, int], dict], analysis: dict | None = None, answer: str | None = None):
        self.read = read
        self.analysis = analysis or {"level": "discontiguous_multi_fact", "identifiers": ["Cart.total"],
                                     "entities": [], "parts": PARTS, "reason": "two places"}
        self.answer = answer
        self.reads = 0
        self.kinds: list[str] = []

    def __call__(self, messages: list[dict], index: int) -> str:
        kind = kind_of(messages)
        self.kinds.append(kind)
        if kind == "analyze":
            return json.dumps(self.analysis)
        shown = shown_evidence({"messages": messages})
        if kind == "read":
            self.reads += 1
            return json.dumps(self.read(shown, self.reads))
        if self.answer is not None:
            return self.answer
        hit = find(shown, "raise ValueError")
        n = hit[0] if hit else min(shown)
        return json.dumps({"answer": f"An unknown region makes `tax_for` raise `ValueError` [{n}].",
                           "sufficient": True})


def covering_read(shown: dict, i: int) -> dict:
    """Facts for both parts, quoted and with lines, from whichever spans show them; done when both are covered."""
    facts = []
    discount = find(shown, "apply_discount(subtotal")
    if discount:
        n, ref, text = discount
        line = line_of(ref, text, "apply_discount(subtotal")
        facts.append({"text": "Cart.total applies the coupon discount to the subtotal.", "evidence": n,
                      "lines": [line, line], "quote": "apply_discount(subtotal, self.coupon)", "parts": [0]})
    tax = find(shown, "raise ValueError")
    if tax:
        n, ref, text = tax
        line = line_of(ref, text, "raise ValueError")
        facts.append({"text": "tax_for raises ValueError for a region without a rate.", "evidence": n,
                      "lines": [line, line], "quote": "raise ValueError", "parts": [1]})
    parts = sorted({p for f in facts for p in f["parts"]})
    return {"facts": facts, "irrelevant": [], "threads": [{"kind": "symbol", "target": "tax_for", "reason": "x"}],
            "covered": parts, "done": parts == [0, 1]}
