"""Helpers for the eval tests: the `corpus` fixture's files on demand, and a scripted model."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from walkrag.models.llm import CallRecord, Completion, LLMError, count_message_tokens, count_tokens

_ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def _corpus_files():
    spec = importlib.util.spec_from_file_location("walkrag_tests_corpus", _ROOT_CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SAMPLE, module.EXTRA_FILES


def build_corpus(root: Path) -> Path:
    """The same files as the `corpus` fixture of tests/conftest.py."""
    sample, extra = _corpus_files()
    shutil.copytree(sample, root)
    for rel, text in extra.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


class FakeLLM:
    """A model whose reply is ``reply(messages)``; a returned :class:`LLMError` is raised instead."""

    def __init__(self, reply, model: str = "fake"):
        self.reply = reply
        self.model = model
        self.context_window = 32000
        self.requests: list[list[dict]] = []

    def complete(self, messages, *, max_tokens=512, json_schema=None, on_token=None, prompt_version=None,
                 purpose=None) -> Completion:
        self.requests.append(list(messages))
        text = self.reply(list(messages))
        if isinstance(text, LLMError):
            raise text
        record = CallRecord(self.model, prompt_version, count_message_tokens(messages), count_tokens(text), True,
                            1.0, False, True, purpose=purpose)
        return Completion(text, record, "stop")
