"""Level-1 checks as a library: each check catches what it names and passes clean answers."""

from __future__ import annotations

from pydantic import BaseModel

from walkrag.answer.checks import (
    check_citations_shown,
    check_claims_cited,
    check_json,
    check_quotes_verbatim,
    check_spans_exist,
    citation_numbers,
    failed,
    run_checks,
    sentences,
)
from walkrag.answer.context import Evidence

EVIDENCE = [
    Evidence(1, "shop/pricing.py", 17, 21,
             'def tax_for(amount: Decimal, region: str) -> Decimal:\n'
             '    """Sales tax owed on ``amount`` in ``region`` (a US state code)."""\n'
             '    if region not in TAX_RATES:\n'
             '        raise ValueError(f"no tax rate for region {region!r}")\n'
             '    return (amount * TAX_RATES[region]).quantize(Decimal("0.01"))'),
    Evidence(2, "docs/pricing.md", 11, 15,
             "## Sales tax\n\nTax is charged on the discounted subtotal, at the rate of the customer's\n"
             "state. Oregon charges none."),
]

GOOD = (
    "Sales tax is computed by `tax_for`, which multiplies the amount by the region's rate [1]. "
    "Tax is charged on the discounted subtotal [2]. An unknown region raises an error:\n\n"
    "```python\nif region not in TAX_RATES:\n    raise ValueError(f\"no tax rate for region {region!r}\")\n```\n"
    "as shown in [1]."
)


def test_citation_numbers_reads_single_and_grouped_citations():
    assert citation_numbers("a [1] b [2][3] c [4, 5] d [1]") == [1, 2, 3, 4, 5, 1]
    assert citation_numbers("`TAX_RATES[1]` and\n```\nx = items[2]\n```\nsee [3]") == [3]


def test_a_clean_answer_passes_every_check():
    checks = run_checks(GOOD, EVIDENCE, raw_json='{"answer": "x"}')
    assert failed(checks) == [], [c.detail for c in failed(checks)]
    assert {c.name for c in checks} == {"json_valid", "citations_shown", "quotes_verbatim", "claims_cited"}


def test_citation_to_evidence_never_shown_fails():
    check = check_citations_shown("Tax comes from the rates table [1][7].", EVIDENCE)
    assert not check.ok and check.problems == ["[7]"] and "never shown" in check.detail


def test_quote_must_exist_in_the_cited_span_not_just_anywhere():
    assert check_quotes_verbatim("Oregon is special: \"Oregon charges none.\" [2]", EVIDENCE).ok
    # The words exist in [2] but the sentence cites [1].
    wrong_span = check_quotes_verbatim("The doc says \"Oregon charges none.\" [1]", EVIDENCE)
    assert not wrong_span.ok and "[1]" in wrong_span.problems[0]
    invented = check_quotes_verbatim("It calls `compute_tax(amount)` [1].", EVIDENCE)
    assert not invented.ok and "compute_tax" in invented.detail


def test_fenced_code_is_checked_against_the_citation_beside_it():
    bad_block = "The check reads [1]:\n\n```\nif region in TAX_RATES:\n    return 0\n```\n"
    assert not check_quotes_verbatim(bad_block, EVIDENCE).ok
    # Whitespace differences are not a misquote.
    spaced = "The check reads [1]:\n\n```\nif region not in TAX_RATES:\n  raise ValueError(f\"no tax rate for region {region!r}\")\n```"
    assert check_quotes_verbatim(spaced, EVIDENCE).ok


def test_uncited_factual_sentences_are_flagged_but_admissions_are_not():
    check = check_claims_cited("Tax is charged on the discounted subtotal [2]. Oregon charges no sales tax at all.")
    assert not check.ok and check.problems == ["Oregon charges no sales tax at all."]
    assert check_claims_cited("The evidence shown does not say how refunds are taxed.").ok
    assert check_claims_cited("## Summary\n\nIn short:").ok
    assert not check_claims_cited("Refunds are taxed at the original rate of the order.").ok


def test_sentences_split_on_stops_and_keep_trailing_citations():
    assert sentences("First claim here. [1] Second claim follows [2].\n- a list item with words") == [
        "First claim here. [1]", "Second claim follows [2].", "a list item with words",
    ]


def test_json_check_validates_against_a_schema():
    class Out(BaseModel):
        answer: str

    assert check_json('{"answer": "x"}', Out).ok
    assert check_json('```json\n{"answer": "x"}\n```', Out).ok
    assert not check_json('{"answer": 3', Out).ok
    assert not check_json('{"text": "x"}', Out).ok
    assert check_json(None).ok


def test_spans_exist_against_the_source(tmp_path):
    (tmp_path / "a.py").write_text("one\ntwo\nthree\n")
    good = {"path": "a.py", "start_line": 2, "end_line": 3, "snippet": "two\nthree"}
    assert check_spans_exist([good], tmp_path).ok
    bad = [
        {"path": "a.py", "start_line": 2, "end_line": 9},
        {"path": "missing.py", "start_line": 1, "end_line": 1},
        {**good, "snippet": "two\nTHREE"},
    ]
    check = check_spans_exist(bad, tmp_path)
    assert not check.ok and len(check.problems) == 3
