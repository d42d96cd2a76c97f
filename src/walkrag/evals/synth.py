"""Synthetic questions with gold evidence drawn from the indexed corpus.

Without an LLM, questions come from the index's ``definitions`` and ``chunks``:
a definition's docstring ("Which method does this: …?"), a section's first
sentence ("Which documentation section explains: …?"), or a distinctive line
of an undocumented definition ("Which function contains the line `…`?"). The
answer-bearing words (the symbol or heading, whole and split into parts) are
blanked out of the question. With an LLM, a model writes one question and its
answer points per sampled chunk.

Every candidate is then cleaned by assertions: the gold span exists in the
source (and holds its symbol), the question does not quote its answer, and
duplicates are dropped. The survivors are shuffled with a seed and split into
a dev and a held-out file, reproducibly.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from walkrag.evals.dataset import Question, write_jsonl
from walkrag.models.llm import LLM, LLMError, structured
from walkrag.retrieval.tokenize import STOPWORDS, split_identifier

SYNTH_PROMPT_VERSION = "synth.v1"
_WORDS = re.compile(r"[A-Za-z0-9_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
MIN_CONTENT_WORDS = 3
BLANK = "…"


@dataclass(slots=True)
class Candidate:
    question: str
    path: str
    start_line: int
    end_line: int
    symbol: str | None
    level: str
    answer_words: set[str]
    answer_points: list[str] = field(default_factory=list)
    name: str | None = None  # the bare symbol or heading the gold span must hold

    def to_question(self) -> Question:
        key = f"{self.path}:{self.start_line}-{self.end_line}:{self.question}"
        gold = {"path": self.path, "lines": [self.start_line, self.end_line]}
        if self.symbol:
            gold["symbol"] = self.symbol
        return Question.model_validate({
            "id": "synth-" + hashlib.sha1(key.encode()).hexdigest()[:10], "question": self.question,
            "level": self.level, "gold": [gold], "answer_points": self.answer_points,
        })


@dataclass(slots=True)
class SynthResult:
    dev: list[Question]
    held_out: list[Question]
    rejected: Counter
    generator: str
    seed: int

    def as_dict(self) -> dict:
        return {"generator": self.generator, "seed": self.seed, "dev": len(self.dev), "held_out": len(self.held_out),
                "rejected": dict(self.rejected)}


# -- answer words --------------------------------------------------------------------------------------


def word_parts(word: str) -> set[str]:
    """A word, lowercased, and its identifier parts: ``TAX_RATES`` -> {tax_rates, tax, rates}."""
    return {word.lower(), *split_identifier(word)}


def answer_words(*names: str | None) -> set[str]:
    """The words that give the answer away: each name whole and split, minus stopwords and tiny parts."""
    out: set[str] = set()
    for name in names:
        for w in _WORDS.findall(name or ""):
            out |= {p for p in word_parts(w) if len(p) >= 3 and p not in STOPWORDS}
    return out


def bears_answer(word: str, words: set[str]) -> bool:
    """``word`` is, or has a part that is, an answer word, or contains a longer one (``subtotal``: total)."""
    if word_parts(word) & words:
        return True
    lower = word.lower()
    return any(len(a) >= 4 and a in lower for a in words)


def quotes_answer(question: str, words: set[str]) -> bool:
    """Whether any word of ``question`` bears the answer (see :func:`bears_answer`)."""
    return any(bears_answer(w, words) for w in _WORDS.findall(question))


def blank_out(text: str, words: set[str]) -> str:
    """Replace answer-bearing words with an ellipsis; runs of blanks collapse to one."""
    out = _WORDS.sub(lambda m: BLANK if bears_answer(m.group(0), words) else m.group(0), text)
    out = re.sub(rf"{BLANK}(?:[\s`'\"]*{BLANK})+", BLANK, out)
    out = re.sub(r"`\s*…\s*`", BLANK, out)
    return " ".join(out.split())


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    return _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".!?:; ")


def _content_count(text: str) -> int:
    return sum(1 for w in _WORDS.findall(text) if w.lower() not in STOPWORDS and len(w) > 2)


# -- candidates without an LLM -----------------------------------------------------------------------


def _file_lines(root: Path, path: str, cache: dict) -> list[str] | None:
    if path not in cache:
        try:
            cache[path] = (root / path).read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            cache[path] = None
    return cache[path]


def _is_rule(s: str) -> bool:
    return bool(s) and set(s) <= set("=-~^*#+`'\"")


def _section_sentence(lines: list[str], own: list[int], heading: str) -> str | None:
    """The first prose sentence of a section's own lines (skipping the heading and rst underlines)."""
    body = []
    for i in own:
        s = lines[i].strip()
        underlined = i + 1 < len(lines) and _is_rule(lines[i + 1].strip())
        if not s or _is_rule(s) or s.startswith("#") or s == heading.strip() or underlined:
            if body:
                break
            continue
        body.append(s)
    return _first_sentence(" ".join(body)) if body else None


