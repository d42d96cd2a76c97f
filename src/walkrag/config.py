"""One typed settings object, read from ``walkrag.toml``, the environment and flags.

Precedence, lowest first: defaults, ``walkrag.toml`` (or ``.walkrag.toml``) in
the indexed root, ``WALKRAG_*`` environment variables, explicit overrides.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

CONFIG_FILES = ("walkrag.toml", ".walkrag.toml")


class ConfigError(ValueError):
    """The configuration file or an override is invalid."""


class Settings(BaseModel):
    """Everything a run can be tuned by. Field names are the TOML keys."""

    max_file_bytes: int = Field(2 * 1024 * 1024, ge=1, description="skip files larger than this")
    include_secrets: bool = Field(False, description="index .env, keys and credential files")
    exclude: list[str] = Field(default_factory=list, description="extra gitignore-style patterns")
    embedder: str = Field(
        "static-minilm", description="static-minilm | minilm[:MAX_TOKENS] | st:NAME | openai:MODEL"
    )
    file_embedder: str = Field(
        "minilm:64", description="model for one summary view per file (file-level dense retrieval); 'none' turns it off"
    )
    embed_base_url: str | None = None
    embed_api_key: str | None = None
    embed_batch: int = Field(256, ge=1)
    reranker: str = Field("none", description="none | http:MODEL (a /rerank endpoint) | st:CROSS_ENCODER")
    rerank_base_url: str | None = None
    rerank_api_key: str | None = None
    rerank_top: int = Field(30, ge=2, description="how many of the first results the reranker reorders")
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_context_window: int = Field(8192, ge=512, description="tokens the model reads; prompts are budgeted to fit")
    llm_timeout_s: float = Field(60.0, gt=0, description="seconds before an LLM call is given up")
    llm_concurrency: int = Field(4, ge=1, description="LLM calls in flight at once")
    llm_max_retries: int = Field(1, ge=0, description="retries of a malformed structured answer")

    def with_overrides(self, **overrides: Any) -> Settings:
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return Settings(**data)
        except ValidationError as exc:
            raise ConfigError(str(exc)) from exc


_ENV = {
    "max_file_bytes": "WALKRAG_MAX_FILE_BYTES",
    "embedder": "WALKRAG_EMBEDDER",
    "file_embedder": "WALKRAG_FILE_EMBEDDER",
    "embed_base_url": "WALKRAG_EMBED_BASE_URL",
    "embed_api_key": "WALKRAG_EMBED_API_KEY",
    "reranker": "WALKRAG_RERANKER",
    "rerank_base_url": "WALKRAG_RERANK_BASE_URL",
    "rerank_api_key": "WALKRAG_RERANK_API_KEY",
    "llm_base_url": "WALKRAG_LLM_BASE_URL",
    "llm_model": "WALKRAG_LLM_MODEL",
    "llm_api_key": "WALKRAG_LLM_API_KEY",
    "llm_context_window": "WALKRAG_LLM_CONTEXT_WINDOW",
    "llm_timeout_s": "WALKRAG_LLM_TIMEOUT",
    "llm_concurrency": "WALKRAG_LLM_CONCURRENCY",
    "llm_max_retries": "WALKRAG_LLM_MAX_RETRIES",
}
_ENV_FALLBACK = {
    "llm_base_url": "OPENAI_BASE_URL",
    "llm_model": "OPENAI_MODEL",
    "llm_api_key": "OPENAI_API_KEY",
}


def load_settings(root: str | Path | None = None, config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the settings for an indexed root."""
    data: dict[str, Any] = {}
    candidates = [Path(config_file)] if config_file else [Path(root) / n for n in CONFIG_FILES] if root else []
    for path in candidates:
        if path.is_file():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{path}: {exc}") from exc
            data.update(raw.get("walkrag", raw))
            break
        if config_file:
            raise ConfigError(f"config file not found: {path}")
    for key, var in _ENV.items():
        value = os.environ.get(var) or (os.environ.get(_ENV_FALLBACK[key]) if key in _ENV_FALLBACK else None)
        if value:
            data[key] = value
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc}") from exc
    return settings.with_overrides(**overrides)
