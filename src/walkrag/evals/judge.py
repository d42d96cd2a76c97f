"""Answer metrics: answer-point coverage and faithfulness, judged by an LLM or by string matching.

With an LLM, every answer point and every cited claim gets its own binary
verdict through :func:`walkrag.models.llm.structured`. Without one (or when the
judge fails) a string-match fallback decides, and each verdict says which judge
gave it. Citation validity is the Level-1 checks of :mod:`walkrag.answer.checks`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel

from walkrag.answer.checks import check_spans_exist, citation_numbers, failed, is_claim, sentences
from walkrag.models.llm import LLM, LLMError, structured
from walkrag.retrieval.tokenize import split_identifier

JUDGE_PROMPT_VERSION = "judge.v1"
_WORD = re.compile(r"[A-Za-z0-9_]+")
_STOP = frozenset(
    "a an the of to in on for and or is are was be by with it its this that as at from not no does do can "
    "when what which how why if then than into their there".split()
)
# Share of a point's (or claim's) content words that must appear for the string judge to accept it.
MATCH_SHARE = 0.8
SUPPORT_SHARE = 0.6


class Verdict(BaseModel):
    """The judge's reply: a binary verdict and one short reason."""

    verdict: bool
    reason: str = ""


@dataclass(slots=True)
class Judged:
    """One judged item (an answer point or a claim)."""

    text: str
    ok: bool
    judge: str
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class AnswerJudgement:
    points: list[Judged] = field(default_factory=list)
    claims: list[Judged] = field(default_factory=list)
    citations_ok: bool = True
    failed_checks: list[str] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        return sum(p.ok for p in self.points) / len(self.points) if self.points else None

    @property
    def faithfulness(self) -> float | None:
        return sum(c.ok for c in self.claims) / len(self.claims) if self.claims else None

    def as_dict(self) -> dict:
        return {
            "coverage": self.coverage, "faithfulness": self.faithfulness, "citations_ok": self.citations_ok,
            "failed_checks": self.failed_checks, "points": [p.as_dict() for p in self.points],
            "claims": [c.as_dict() for c in self.claims],
        }


def _stem(word: str) -> str:
    """A crude suffix stripper: enough for "raises"/"raise" or "charged"/"charges" to meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def content_words(text: str) -> list[str]:
    """Lowercased, stemmed words and identifier parts (``TAX_RATES`` -> tax, rat), stopwords dropped."""
    out = []
    for m in _WORD.findall(text):
        out += [_stem(p) for p in split_identifier(m) if p not in _STOP]
    return out


def _normalize(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def point_covered_by_strings(point: str, answer: str) -> bool:
    """The point appears in the answer, or nearly all its content words do."""
    if _normalize(point) and f" {_normalize(point)} " in f" {_normalize(answer)} ":
        return True
    words = content_words(point)
    have = set(content_words(answer))
    return bool(words) and sum(w in have for w in words) / len(words) >= MATCH_SHARE


def claim_supported_by_strings(claim: str, cited: Sequence[str]) -> bool:
    """Most content words of the claim (citations stripped) appear in the cited text."""
    words = content_words(re.sub(r"\[\d+(?:\s*,\s*\d+)*\]", " ", claim))
    have = set(content_words("\n".join(cited)))
    return not words or sum(w in have for w in words) / len(words) >= SUPPORT_SHARE


class Judge:
    """Binary verdicts per answer point and per claim; ``llm=None`` uses string matching only."""

    def __init__(self, llm: LLM | None = None):
        self.llm = llm
        self.calls: list[dict] = []

    @property
    def name(self) -> str:
        return f"llm:{self.llm.model}" if self.llm is not None else "string-match"

    def _ask(self, system: str, user: str) -> Verdict | None:
        if self.llm is None:
            return None
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        try:
            verdict, completions = structured(self.llm, messages, Verdict, max_tokens=200,
                                              prompt_version=JUDGE_PROMPT_VERSION, purpose="judge")
        except LLMError as exc:
            self.calls += [r.as_dict() for r in getattr(exc, "records", [])]
            return None
        self.calls += [c.record.as_dict() for c in completions]
        return verdict

    def point(self, question: str, answer: str, point: str) -> Judged:
        verdict = self._ask(
            "You grade answers. Decide whether the answer states the given point (same meaning; wording may "
            'differ). Reply with JSON {"verdict": true|false, "reason": "..."}.',
            f"Question: {question}\n\nAnswer:\n{answer}\n\nPoint: {point}",
        )
        if verdict is not None:
            return Judged(point, verdict.verdict, self.name, verdict.reason)
        return Judged(point, point_covered_by_strings(point, answer), "string-match")

    def claim(self, claim: str, cited: Sequence[str]) -> Judged:
        sources = "\n\n".join(f"<source>\n{t}\n</source>" for t in cited)
        verdict = self._ask(
            "You check faithfulness. Decide whether the claim is fully supported by the cited sources alone. "
            'Reply with JSON {"verdict": true|false, "reason": "..."}.',
            f"Claim: {claim}\n\nCited sources:\n{sources}",
        )
        if verdict is not None:
            return Judged(claim, verdict.verdict, self.name, verdict.reason)
        return Judged(claim, claim_supported_by_strings(claim, cited), "string-match")


def cited_claims(answer: str, evidence: Sequence) -> list[tuple[str, list[str]]]:
    """Each factual sentence that cites shown evidence, with the texts it cites."""
    by_n = {e.n: e.text for e in evidence}
    out = []
    for s in sentences(answer):
        cites = [by_n[n] for n in dict.fromkeys(citation_numbers(s)) if n in by_n]
        if cites and is_claim(s):
            out.append((s, cites))
    return out


def judge_answer(judge: Judge, question: str, answer: str, *, points: Sequence[str], evidence: Sequence,
                 citations: Sequence, checks: Sequence, root: str | Path | None) -> AnswerJudgement:
    """Coverage of ``points``, faithfulness of each cited claim, and citation validity (Level-1 checks)."""
    before = len(judge.calls)
    result = AnswerJudgement()
    result.points = [judge.point(question, answer, p) for p in points]
    result.claims = [judge.claim(s, cites) for s, cites in cited_claims(answer, evidence)]
    all_checks = list(checks)
    if root is not None and citations:
        all_checks.append(check_spans_exist(citations, root))
    result.failed_checks = [c.name for c in failed(all_checks)]
    result.citations_ok = not result.failed_checks
    result.calls = judge.calls[before:]
    return result
