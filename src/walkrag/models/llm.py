"""LLM clients behind one small protocol, and the helpers every caller shares.

The production client speaks OpenAI-compatible chat completions through the
official ``openai`` package, so hosted APIs, Ollama, vLLM, LM Studio and
llama.cpp's server all plug in. Anything with the same ``complete`` method (a
scripted model in tests, another provider) works wherever an :class:`LLM` is
expected.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

Message = dict[str, str]
T = TypeVar("T", bound=BaseModel)

DEFAULT_CONTEXT_WINDOW = 8192
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_RETRIES = 1
# Per-message overhead of the chat format (role markers, separators), in tokens.
MESSAGE_OVERHEAD = 4


class LLMError(Exception):
    """Base class: the LLM could not give a usable answer."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached, timed out, or answered with an error status."""


class LLMOutputError(LLMError):
    """The model answered, but not in the shape asked for (after the allowed retries)."""


class ContextOverflow(LLMError):
    """The request would not fit the model's context window; nothing was sent."""


@dataclass(slots=True)
class CallRecord:
    """One request to a model: what it cost and how long it took."""

    model: str
    prompt_version: str | None
    prompt_tokens: int
    completion_tokens: int
    usage_estimated: bool
    latency_ms: float
    streamed: bool
    ok: bool
    error: str | None = None
    purpose: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Completion:
    """The text a model returned, with the record of the call."""

    text: str
    record: CallRecord
    finish_reason: str | None = None


@runtime_checkable
class LLM(Protocol):
    """A chat model. ``complete`` raises :class:`LLMError` subclasses, nothing else."""

    model: str
    context_window: int

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 512,
        json_schema: dict | None = None,
        on_token: Callable[[str], None] | None = None,
        prompt_version: str | None = None,
        purpose: str | None = None,
    ) -> Completion: ...


# --- tokens -------------------------------------------------------------------------------------------


def count_tokens(text: str) -> int:
    """Estimate tokens without a tokenizer: about 3.5 characters per token.

    Code runs denser than prose under BPE tokenizers, so this leans high: the
    budget errs toward leaving room rather than overflowing.
    """
    return math.ceil(len(text) / 3.5) if text else 0


def count_message_tokens(messages: Sequence[Message]) -> int:
    return sum(count_tokens(m.get("content", "")) + MESSAGE_OVERHEAD for m in messages) + 2


def check_fits(messages: Sequence[Message], max_tokens: int, context_window: int) -> int:
    """Return the prompt's estimated size; raise :class:`ContextOverflow` if the reply would not fit."""
    prompt = count_message_tokens(messages)
    if prompt + max_tokens > context_window:
        raise ContextOverflow(
            f"prompt of ~{prompt} tokens plus {max_tokens} for the reply exceeds the context window of {context_window}"
        )
    return prompt


# --- structured output ---------------------------------------------------------------------------------


def schema_for(model: type[BaseModel]) -> dict:
    """A JSON schema for ``model`` in the shape ``response_format`` expects."""
    return {"name": model.__name__, "schema": model.model_json_schema(), "strict": False}


_FENCE = re.compile(r"^```(?:json)?\s*\n(.*?)\n```\s*$", re.S)


