"""Synthetic questions: without an LLM on the `corpus` fixture, and with a scripted one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eval_helpers import FakeLLM

import walkrag
from walkrag.evals.dataset import load_dataset
from walkrag.evals.synth import (
    Candidate,
    answer_words,
    blank_out,
    clean,
    quotes_answer,
    synthesize,
    write_synth,
)


@pytest.fixture
def corpus_index(corpus: Path):
    idx = walkrag.open(corpus)
    idx.update()
    yield idx
    idx.close()


def _words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[A-Za-z0-9_]+", text):
        out |= {w.lower(), *(p.lower() for p in re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", w))}
    return out


def test_answer_words_and_blanking():
    words = answer_words("handleOrder", "cmd.handleOrder")
    assert words == {"handleorder", "handle", "order", "cmd"}
    assert blank_out("handleOrder decodes an order and acknowledges it.", words) == "… decodes an … and acknowledges it."
    assert quotes_answer("What do pending requests do?", words) is False
    assert quotes_answer("Where are ORDERS decoded?", words)  # a plural contains the answer word
    assert quotes_answer("What do HANDLE_ORDERS do?", words)  # a part of an identifier gives it away
    assert quotes_answer("Which function handles the Order struct?", words)
    assert blank_out("The subtotal of the cart", answer_words("total")) == "The … of the cart"


def test_synth_without_llm_on_the_corpus(corpus_index, tmp_path):
    result = synthesize(corpus_index, 40, seed=0)
    questions = result.dev + result.held_out
    assert result.generator == "heuristic" and len(questions) >= 12
    assert {q.level for q in questions} >= {"docstring", "heading", "definition"}
    assert len({q.question for q in questions}) == len(questions)
    assert len({(q.gold[0].path, q.gold[0].lines) for q in questions}) == len(questions)
    root = corpus_index.root
    for q in questions:
        gold = q.gold[0]
        lines = (root / gold.path).read_text().split("\n")
        start, end = gold.lines
        assert 1 <= start <= end <= len(lines), q
        span = "\n".join(lines[start - 1:end])
        name = q.answer_points[0]
        assert name in span, (q, name)  # the gold span holds the answer
        # The question names neither the answer nor any part of it.
        assert not (_words(q.question) & answer_words(name, gold.symbol)), q.question
        assert name not in q.question and name.lower() not in q.question.lower()
    by_symbol = {q.gold[0].symbol: q for q in questions}
    assert "tax_for" in by_symbol and "tax" not in by_symbol["tax_for"].question.lower().split()
    paths = write_synth(result, tmp_path / "out")
    dev, held = load_dataset(paths["dev"]), load_dataset(paths["held_out"])
    assert len(dev) + len(held) == len(questions) and len(held) == round(len(questions) * 0.3)
    manifest = json.loads(paths["manifest"].read_text())
    assert manifest["generator"] == "heuristic" and manifest["seed"] == 0


def test_synth_split_is_reproducible(corpus_index):
    a = synthesize(corpus_index, 10, seed=5)
    b = synthesize(corpus_index, 10, seed=5)
    c = synthesize(corpus_index, 10, seed=6)
    assert [q.id for q in a.dev] == [q.id for q in b.dev] and [q.id for q in a.held_out] == [q.id for q in b.held_out]
    assert len(a.dev) + len(a.held_out) == 10
    assert {q.id for q in a.dev} != {q.id for q in c.dev}
    assert not {q.id for q in a.dev} & {q.id for q in a.held_out}


def test_cleaning_assertions(tmp_path):
    (tmp_path / "a.py").write_text("def alpha():\n    return 1\n")
    words = answer_words("alpha")
    cands = [
        Candidate("Which function returns the constant one here?", "a.py", 1, 2, "alpha", "x", words, name="alpha"),
        Candidate("Which function returns the constant one here?", "a.py", 1, 2, "alpha", "x", words, name="alpha"),
        Candidate("Which function is alpha and returns things?", "a.py", 1, 2, "alpha", "x", words, name="alpha"),
        Candidate("Which function returns a value from gone file?", "gone.py", 1, 2, None, "x", set()),
        Candidate("Which function returns past the end of file?", "a.py", 2, 9, None, "x", set()),
        Candidate("Which function returns beta values from here?", "a.py", 1, 1, "beta", "x", set(), name="beta"),
        Candidate("Which … ?", "a.py", 1, 1, None, "x", set()),
        Candidate("What does the function return in this file?", "a.py", 1, 2, None, "llm", set(),
                  ["the function return"]),
    ]
    from collections import Counter

    rejected = Counter()
    kept = clean(cands, tmp_path, rejected)
    assert len(kept) == 1
    assert rejected == {"duplicate": 1, "question quotes its answer": 2, "gold span missing": 2,
                        "symbol not in gold span": 1, "too little left after blanking": 1}


def test_synth_with_llm(corpus_index):
    def reply(messages):
        passage = messages[-1]["content"]
        if "tax_for" in passage:  # a question that gives its answer away is dropped
            return json.dumps({"question": "What does tax_for do?", "answer_points": ["tax"]})
        path = passage.split("(", 1)[1].split(" ")[0]
        return json.dumps({"question": f"What is explained in the passage from {path}?", "answer_points": ["x"]})

    llm = FakeLLM(reply)
    result = synthesize(corpus_index, 6, seed=1, held_out=0.5, llm=llm)
    questions = result.dev + result.held_out
    assert result.generator == "llm:fake" and questions and all(q.level == "llm" for q in questions)
    assert all("tax_for" not in q.question for q in questions)
    assert len(result.dev) == len(result.held_out) or abs(len(result.dev) - len(result.held_out)) == 1
    assert llm.requests and all(r[0]["role"] == "system" for r in llm.requests)


def test_synth_rejects_bad_arguments(corpus_index):
    with pytest.raises(ValueError, match="at least 1"):
        synthesize(corpus_index, 0)
    with pytest.raises(ValueError, match="held-out"):
        synthesize(corpus_index, 3, held_out=1.0)
