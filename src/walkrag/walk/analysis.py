"""Question analysis: how complex is the question, what does it name, and should it be walked?

Six levels, from a fact in one place to research across the corpus. With a model
configured the model classifies (prompt ``walk-analyze``); otherwise, or when the
model fails, a heuristic reads the question's shape.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from pydantic import BaseModel, Field

from walkrag import prompts
from walkrag.models.llm import LLM, LLMError, structured
from walkrag.retrieval.query import analyze
from walkrag.retrieval.tokenize import query_tokens

LEVELS = (
    "single_fact",
    "multi_fact",
    "discontiguous_multi_fact",
    "simple_analysis",
    "complex_analysis",
    "research",
)
ANALYZE_PROMPT = "walk-analyze"

_RESEARCH = re.compile(
    r"\b(all (?:the )?(?:ways|places|mechanisms|kinds)|every (?:place|way|mechanism)|survey|overview of|"
    r"across the (?:code|codebase|project|framework)|trade-?offs?|design (?:of|behind|decisions?)|"
    r"architecture|history of|evolution of|compare (?:all|the different))\b", re.I)
_COMPLEX = re.compile(
    r"\b(end[- ]to[- ]end|step by step|walk (?:me )?through|trace|from .{3,60} (?:to|until|through) |"
    r"interact|interplay|relationship between|in what order|lifecycle|flow of|sequence of)\b", re.I)
_ANALYSIS = re.compile(
    r"^\s*(why|explain)\b|\bhow (?:does|do|is|are|can|would)\b.{0,80}\b(work|works|handled?|implemented|decide|"
    r"determine|choose|resolve|differ)\b|\b(difference between|differ from|compared? (?:to|with)|versus|vs\.?|"
    r"rather than|instead of|why)\b", re.I)
_MULTI = re.compile(
    r"\b(which|what) (?:are|were) (?:the|all)\b|\b(list|enumerate|name all|what (?:options|settings|arguments|"
    r"parameters|methods|fields|attributes|steps|values|exceptions|hooks|signals))\b|\b(and|as well as|both|"
    r"also|plus)\b", re.I)
_WHERE_AND = re.compile(r"\b(where|which (?:file|module|function|class|setting|document))\b.*\band\b", re.I)
_SPLIT = re.compile(r"\s*(?:;|\?\s+|,?\s+and\s+(?:then\s+)?(?=(?:how|what|where|which|why|when|who|does|is|are|"
                    r"can|do)\b)|,?\s+as well as\s+|,?\s+and also\s+)\s*", re.I)
_DOC_ENTITY = re.compile(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b")  # SETTING_NAMES


@dataclass(slots=True)
class QuestionAnalysis:
    """What the question is: its level, the names it uses, its parts, and how to answer it."""

    question: str
    level: str
    identifiers: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    source: str = "heuristic"  # heuristic | llm
    reason: str = ""

    @property
    def needs_walk(self) -> bool:
        return self.level != "single_fact"

    def as_dict(self) -> dict:
        return {**asdict(self), "needs_walk": self.needs_walk}


def normalize_level(level: str | None) -> str | None:
    """``"Single fact"``, ``"single-fact"`` and ``"single_fact"`` are one level; unknown names give ``None``."""
    if not level:
        return None
    key = re.sub(r"[\s-]+", "_", str(level).strip().lower())
    return key if key in LEVELS else None


def split_parts(question: str) -> list[str]:
    """The sub-questions of a compound question; a simple question is its own single part."""
    pieces = [p.strip(" ,.?") for p in _SPLIT.split(question.strip()) if p and p.strip(" ,.?")]
    parts = [p for p in pieces if len(query_tokens(p)) >= 2]
    return parts if len(parts) > 1 else [question.strip()]


def entities_of(question: str) -> tuple[list[str], list[str]]:
    """``(identifiers, entities)``: code names it uses, and other names (quoted terms, SETTING_NAMES)."""
    q = analyze(question)
    idents = list(dict.fromkeys(i.rstrip("()") for i in q.identifiers))
    entities = [m.group(1) for m in _DOC_ENTITY.finditer(question)]
    entities += [m.group(1) or m.group(2) for m in re.finditer(r"`([^`]+)`|\"([^\"]{2,60})\"", question)]
    entities += re.findall(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b", question)  # CamelCase
    entities = [e for e in dict.fromkeys(e.strip() for e in entities if e and e.strip())]
    return idents, entities


def heuristic_analysis(question: str) -> QuestionAnalysis:
    """Classify by the question's shape: its verbs, conjunctions, parts and how many things it names."""
    idents, entities = entities_of(question)
    parts = split_parts(question)
    names = list(dict.fromkeys([*idents, *entities]))
    words = len(question.split())
    if _RESEARCH.search(question):
        level, reason = "research", "asks for a survey across the corpus"
    elif _COMPLEX.search(question) or (_ANALYSIS.search(question) and (len(parts) > 1 or len(names) >= 3)):
        level, reason = "complex_analysis", "asks how several things work together"
    elif _ANALYSIS.search(question):
        level, reason = "simple_analysis", "asks how or why something works"
    elif len(parts) > 1 or _WHERE_AND.search(question) or len(names) >= 2:
        level, reason = "discontiguous_multi_fact", "asks about several things likely defined in different places"
    elif _MULTI.search(question) and words > 6:
        level, reason = "multi_fact", "asks for several facts about one thing"
    else:
        level, reason = "single_fact", "one question about one thing"
    return QuestionAnalysis(question, level, idents, entities, parts, "heuristic", reason)


