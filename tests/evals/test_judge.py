"""The answer judge: binary verdicts per point and per claim, LLM or string-match fallback."""

from __future__ import annotations

import json

from eval_helpers import FakeLLM

from walkrag.answer.checks import Check
from walkrag.answer.context import Evidence
from walkrag.evals.judge import (
    Judge,
    cited_claims,
    claim_supported_by_strings,
    judge_answer,
    point_covered_by_strings,
)
from walkrag.models.llm import LLMUnavailable

EVIDENCE = [
    Evidence(1, "shop/pricing.py", 17, 21, "def tax_for(amount, region):\n    if region not in TAX_RATES:\n"
             "        raise ValueError(region)\n    return amount * TAX_RATES[region]"),
    Evidence(2, "docs/pricing.md", 11, 15, "Tax is charged on the discounted subtotal. Oregon charges none."),
]
ANSWER = ("For a region missing from the rates, `tax_for` raises a ValueError [1]. Oregon charges no sales tax at all [2]. "
          "The moon is made of green cheese and cheddar [2].")


def test_string_match_fallback():
    assert point_covered_by_strings("raises ValueError", ANSWER)
    assert point_covered_by_strings("Oregon charges no tax", ANSWER)
    assert not point_covered_by_strings("tax is cached per session", ANSWER)
    assert claim_supported_by_strings("tax_for raises ValueError [1]", [EVIDENCE[0].text])
    assert not claim_supported_by_strings("The moon is made of green cheese [2]", [EVIDENCE[1].text])


def test_claims_are_cited_sentences():
    claims = cited_claims(ANSWER, EVIDENCE)
    assert [len(c) for _, c in claims] == [1, 1, 1]
    assert claims[0][1] == [EVIDENCE[0].text]


def test_judge_without_llm_scores_points_and_claims(tmp_path):
    judged = judge_answer(Judge(), "q", ANSWER, points=["raises ValueError", "rates are cached"],
                          evidence=EVIDENCE, citations=[], checks=[Check("quotes_verbatim", True)], root=tmp_path)
    assert [p.ok for p in judged.points] == [True, False] and judged.coverage == 0.5
    assert [c.ok for c in judged.claims] == [True, True, False]
    assert judged.faithfulness == 2 / 3
    assert judged.citations_ok and all(p.judge == "string-match" for p in judged.points)


def test_llm_judge_binary_verdicts_per_item():
    def reply(messages):
        user = messages[-1]["content"]
        if user.startswith("Claim:"):
            return json.dumps({"verdict": "cheese" not in user, "reason": "checked"})
        return json.dumps({"verdict": "ValueError" in user.split("Point:")[1], "reason": "point"})

    llm = FakeLLM(reply)
    judge = Judge(llm)
    judged = judge_answer(judge, "q", ANSWER, points=["raises ValueError", "caches rates"], evidence=EVIDENCE,
                          citations=[], checks=[], root=None)
    assert [p.ok for p in judged.points] == [True, False]
    assert [c.ok for c in judged.claims] == [True, True, False]
    assert all(x.judge == "llm:fake" for x in judged.points + judged.claims)
    assert len(llm.requests) == 5 and len(judged.calls) == 5  # one binary verdict per point and per claim


def test_llm_failure_falls_back_to_strings():
    judge = Judge(FakeLLM(lambda m: LLMUnavailable("down")))
    judged = judge.point("q", ANSWER, "raises ValueError")
    assert judged.ok and judged.judge == "string-match"


def test_failed_checks_and_missing_spans_make_citations_invalid(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    cites = [{"path": "a.py", "start_line": 1, "end_line": 1}, {"path": "gone.py", "start_line": 1, "end_line": 2}]
    judged = judge_answer(Judge(), "q", "x [1]", points=[], evidence=[], citations=cites, checks=[], root=tmp_path)
    assert not judged.citations_ok and judged.failed_checks == ["spans_exist"]
    assert judged.coverage is None and judged.faithfulness is None
