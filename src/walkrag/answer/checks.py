"""Level-1 checks: assertions run on every answer, reusable by evals and tests.

Each check takes the answer text and the evidence that was shown (anything with
``n``, ``path``, ``start_line``, ``end_line`` and ``text``) and returns a
:class:`Check`. :func:`run_checks` runs them all; :func:`failed` picks the
failures. Nothing here calls a model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_FENCED = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_QUOTED = re.compile(r"\"([^\"\n]{3,})\"|\u201c([^\u201d\n]{3,})\u201d")
# Sentences that claim nothing about the source: admitting a gap, pointing at the citations.
_NON_CLAIM = re.compile(
    r"\b(does not|doesn't|do not|don't|cannot|can't|no (?:evidence|information|mention)|not (?:shown|found|"
    r"mentioned|specified|clear|enough)|unclear|unknown|insufficient)\b|^(in short|in summary|see)\b",
    re.I,
)


@dataclass(slots=True)
class Check:
    """The outcome of one check; ``problems`` names each offending item."""

    name: str
    ok: bool
    detail: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def citation_numbers(text: str) -> list[int]:
    """Every citation number in ``text``, in order of appearance, repeats kept. ``[1, 3]`` counts too.

    Code (fenced or inline) is skipped: ``items[0]`` there is an index, not a citation.
    """
    prose = _INLINE.sub(" ", _FENCED.sub(" ", text))
    return [int(n) for m in CITATION.finditer(prose) for n in re.split(r"\s*,\s*", m.group(1))]


def _normalize(text: str) -> str:
    return " ".join(text.split())


def _strip_code(text: str) -> str:
    """The prose of an answer: fenced blocks removed (they are checked as quotes)."""
    return _FENCED.sub(" ", text)


def sentences(text: str) -> list[str]:
    """Split prose into sentences and list items; headings and blank lines are dropped."""
    out: list[str] = []
    for line in _strip_code(text).split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)
        # A sentence ends at . ! ? followed by space (citations may sit before or after the stop).
        for part in re.split(r"(?<=[.!?])\s+(?=[A-Z`\"(])|(?<=\])\s+(?=[A-Z`\"(])", line):
            if part.strip():
                out.append(part.strip())
    return out


def check_citations_shown(answer: str, evidence: Sequence) -> Check:
    """Every ``[n]`` refers to evidence that was actually shown."""
    shown = {e.n for e in evidence}
    bad = sorted({n for n in citation_numbers(answer) if n not in shown})
    return Check(
        "citations_shown", not bad,
        f"cites evidence never shown: {', '.join(f'[{n}]' for n in bad)} (shown: 1-{max(shown, default=0)})"
        if bad else "every citation refers to shown evidence",
        [f"[{n}]" for n in bad],
    )


def _blocks(text: str) -> list[tuple[str, list[int]]]:
    """Pieces of the answer in order, each with the citations that belong to it.

    A fenced block borrows the citations of the nearest prose around it
    (preceding first), since models cite a block in the sentence introducing it.
    """
    pieces: list[tuple[str, str]] = []
    pos = 0
    for m in _FENCED.finditer(text):
        pieces += [("prose", s) for s in sentences(text[pos:m.start()])]
        pieces.append(("code", m.group(1)))
        pos = m.end()
    pieces += [("prose", s) for s in sentences(text[pos:])]
    out: list[tuple[str, list[int]]] = []
    for i, (kind, body) in enumerate(pieces):
        cites = citation_numbers(body) if kind == "prose" else []
        if kind == "code":
            near = [p for p in pieces[i - 1::-1] if p[0] == "prose"][:1] if i else []
            near += [p for p in pieces[i + 1:] if p[0] == "prose"][:1]
            for _, s in near:
                cites = citation_numbers(s)
                if cites:
                    break
        out.append((("```" if kind == "code" else "") + body, cites))
    return out


def quotes_in(piece: str) -> list[str]:
    """The verbatim claims in one piece: a code block, inline code, "quoted text"."""
    if piece.startswith("```"):
        body = piece[3:].strip("\n")
        return [body] if body.strip() else []
    found = [m.group(1) for m in _INLINE.finditer(piece)]
    found += [m.group(1) or m.group(2) for m in _QUOTED.finditer(_INLINE.sub(" ", piece))]
    return [q for q in found if q.strip()]


def check_quotes_verbatim(answer: str, evidence: Sequence) -> Check:
    """Quoted code or text exists verbatim (whitespace aside) in the evidence its sentence cites.

    With no citation in or beside the sentence, any shown evidence may hold it.
    """
    by_n = {e.n: _normalize(e.text) for e in evidence}
    problems: list[str] = []
    for piece, cites in _blocks(answer):
        pool = [by_n[n] for n in cites if n in by_n] or list(by_n.values())
        for quote in quotes_in(piece):
            if not any(_normalize(quote) in text for text in pool):
                where = ", ".join(f"[{n}]" for n in cites) or "any evidence"
                problems.append(f"{_normalize(quote)[:80]!r} not found in {where}")
    return Check("quotes_verbatim", not problems,
                 "; ".join(problems) if problems else "quoted text found in the cited evidence", problems)


def is_claim(sentence: str) -> bool:
    """Whether a sentence states something about the source (and so needs a citation)."""
    words = re.findall(r"\w+", CITATION.sub("", sentence))
    if len(words) < 4 or sentence.rstrip().endswith((":", "?")):
        return False
    return not _NON_CLAIM.search(sentence)


def check_claims_cited(answer: str) -> Check:
    """Factual sentences carry a citation; an answer with claims but no citation at all fails."""
    uncited = [s for s in sentences(answer) if is_claim(s) and not citation_numbers(s)]
    return Check(
        "claims_cited", not uncited,
        f"{len(uncited)} factual sentence(s) without a citation" if uncited else "factual sentences are cited",
        [s[:120] for s in uncited],
    )


def check_json(raw: str | None, model: type[BaseModel] | None = None) -> Check:
    """A model's JSON output parses (and validates against ``model`` when given)."""
    if raw is None:
        return Check("json_valid", True, "no JSON output to check")
    body = raw.strip()
    if body.startswith("```"):  # a fenced reply is accepted by the parser; judge what is inside
        body = re.sub(r"\A```(?:json)?\s*|\s*```\Z", "", body)
    try:
        data = json.loads(body)
        if model is not None:
            model.model_validate(data)
    except (json.JSONDecodeError, ValidationError) as exc:
        return Check("json_valid", False, f"invalid JSON output: {str(exc).splitlines()[0]}", [raw[:200]])
    return Check("json_valid", True, "JSON output validates")