class _AnalysisOutput(BaseModel):
    level: str = Field(description="one of: " + ", ".join(LEVELS))
    identifiers: list[str] = Field(default_factory=list)
    entities: list[str] = Field(default_factory=list)
    parts: list[str] = Field(default_factory=list)
    reason: str = ""


def llm_analysis(llm: LLM, question: str) -> tuple[QuestionAnalysis, list]:
    """Ask the model; fall back to the heuristic when it fails or answers with an unknown level.

    Returns the analysis and the call records (for usage accounting).
    """
    base = heuristic_analysis(question)
    template = prompts.load(ANALYZE_PROMPT)
    messages = [
        {"role": "system", "content": template.render("system", levels=", ".join(LEVELS))},
        {"role": "user", "content": template.render("user", question=question)},
    ]
    try:
        out, completions = structured(llm, messages, _AnalysisOutput, max_tokens=400, retries=1,
                                      prompt_version=template.id, purpose="walk-analyze")
    except LLMError as exc:
        base.reason += f" (model analysis failed: {exc})"
        return base, list(getattr(exc, "records", []))
    records = [c.record for c in completions]
    level = normalize_level(out.level)
    if level is None:
        base.reason += f" (model gave an unknown level {out.level!r})"
        return base, records
    idents = list(dict.fromkeys([*base.identifiers, *(i.strip("` ") for i in out.identifiers if i.strip("` "))]))
    entities = list(dict.fromkeys([*base.entities, *(e.strip() for e in out.entities if e.strip())]))
    parts = [p.strip() for p in out.parts if len(query_tokens(p)) >= 1] or base.parts
    return QuestionAnalysis(question, level, idents, entities, parts, "llm", out.reason), records


def analyze_question(question: str, llm: LLM | None = None) -> tuple[QuestionAnalysis, list]:
    """The model's analysis when ``llm`` is given, else the heuristic's; plus any call records."""
    if llm is None:
        return heuristic_analysis(question), []
    return llm_analysis(llm, question)


def should_walk(analysis: QuestionAnalysis, walk: bool | None) -> bool:
    """``walk`` (from ``--walk/--no-walk``) overrides; otherwise everything but a single fact is walked."""
    return analysis.needs_walk if walk is None else walk
