"""Prompt templates kept as versioned Markdown files next to this module.

A template file is named ``NAME.vN.md`` and starts with a front-matter header
giving its ``name`` and ``version``; its body is split into sections by
``## section`` headings (``system``, ``user``, ...). Placeholders use
``$name`` (:class:`string.Template`), so JSON braces need no escaping.
The ``id`` (``answer.v1``) is recorded with every model call made with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_SECTION = re.compile(r"^## (\w+)\s*$", re.M)
_FILE = re.compile(r"^(?P<name>[\w-]+)\.v(?P<version>\d+)\.md$")


class PromptError(LookupError):
    """A prompt template is missing or malformed."""


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    name: str
    version: int
    sections: dict[str, str]
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def render(self, section: str, **values: object) -> str:
        """Fill one section's ``$placeholders``; a missing value is an error, not a silent blank."""
        if section not in self.sections:
            raise PromptError(f"prompt {self.id} has no section {section!r}")
        try:
            return Template(self.sections[section]).substitute({k: str(v) for k, v in values.items()})
        except KeyError as exc:
            raise PromptError(f"prompt {self.id} section {section!r} needs a value for {exc}") from exc


def parse(text: str) -> PromptTemplate:
    front = _FRONT.match(text)
    if not front:
        raise PromptError("prompt file lacks its --- name/version --- header")
    meta = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in front.group(1).splitlines()) if k
    )
    if "name" not in meta or not meta.get("version", "").isdigit():
        raise PromptError(f"prompt header needs name and an integer version, got {meta}")
    body = text[front.end():]
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return PromptTemplate(meta["name"], int(meta["version"]), sections, meta.get("description", ""))


@cache
def load(name: str, version: int | None = None) -> PromptTemplate:
    """The template ``name`` at ``version`` (default: the highest version shipped)."""
    found: dict[int, str] = {}
    for entry in resources.files(__package__).iterdir():
        m = _FILE.match(entry.name)
        if m and m.group("name") == name:
            found[int(m.group("version"))] = entry.read_text(encoding="utf-8")
    if not found:
        raise PromptError(f"no prompt template named {name!r}")
    chosen = max(found) if version is None else version
    if chosen not in found:
        raise PromptError(f"prompt {name!r} has no version {version} (have {sorted(found)})")
    template = parse(found[chosen])
    if (template.name, template.version) != (name, chosen):
        raise PromptError(f"{name}.v{chosen}.md declares {template.id} in its header")
    return template