def _own_lines(start: int, end: int, nested: list[tuple[int, int]]) -> list[int]:
    """0-based indexes of the lines after a definition's first line that no nested definition covers.

    A class's question must not quote a line of one of its methods, nor a section one of its subsections:
    the answer would be ambiguous.
    """
    covered = {i for s, e in nested if start <= s and e <= end and (s, e) != (start, end) for i in range(s - 1, e)}
    return [i for i in range(start, end) if i not in covered]


def _distinctive_line(lines: list[str], own: list[int], words: set[str]) -> str | None:
    best = None
    for i in own:
        s = lines[i].strip()
        if len(s) < 16 or len(s) > 100 or s.startswith(("#", "//", "/*", "*", '"""', "'''")) or quotes_answer(s, words):
            continue
        if _content_count(s) >= MIN_CONTENT_WORDS and (best is None or len(s) > len(best)):
            best = s
    return best


def heuristic_candidates(db, root: Path) -> list[Candidate]:
    """Candidates from docstrings, section headings and definitions in the index (``definitions`` table)."""
    cache: dict = {}
    out: list[Candidate] = []
    rows = db.execute(
        "SELECT path, name, qualified_name, kind, start_line, end_line, docstring FROM definitions "
        "ORDER BY path, start_line, name"
    ).fetchall()
    spans: dict[str, list[tuple[int, int]]] = {}
    for row in rows:
        spans.setdefault(row[0], []).append((row[4], row[5]))
    for path, name, qualified, kind, start, end, doc in rows:
        words = answer_words(name, qualified)
        if not words:
            continue
        lines = _file_lines(root, path, cache)
        own = _own_lines(start, min(end, len(lines)), spans[path]) if lines else []
        if kind == "section":
            sentence = _section_sentence(lines, own, name) if lines else None
            if sentence:
                text = blank_out(sentence, words)
                out.append(Candidate(f"Which documentation section explains: {text}?", path, start, end,
                                     qualified, "heading", words, [name], name))
            continue
        if doc and doc.strip():
            text = blank_out(_first_sentence(doc.replace("``", "`")), words)
            out.append(Candidate(f"Which {kind} does this: {text[:1].lower()}{text[1:]}?", path, start, end,
                                 qualified, "docstring", words, [name], name))
            continue
        line = _distinctive_line(lines, own, words) if lines else None
        if line:
            out.append(Candidate(f"Which {kind} contains the line `{line}`?", path, start, end, qualified,
                                 "definition", words, [name], name))
    return out


# -- candidates with an LLM ----------------------------------------------------------------------------


class SynthItem(BaseModel):
    question: str = Field(min_length=8)
    answer_points: list[str] = Field(default_factory=list, max_length=5)


SYNTH_SYSTEM = (
    "You write evaluation questions for a search engine over a code base and its docs. Given one passage, "
    "write one question a developer might ask that this passage answers, without naming the function, class "
    "or section it is about and without copying its answer. Then list 1-3 short answer points: facts the "
    'passage establishes that a good answer states. Reply with JSON {"question": "...", "answer_points": [...]}.'
)


