"""Eval configurations: TOML files of settings overrides and search options, one per compared setup.

::

    name = "lexical only"          # optional; defaults to the file name
    retrievers = ["lexical"]       # search options: retrievers, rank, candidates
    rank = false
    embedder = "minilm"            # any walkrag setting (top level or under [settings] / [walkrag])

Settings that change what is indexed (embedder, chunk size, exclusions...) get an
index of their own, built once under ``<index dir>/eval-indexes/<digest>``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from walkrag.config import Settings
from walkrag.retrieval.search import ALL_RETRIEVERS, SearchOptions

SEARCH_KEYS = tuple(f.name for f in fields(SearchOptions))
# Settings whose change means the stored chunks or vectors no longer fit.
INDEX_KEYS = (
    "embedder", "embed_base_url", "file_embedder", "max_file_bytes", "include_secrets", "exclude",
)


class EvalConfigError(ValueError):
    """A configuration file is unreadable or names unknown keys or values."""


@dataclass(slots=True)
class EvalConfig:
    """One configuration under test: a name, search options and settings overrides."""

    name: str = "default"
    search: SearchOptions = field(default_factory=SearchOptions)
    settings: dict = field(default_factory=dict)
    source: str | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name, "file": self.source,
            "search": {"retrievers": list(self.search.retrievers), "rank": self.search.rank,
                       "candidates": self.search.candidates},
            "settings": {k: v for k, v in self.settings.items() if "key" not in k},
        }

    def index_digest(self, settings: Settings) -> str:
        data = {k: getattr(settings, k) for k in INDEX_KEYS}
        return hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]


def config_from_dict(data: dict, name: str = "default", source: str | None = None) -> EvalConfig:
    data = dict(data)
    name = str(data.pop("name", name))
    settings = dict(data.pop("settings", {}) or {})
    settings.update(data.pop("walkrag", {}) or {})
    search: dict = {}
    for key in list(data):
        if key in SEARCH_KEYS:
            search[key] = data.pop(key)
        elif key in Settings.model_fields:
            settings[key] = data.pop(key)
    where = source or name
    if data:
        allowed = ", ".join([*SEARCH_KEYS, *Settings.model_fields])
        raise EvalConfigError(f"{where}: unknown key(s) {', '.join(sorted(data))}; allowed: name, {allowed}")
    unknown = [k for k in settings if k not in Settings.model_fields]
    if unknown:
        raise EvalConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    if "retrievers" in search:
        retrievers = search["retrievers"]
        if isinstance(retrievers, str):
            retrievers = [retrievers]
        bad = [r for r in retrievers if r not in ALL_RETRIEVERS]
        if bad or not retrievers:
            raise EvalConfigError(f"{where}: retrievers must be some of {', '.join(ALL_RETRIEVERS)}, got {retrievers}")
        search["retrievers"] = tuple(retrievers)
    if "rank" in search and not isinstance(search["rank"], bool):
        raise EvalConfigError(f"{where}: rank must be true or false")
    if "candidates" in search and (not isinstance(search["candidates"], int) or search["candidates"] < 1):
        raise EvalConfigError(f"{where}: candidates must be a positive integer")
    try:
        Settings().with_overrides(**settings)
    except ValueError as exc:
        raise EvalConfigError(f"{where}: invalid settings: {' '.join(str(exc).split())}") from exc
    return EvalConfig(name=name, search=SearchOptions(**search), settings=settings, source=source)


def load_config(path: str | Path) -> EvalConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise EvalConfigError(f"{path}: {exc}") from exc
    return config_from_dict(data, name=path.stem, source=str(path))


def load_configs(paths: list[str | Path]) -> list[EvalConfig]:
    """Configurations from files; none given means the default configuration. Names are made unique."""
    configs = [load_config(p) for p in paths] or [EvalConfig()]
    seen: dict[str, int] = {}
    for c in configs:
        if c.name in seen:
            seen[c.name] += 1
            c.name = f"{c.name} ({seen[c.name]})"
        else:
            seen[c.name] = 1
    return configs