def parse_json_output(text: str, model: type[T]) -> T:
    """Validate a model's JSON reply; tolerate a Markdown fence around it. Raises ``ValueError``."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"JSON does not match the schema: {exc.error_count()} error(s): {exc.errors()[0]['msg']}") from exc


def structured(
    llm: LLM,
    messages: Sequence[Message],
    model: type[T],
    *,
    max_tokens: int = 512,
    retries: int = 1,
    on_token: Callable[[str], None] | None = None,
    prompt_version: str | None = None,
    purpose: str | None = None,
) -> tuple[T, list[Completion]]:
    """Ask for JSON matching ``model``; on invalid output, say what was wrong and ask again.

    At most ``retries`` extra requests are made. Returns the parsed object and
    every completion made (for usage accounting). Raises :class:`LLMOutputError`
    when no attempt validates. Any error raised carries ``records``: the
    :class:`CallRecord` of every request made, failed ones included.
    """
    schema = schema_for(model)
    convo = list(messages)
    done: list[Completion] = []
    last_error = ""
    for _attempt in range(retries + 1):
        try:
            completion = llm.complete(
                convo, max_tokens=max_tokens, json_schema=schema, on_token=on_token,
                prompt_version=prompt_version, purpose=purpose,
            )
        except LLMError as exc:
            exc.records = [c.record for c in done] + list(getattr(exc, "records", []))  # type: ignore[attr-defined]
            raise
        done.append(completion)
        try:
            return parse_json_output(completion.text, model), done
        except ValueError as exc:
            last_error = str(exc)
        convo = [
            *messages,
            {"role": "assistant", "content": completion.text[:2000]},
            {"role": "user", "content": f"That reply was rejected ({last_error}). Reply again with only a JSON "
                                        f"object that matches this schema:\n{json.dumps(schema['schema'])}"},
        ]
    error = LLMOutputError(f"malformed output from {llm.model} after {retries + 1} attempt(s): {last_error}")
    error.records = [c.record for c in done]  # type: ignore[attr-defined]
    raise error


# --- the OpenAI-compatible client -----------------------------------------------------------------------


@dataclass(slots=True)
class LLMConfig:
    base_url: str | None
    model: str
    api_key: str | None = None
    context_window: int = DEFAULT_CONTEXT_WINDOW
    timeout_s: float = DEFAULT_TIMEOUT_S
    concurrency: int = DEFAULT_CONCURRENCY
    max_retries: int = DEFAULT_MAX_RETRIES
    extra: dict = field(default_factory=dict)


class OpenAIChat:
    """Chat completions over any OpenAI-compatible endpoint.

    Thread-safe: a semaphore caps the requests in flight. Every call, failed or
    not, is appended to ``calls``.
    """

    def __init__(self, config: LLMConfig):
        import openai

        self._openai = openai
        self.config = config
        self.model = config.model
        self.context_window = config.context_window
        self.calls: list[CallRecord] = []
        self._slots = threading.BoundedSemaphore(max(1, config.concurrency))
        self._lock = threading.Lock()
        # Local servers ignore the key, but the client insists on having one.
        self._client = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key or "not-needed",
            timeout=config.timeout_s, max_retries=config.max_retries,
        )

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 512,
        json_schema: dict | None = None,
        on_token: Callable[[str], None] | None = None,
        prompt_version: str | None = None,
        purpose: str | None = None,
    ) -> Completion:
        prompt_estimate = check_fits(messages, max_tokens, self.context_window)
        kwargs: dict = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens, **self.config.extra}
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": json_schema}
        started = time.perf_counter()
        record = CallRecord(
            model=self.model, prompt_version=prompt_version, prompt_tokens=prompt_estimate, completion_tokens=0,
            usage_estimated=True, latency_ms=0.0, streamed=on_token is not None, ok=False, purpose=purpose,
        )
        try:
            with self._slots:
                try:
                    text, finish, usage = self._request(kwargs, on_token)
                except self._openai.BadRequestError:
                    if "response_format" not in kwargs:
                        raise
                    # Some servers reject json_schema; the prompt states the schema, and the output is validated.
                    kwargs.pop("response_format")
                    text, finish, usage = self._request(kwargs, on_token)
        except self._openai.APITimeoutError as exc:
            raise self._fail(record, started, f"timed out after {self.config.timeout_s:g}s") from exc
        except self._openai.APIConnectionError as exc:
            raise self._fail(record, started, f"cannot reach {self.config.base_url or 'the OpenAI API'}") from exc
        except self._openai.APIStatusError as exc:
            raise self._fail(record, started, f"endpoint answered HTTP {exc.status_code}") from exc
        except (self._openai.OpenAIError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # A server that answers 200 with something that is not a completion.
            raise self._fail(record, started, f"unreadable response: {type(exc).__name__}: {exc}",
                             LLMOutputError) from exc
        record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        record.ok = True
        if usage is not None:
            record.prompt_tokens = usage.prompt_tokens
            record.completion_tokens = usage.completion_tokens
            record.usage_estimated = False
        else:
            record.completion_tokens = count_tokens(text)
        self._log(record)
        return Completion(text=text, record=record, finish_reason=finish)

    def _request(self, kwargs: dict, on_token: Callable[[str], None] | None):
        if on_token is None:
            response = self._client.chat.completions.create(**kwargs)
            if not response.choices:
                raise ValueError("no choices in the response")
            choice = response.choices[0]
            return choice.message.content or "", choice.finish_reason, response.usage
        stream = self._client.chat.completions.create(**kwargs, stream=True, stream_options={"include_usage": True})
        parts: list[str] = []
        finish = usage = None
        for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                piece = choice.delta.content if choice.delta else None
                if piece:
                    parts.append(piece)
                    on_token(piece)
                finish = choice.finish_reason or finish
        return "".join(parts), finish, usage

    def _fail(self, record: CallRecord, started: float, message: str, kind: type[LLMError] = LLMUnavailable):
        record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        record.error = message
        self._log(record)
        error = kind(f"LLM {self.model}: {message}")
        error.records = [record]  # type: ignore[attr-defined]
        return error

    def _log(self, record: CallRecord) -> None:
        with self._lock:
            self.calls.append(record)


def llm_from_settings(settings) -> OpenAIChat | None:
    """The configured client (:class:`walkrag.config.Settings` ``llm_*`` fields), or ``None`` without a model."""
    if not settings.llm_model:
        return None
    return OpenAIChat(LLMConfig(
        base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
        context_window=settings.llm_context_window, timeout_s=settings.llm_timeout_s,
        concurrency=settings.llm_concurrency, max_retries=settings.llm_max_retries,
    ))
