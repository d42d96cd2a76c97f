"""Cited generation: ask the model for an answer whose claims cite numbered evidence, check it,
and give it one chance to correct what the checks found."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from walkrag import prompts
from walkrag.answer.checks import Check, failed, run_checks
from walkrag.answer.context import Evidence, render_evidence
from walkrag.models.llm import LLM, CallRecord, LLMError, count_message_tokens, structured

PROMPT = "answer"
# Room kept for the corrective turn: the correction message and the model's own JSON wrapper.
CORRECTION_RESERVE = 400


class AnswerOutput(BaseModel):
    """The JSON the model must return."""

    answer: str = Field(min_length=1, description="the answer, each factual sentence ending with [n] citations")
    sufficient: bool = Field(True, description="false when the evidence does not answer the question")


@dataclass(slots=True)
class Generation:
    answer: str
    sufficient: bool
    checks: list[Check]
    records: list[CallRecord] = field(default_factory=list)
    corrected: bool = False
    prompt_version: str = ""


def prompt_overhead(question: str, max_tokens: int) -> int:
    """Tokens a request needs besides the evidence: instructions, question, the reply, a correction turn."""
    template = prompts.load(PROMPT)
    messages = [
        {"role": "system", "content": template.render("system")},
        {"role": "user", "content": template.render("user", question=question, evidence="")},
    ]
    # The corrective turn resends the prompt with the first reply appended, so the reply counts twice.
    return count_message_tokens(messages) + 2 * max_tokens + CORRECTION_RESERVE


def evidence_budget(context_window: int, question: str, max_tokens: int) -> int:
    return context_window - prompt_overhead(question, max_tokens)


def _correction(template: prompts.PromptTemplate, problems: Sequence[Check], evidence: Sequence[Evidence]) -> str:
    listed = "\n".join(f"- {c.name}: {c.detail}" for c in problems)
    numbers = ", ".join(f"[{e.n}]" for e in evidence)
    return template.render("correction", problems=listed, numbers=numbers)


def generate(
    llm: LLM,
    question: str,
    evidence: Sequence[Evidence],
    *,
    max_tokens: int = 700,
    json_retries: int = 1,
    on_token: Callable[[str], None] | None = None,
) -> Generation:
    """Generate a cited answer, run the Level-1 checks, correct once if any fail.

    Raises :class:`~walkrag.models.llm.LLMError` when the model is unreachable or
    its first answer never validates; a correction that fails (malformed, or the
    endpoint gone) keeps the first answer and its failed checks.
    """
    template = prompts.load(PROMPT)
    messages = [
        {"role": "system", "content": template.render("system")},
        {"role": "user", "content": template.render("user", question=question, evidence=render_evidence(evidence))},
    ]
    out, completions = structured(
        llm, messages, AnswerOutput, max_tokens=max_tokens, retries=json_retries, on_token=on_token,
        prompt_version=template.id, purpose="answer",
    )
    checks = run_checks(out.answer, evidence, raw_json=completions[-1].text, schema=AnswerOutput)
    result = Generation(out.answer, out.sufficient, checks, [c.record for c in completions], prompt_version=template.id)
    problems = failed(checks)
    if not problems:
        return result
    retry = [
        *messages,
        {"role": "assistant", "content": completions[-1].text[: max_tokens * 4]},
        {"role": "user", "content": _correction(template, problems, evidence)},
    ]
    try:
        fixed, more = structured(
            llm, retry, AnswerOutput, max_tokens=max_tokens, retries=0, on_token=on_token,
            prompt_version=template.id, purpose="answer-correction",
        )
    except LLMError as exc:
        # The first answer stands, with its failed checks; the failed retry is reported beside them.
        result.records += getattr(exc, "records", [])
        result.checks.append(Check("correction", False, f"the corrective retry failed: {exc}"))
        return result
    result.records += [c.record for c in more]
    new_checks = run_checks(fixed.answer, evidence, raw_json=more[-1].text, schema=AnswerOutput)
    # Keep the corrected answer unless it made things worse.
    if len(failed(new_checks)) <= len(problems):
        result.answer, result.sufficient, result.checks = fixed.answer, fixed.sufficient, new_checks
        result.corrected = True
    return result