def check_spans_exist(citations: Sequence, root: str | Path) -> Check:
    """Cited ``path:start-end`` spans exist under ``root`` and, when a snippet is given, still match it.

    ``citations`` are dicts or objects with ``path``, ``start_line``, ``end_line`` and optionally ``snippet``.
    """
    problems: list[str] = []
    root = Path(root)
    for c in citations:
        get = c.get if isinstance(c, dict) else lambda k, c=c: getattr(c, k, None)
        path, start, end = get("path"), get("start_line"), get("end_line")
        ref = f"{path}:{start}-{end}"
        try:
            lines = (root / path).read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            problems.append(f"{ref}: file not found")
            continue
        if not (1 <= start <= end <= len(lines)):
            problems.append(f"{ref}: lines out of range (file has {len(lines)})")
        elif get("snippet") and _normalize(get("snippet")) not in _normalize("\n".join(lines[start - 1:end])):
            problems.append(f"{ref}: snippet differs from the file")
    return Check("spans_exist", not problems,
                 "; ".join(problems) if problems else "cited spans exist in the source", problems)


def run_checks(answer: str, evidence: Sequence, *, raw_json: str | None = None,
               schema: type[BaseModel] | None = None) -> list[Check]:
    """All Level-1 checks that need only the answer and the evidence shown."""
    return [
        check_json(raw_json, schema),
        check_citations_shown(answer, evidence),
        check_quotes_verbatim(answer, evidence),
        check_claims_cited(answer),
    ]


def failed(checks: Sequence[Check]) -> list[Check]:
    return [c for c in checks if not c.ok]