def llm_candidates(db, llm: LLM, n: int, seed: int, rejected: Counter) -> list[Candidate]:
    """One LLM-written question per sampled chunk (about 2n chunks are sampled, to survive cleaning)."""
    rows = db.execute("SELECT path, start_line, end_line, symbol, header, text FROM chunks "
                      "WHERE length(text) > 80 ORDER BY path, start_line").fetchall()
    random.Random(seed).shuffle(rows)
    out = []
    for path, start, end, symbol, header, text in rows[: max(2 * n, n + 5)]:
        messages = [{"role": "system", "content": SYNTH_SYSTEM},
                    {"role": "user", "content": f"Passage ({header}, lines {start}-{end}):\n{text[:6000]}"}]
        try:
            item, _ = structured(llm, messages, SynthItem, max_tokens=300, prompt_version=SYNTH_PROMPT_VERSION,
                                 purpose="synth")
        except LLMError:
            rejected["llm failed"] += 1
            continue
        name = symbol.split(" > ")[-1] if symbol else None
        out.append(Candidate(" ".join(item.question.split()), path, start, end, symbol, "llm",
                             answer_words(name), [p for p in item.answer_points if p.strip()]))
    return out


# -- cleaning and splitting ----------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(w.lower() for w in _WORDS.findall(text))


def clean(candidates: list[Candidate], root: Path, rejected: Counter) -> list[Candidate]:
    """Keep candidates whose gold span exists, whose question does not quote its answer, once each."""
    cache: dict = {}
    seen_q: set[str] = set()
    seen_span: set[tuple] = set()
    kept = []
    for c in candidates:
        lines = _file_lines(root, c.path, cache)
        if lines is None or not (1 <= c.start_line <= c.end_line <= len(lines)):
            rejected["gold span missing"] += 1
            continue
        span = "\n".join(lines[c.start_line - 1:c.end_line])
        if c.name and c.name not in span:
            rejected["symbol not in gold span"] += 1
            continue
        if quotes_answer(c.question, c.answer_words) or any(
            _normal(p) and f" {_normal(p)} " in f" {_normal(c.question)} " for p in c.answer_points
        ):
            rejected["question quotes its answer"] += 1
            continue
        if _content_count(c.question.replace(BLANK, " ")) < MIN_CONTENT_WORDS + 1:
            rejected["too little left after blanking"] += 1
            continue
        key, where = _normal(c.question), (c.path, c.start_line, c.end_line)
        if key in seen_q or where in seen_span:
            rejected["duplicate"] += 1
            continue
        seen_q.add(key)
        seen_span.add(where)
        kept.append(c)
    return kept


def split(questions: list[Question], n: int, seed: int, held_out: float) -> tuple[list[Question], list[Question]]:
    """Shuffle with ``seed`` (from a canonical order), keep ``n``, cut off the held-out share."""
    ordered = sorted(questions, key=lambda q: q.id)
    random.Random(seed).shuffle(ordered)
    chosen = ordered[:n]
    cut = len(chosen) - round(len(chosen) * held_out)
    if 0 < held_out and len(chosen) >= 2 and cut == len(chosen):
        cut -= 1
    return chosen[:cut], chosen[cut:]


def synthesize(index, n: int, *, seed: int = 0, held_out: float = 0.3, llm: LLM | None = None) -> SynthResult:
    """Up to ``n`` cleaned questions from ``index`` (an :class:`walkrag.index.Index`), split dev / held-out."""
    if n < 1:
        raise ValueError("--n must be at least 1")
    if not 0 <= held_out < 1:
        raise ValueError("the held-out share must be in [0, 1)")
    rejected: Counter = Counter()
    root = Path(index.root)
    db = index.store.db
    if llm is not None:
        candidates, generator = llm_candidates(db, llm, n, seed, rejected), f"llm:{llm.model}"
    else:
        candidates, generator = heuristic_candidates(db, root), "heuristic"
    kept = clean(candidates, root, rejected)
    dev, held = split([c.to_question() for c in kept], n, seed, held_out)
    return SynthResult(dev, held, rejected, generator, seed)


def write_synth(result: SynthResult, out_dir: str | Path) -> dict[str, Path]:
    """``dev.jsonl``, ``heldout.jsonl`` and ``manifest.json`` under ``out_dir``."""
    out = Path(out_dir)
    paths = {"dev": write_jsonl(result.dev, out / "dev.jsonl"),
             "held_out": write_jsonl(result.held_out, out / "heldout.jsonl")}
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
    paths["manifest"] = manifest
    return paths
