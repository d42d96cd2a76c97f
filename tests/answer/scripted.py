"""A scripted model implementing the LLM protocol, for unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from walkrag.models.llm import (
    CallRecord,
    Completion,
    LLMError,
    check_fits,
    count_message_tokens,
    count_tokens,
)

Script = Callable[[list[dict], int], str] | Sequence[str | LLMError]


class ScriptedLLM:
    """Returns scripted replies in order (or from a function of the messages); raises scripted errors.

    Every request is checked against the context window, as a real client would.
    """

    def __init__(self, script: Script, *, context_window: int = 8192, model: str = "scripted"):
        self.script = script
        self.model = model
        self.context_window = context_window
        self.requests: list[dict] = []

    def complete(self, messages, *, max_tokens=512, json_schema=None, on_token=None, prompt_version=None,
                 purpose=None) -> Completion:
        check_fits(messages, max_tokens, self.context_window)
        index = len(self.requests)
        self.requests.append({"messages": list(messages), "max_tokens": max_tokens, "json_schema": json_schema,
                              "prompt_version": prompt_version, "purpose": purpose})
        if callable(self.script):
            reply = self.script(list(messages), index)
        else:
            reply = self.script[min(index, len(self.script) - 1)]
        if isinstance(reply, LLMError):
            raise reply
        if on_token:
            for i in range(0, len(reply), 5):
                on_token(reply[i:i + 5])
        record = CallRecord(self.model, prompt_version, count_message_tokens(messages), count_tokens(reply), True,
                            1.0, on_token is not None, True, purpose=purpose)
        return Completion(reply, record, "stop")
