"""Cited generation and the ask pipeline, driven by a scripted model that implements the LLM protocol."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from scripted import ScriptedLLM

from walkrag import prompts
from walkrag.answer import answer_question
from walkrag.answer.context import Evidence
from walkrag.answer.extractive import best_window, extractive_answer
from walkrag.answer.generate import AnswerOutput, evidence_budget, generate
from walkrag.models.llm import LLMError, LLMOutputError, LLMUnavailable, count_message_tokens

CODE = [
    "def tax_for(amount: Decimal, region: str) -> Decimal:",
    '    """Sales tax owed on ``amount`` in ``region`` (a US state code)."""',
    "    if region not in TAX_RATES:",
    '        raise ValueError(f"no tax rate for region {region!r}")',
    "    return (amount * TAX_RATES[region]).quantize(Decimal(\"0.01\"))",
]
DOC = ["## Coupons", "", "Coupon codes are case-insensitive. `WELCOME10` takes 10% off."]


@dataclass
class Hit:
    path: str
    start_line: int
    end_line: int
    text: str
    header: str = ""
    score: float = 1.0


HITS = [Hit("shop/pricing.py", 17, 21, "\n".join(CODE), "shop/pricing.py > tax_for"),
        Hit("docs/pricing.md", 5, 7, "\n".join(DOC), "docs/pricing.md > Coupons", 0.5)]
EVIDENCE = [Evidence(1, *[getattr(HITS[0], f) for f in ("path", "start_line", "end_line", "text", "header")]),
            Evidence(2, *[getattr(HITS[1], f) for f in ("path", "start_line", "end_line", "text", "header")])]


def search(question, k):
    return HITS[:k]


def reply(answer: str, sufficient: bool = True) -> str:
    return json.dumps({"answer": answer, "sufficient": sufficient})


GOOD = "An unknown region raises `ValueError` [1]. Coupon codes are case-insensitive [2]."


def test_a_good_answer_passes_checks_in_one_call_and_records_the_prompt_version():
    llm = ScriptedLLM([reply(GOOD)])
    gen = generate(llm, "what happens for an unknown region?", EVIDENCE)
    assert gen.answer == GOOD and not gen.corrected and all(c.ok for c in gen.checks)
    assert len(llm.requests) == 1
    req = llm.requests[0]
    assert req["prompt_version"] == prompts.load("answer").id == "answer.v1"
    assert req["json_schema"]["schema"] == AnswerOutput.model_json_schema()
    user = req["messages"][1]["content"]
    assert '<evidence n="1" source="shop/pricing.py:17-21"' in user and "what happens for an unknown region?" in user


def test_a_citation_never_shown_gets_one_corrective_retry_that_can_fix_it():
    llm = ScriptedLLM([reply("Unknown regions raise `ValueError` [3]."), reply(GOOD)])
    gen = generate(llm, "q", EVIDENCE)
    assert gen.corrected and gen.answer == GOOD and all(c.ok for c in gen.checks)
    correction = llm.requests[1]["messages"][-1]["content"]
    assert "citations_shown" in correction and "[3]" in correction and "[1], [2]" in correction
    assert llm.requests[1]["purpose"] == "answer-correction" and len(gen.records) == 2


def test_checks_still_failing_after_the_retry_are_reported():
    bad = reply("Tax uses `compute_tax()` [1]. Refunds are never taxed in any state.")
    llm = ScriptedLLM([bad, bad, bad])
    gen = generate(llm, "q", EVIDENCE)
    assert len(llm.requests) == 2
    assert {c.name for c in gen.checks if not c.ok} == {"quotes_verbatim", "claims_cited"}


def test_malformed_output_raises_after_bounded_json_retries():
    llm = ScriptedLLM(['{"answer": ', "still not json"])
    with pytest.raises(LLMOutputError) as err:
        generate(llm, "q", EVIDENCE, json_retries=1)
    assert len(llm.requests) == 2 and len(err.value.records) == 2


def test_pipeline_answers_with_resolved_citations_usage_and_timings():
    llm = ScriptedLLM([reply(GOOD)])
    result = answer_question("what happens for an unknown region?", search, llm=llm)
    d = result.as_dict()
    assert d["llm_used"] and d["answer"] == GOOD and d["checks_ok"] and d["note"] is None
    assert [(c["n"], c["path"], c["start_line"], c["end_line"]) for c in d["citations"]] == [
        (1, "shop/pricing.py", 17, 21), (2, "docs/pricing.md", 5, 7)]
    assert d["citations"][0]["snippet"] == "\n".join(CODE)
    assert d["usage"]["calls"][0]["prompt_version"] == "answer.v1" and d["usage"]["prompt_tokens"] > 0
    assert {"retrieve_ms", "assemble_ms", "generate_ms", "total_ms"} <= set(d["timings"])
    assert json.loads(json.dumps(d)) == d


@pytest.mark.parametrize("error", [LLMUnavailable("LLM m: timed out after 1s"), LLMOutputError("malformed output")])
def test_pipeline_degrades_to_an_extractive_answer_on_llm_failure(error):
    result = answer_question("unknown region tax", search, llm=ScriptedLLM([error]))
    assert not result.llm_used and result.citations
    assert result.note.startswith("No LLM was used (LLM failed: ") and str(error) in result.note
    assert result.llm_error == str(error) and "\n" not in result.note


def test_extractive_answer_cites_the_most_relevant_lines_and_passes_the_checks():
    result = answer_question("which region has no tax rate?", search, no_llm_reason="--no-llm")
    assert not result.llm_used and result.note.startswith("No LLM was used (--no-llm)")
    first = result.citations[0]
    assert (first.path, first.n) == ("shop/pricing.py", 1)
    assert 17 <= first.start_line <= first.end_line <= 21 and first.end_line - first.start_line < 4
    assert "if region not in TAX_RATES:" in first.snippet
    assert first.snippet in "\n".join(CODE) and "[1] shop/pricing.py:" in result.answer
    assert result.ok, [c.detail for c in result.checks if not c.ok]


def test_best_window_prefers_lines_with_question_words():
    lines = ["a", "b", "", "the coupon code", "is case insensitive", "c", "d"]
    assert best_window(lines, {"coupon", "insensitive"}, 2) == (3, 4)
    assert best_window(lines, {"coupon", "insensitive"}, 3) == (3, 5)
    assert best_window(["", "x", ""], {"y"}, 3) == (1, 1)
    text, items = extractive_answer("anything", [])
    assert items == [] and "No indexed text" in text


def test_the_prompt_never_overflows_a_small_context_window():
    many = [Hit(f"f{i}.py", 1, 40, "\n".join(f"x = {j}  # filler line {j}" for j in range(40))) for i in range(10)]
    llm = ScriptedLLM([reply("Nothing relevant is shown about it [1].")], context_window=3000)
    result = answer_question("q", lambda q, k: many, llm=llm, max_tokens=300)
    assert result.llm_used and 0 < len(result.evidence) < 10
    assert count_message_tokens(llm.requests[0]["messages"]) + 300 <= 3000
    assert evidence_budget(3000, "q", 300) > 0


def test_a_window_too_small_for_any_evidence_degrades_with_a_reason():
    result = answer_question("q", search, llm=ScriptedLLM([reply(GOOD)], context_window=900), max_tokens=400)
    assert not result.llm_used and "leaves no room for evidence" in result.note


def test_a_failed_correction_keeps_the_first_answer_and_says_so():
    llm = ScriptedLLM([reply("It raises `ValueError` [9]."), LLMUnavailable("LLM m: endpoint answered HTTP 500")])
    result = answer_question("q", search, llm=llm)
    assert result.llm_used and result.answer == "It raises `ValueError` [9]."
    assert {"citations_shown", "correction"} <= set(result.as_dict()["failed_checks"])
    assert result.citations == []


def test_prompt_templates_are_versioned_files():
    t = prompts.load("answer")
    assert (t.name, t.version) == ("answer", 1) and {"system", "user", "correction"} <= set(t.sections)
    with pytest.raises(prompts.PromptError):
        t.render("user", question="only one value")
    with pytest.raises(prompts.PromptError):
        prompts.load("answer", 99)
    with pytest.raises(prompts.PromptError):
        prompts.parse("no header\n## user\nhi")


def test_scripted_errors_are_llm_errors():
    assert issubclass(LLMUnavailable, LLMError) and issubclass(LLMOutputError, LLMError)
