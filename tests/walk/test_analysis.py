"""Question analysis: the heuristic's levels, parts and names; the model's analysis and its fallback."""

from __future__ import annotations

import json

import pytest
from scripted import ScriptedLLM

from walkrag.walk.analysis import (
    LEVELS,
    analyze_question,
    heuristic_analysis,
    normalize_level,
    should_walk,
    split_parts,
)


@pytest.mark.parametrize(("question", "level"), [
    ("What is the default value of SESSION_COOKIE_AGE?", "single_fact"),
    ("What happens when tax_for gets a region without a configured rate?", "single_fact"),
    ("Where is the Paginator class defined?", "single_fact"),
    ("What options does the runserver command accept for threading and reloading?", "multi_fact"),
    ("Which setting names the failure view, and which function is the default view?", "discontiguous_multi_fact"),
    ("Why does cached_property compute its value only once?", "simple_analysis"),
    ("How does the middleware decide to return 304 Not Modified?", "simple_analysis"),
    ("Walk through logging in, from LoginView to the authentication backend.", "complex_analysis"),
    ("What are all the ways the framework protects against clickjacking?", "research"),
])
def test_heuristic_levels(question, level):
    a = heuristic_analysis(question)
    assert a.level == level, a.reason
    assert a.level in LEVELS and a.source == "heuristic"
    assert a.needs_walk == (level != "single_fact")


def test_names_and_parts_are_extracted():
    a = heuristic_analysis("Where is `login_required` defined, and what is the default LOGIN_URL it redirects to?")
    assert "login_required" in a.identifiers
    assert "LOGIN_URL" in a.entities
    assert len(a.parts) == 2
    assert split_parts("What is X?") == ["What is X?"]


def test_level_names_normalise_and_the_flag_overrides_routing():
    assert normalize_level("Single fact") == normalize_level("single-fact") == "single_fact"
    assert normalize_level("Discontiguous multi-fact") == "discontiguous_multi_fact"
    assert normalize_level("nonsense") is None
    single = heuristic_analysis("Where is the Paginator class defined?")
    multi = heuristic_analysis("Why does cached_property compute its value only once?")
    assert not should_walk(single, None) and should_walk(multi, None)
    assert should_walk(single, True) and not should_walk(multi, False)


def test_model_analysis_is_used_when_valid():
    reply = json.dumps({"level": "Complex analysis", "identifiers": ["Cart.total"], "entities": [],
                        "parts": ["how is the discount applied", "how is tax added"], "reason": "two steps"})
    llm = ScriptedLLM([reply])
    a, records = analyze_question("How is the cart total computed?", llm)
    assert (a.source, a.level) == ("llm", "complex_analysis")
    assert a.parts == ["how is the discount applied", "how is tax added"]
    assert "Cart.total" in a.identifiers and len(records) == 1
    assert llm.requests[0]["prompt_version"] == "walk-analyze.v1"


def test_malformed_model_analysis_falls_back_to_the_heuristic():
    llm = ScriptedLLM(["not json", "{still not json"])
    a, records = analyze_question("Why does cached_property compute its value only once?", llm)
    assert a.source == "heuristic" and a.level == "simple_analysis"
    assert "model analysis failed" in a.reason and len(records) == 2
    unknown = ScriptedLLM([json.dumps({"level": "galaxy brain"})])
    b, _ = analyze_question("Where is the Paginator class defined?", unknown)
    assert b.source == "heuristic" and "unknown level" in b.reason
