"""Eval datasets: JSON Lines of questions with gold evidence, validated, plus adapters.

One question per line::

    {"id": "q1", "question": "...", "level": "lookup",
     "gold": [{"path": "shop/pricing.py", "symbol": "tax_for", "lines": [17, 21]}],
     "answer_points": ["raises ValueError for an unknown region"]}

``level`` groups questions in the report; ``gold`` lists the evidence (a path,
optionally a symbol and an inclusive 1-based line range); ``answer_points`` are
facts a good answer states, judged in ``ask``/``walk`` mode. Errors name the
file and line: ``data.jsonl:3: gold.0.lines: ...``.

:func:`from_semble` reads the annotation files of the semble code-search
benchmark (``relevant`` + ``secondary`` files, binary relevance).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class DatasetError(ValueError):
    """A dataset file is missing, malformed or invalid; the message names the line."""


class Gold(BaseModel):
    """One piece of gold evidence: a file, optionally a symbol and a line range in it."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    symbol: str | None = None
    lines: tuple[int, int] | None = None

    @field_validator("path")
    @classmethod
    def _relative(cls, v: str) -> str:
        v = v.replace("\\", "/")
        if v.startswith("/"):
            raise ValueError("must be relative to the corpus root, not absolute")
        return v.removeprefix("./")

    @field_validator("lines")
    @classmethod
    def _range(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None:
            start, end = v
            if start < 1:
                raise ValueError(f"lines are 1-based, got start {start}")
            if end < start:
                raise ValueError(f"end line {end} is before start line {start}")
        return v


class Question(BaseModel):
    """One eval question and its gold evidence."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    level: str | None = None
    gold: list[Gold] = Field(min_length=1)
    answer_points: list[str] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, v):
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is blank")
        return v.strip()

    @model_validator(mode="after")
    def _points(self) -> Question:
        if any(not p.strip() for p in self.answer_points):
            raise ValueError("answer_points holds a blank entry")
        return self

    @property
    def gold_files(self) -> list[str]:
        """The distinct gold paths, in order."""
        return list(dict.fromkeys(g.path for g in self.gold))

    def as_dict(self) -> dict:
        return self.model_dump(exclude_none=True, exclude_defaults=False)


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "(line)"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def parse_jsonl(lines: Iterable[str], source: str = "<dataset>") -> list[Question]:
    """Validate JSON Lines; blank lines are skipped. Raises :class:`DatasetError` at the first bad line."""
    out: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{source}:{number}: not valid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(data, dict):
            raise DatasetError(f"{source}:{number}: expected a JSON object, got {type(data).__name__}")
        try:
            q = Question.model_validate(data)
        except ValidationError as exc:
            raise DatasetError(f"{source}:{number}: {_describe(exc)}") from exc
        if q.id in seen:
            raise DatasetError(f"{source}:{number}: duplicate id {q.id!r} (first on line {seen[q.id]})")
        seen[q.id] = number
        out.append(q)
    if not out:
        raise DatasetError(f"{source}: no questions")
    return out


def write_jsonl(questions: Sequence[Question], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(q.as_dict(), ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    return path


# -- semble annotations ---------------------------------------------------------------------------------


def semble_category(query: str) -> str:
    """Semble's inferred category when an entry has none."""
    if " " not in query.strip():
        return "symbol"
    return "architecture" if query.lower().startswith("how ") else "semantic"


def _semble_targets(entry: dict, where: str) -> list[tuple[str, tuple[int, int] | None]]:
    out = []
    for key in ("relevant", "secondary"):
        items = entry.get(key) or []
        if not isinstance(items, list):
            raise DatasetError(f"{where}: {key!r} must be a list")
        for item in items:
            if isinstance(item, str):
                out.append((item, None))
            elif isinstance(item, dict) and isinstance(item.get("path"), str):
                lines = (item["start_line"], item["end_line"]) if "start_line" in item and "end_line" in item else None
                out.append((item["path"], lines))
            else:
                raise DatasetError(f"{where}: {key!r} entries must be paths or {{path, start_line, end_line}}")
    return out


def from_semble(data: list, strip_prefix: str = "", id_prefix: str = "q") -> list[Question]:
    """Questions from a semble annotation list; ``strip_prefix`` (semble's ``benchmark_root``) is removed
    from every path so paths become relative to the indexed corpus root."""
    if not isinstance(data, list):
        raise DatasetError("a semble annotation file is a JSON list of {query, relevant, secondary, category}")
    prefix = strip_prefix.strip("/") + "/" if strip_prefix.strip("/") else ""
    out: list[Question] = []
    for i, entry in enumerate(data):
        where = f"entry {i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("query"), str):
            raise DatasetError(f"{where}: expected an object with a 'query' string")
        gold = []
        for path, lines in _semble_targets(entry, where):
            rel = path.removeprefix(prefix) if prefix else path
            gold.append({"path": rel, "lines": lines} if lines else {"path": rel})
        try:
            out.append(Question.model_validate({
                "id": f"{id_prefix}{i:03d}", "question": entry["query"],
                "level": entry.get("category") or semble_category(entry["query"]), "gold": gold,
            }))
        except ValidationError as exc:
            raise DatasetError(f"{where}: {_describe(exc)}") from exc
    return out


def infer_strip_prefix(paths: Iterable[str], known: set[str]) -> str:
    """The leading folder to strip so that most ``paths`` name files in ``known`` ('' when none helps)."""
    paths = list(paths)
    candidates = {""}
    for p in paths:
        parts = p.split("/")[:-1]
        candidates.update("/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))

    def found(prefix: str) -> int:
        return sum(1 for p in paths if (p.removeprefix(prefix) if prefix else p) in known)

    return max(sorted(candidates, key=len), key=found)


def load_dataset(path: str | Path, fmt: str = "auto", strip_prefix: str | None = None,
                 known_paths: set[str] | None = None) -> list[Question]:
    """Read a dataset: ``jsonl`` (our format) or ``semble`` (annotation JSON); ``auto`` picks by content.

    For semble files without ``strip_prefix``, the prefix is inferred from ``known_paths`` (the indexed files).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    if fmt == "auto":
        fmt = "semble" if text.lstrip().startswith("[") else "jsonl"
    if fmt == "jsonl":
        return parse_jsonl(text.splitlines(), str(path))
    if fmt != "semble":
        raise DatasetError(f"unknown dataset format {fmt!r}: use jsonl, semble or auto")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if strip_prefix is None:
        strip_prefix = ""
        if known_paths:
            targets = [t for e in data if isinstance(e, dict) for t, _ in _semble_targets(e, str(path))]
            strip_prefix = infer_strip_prefix(targets, known_paths)
    try:
        return from_semble(data, strip_prefix, id_prefix=f"{path.stem}-")
    except DatasetError as exc:
        raise DatasetError(f"{path}: {exc}") from exc
