"""Running datasets against a real index: search, ask (no LLM and a scripted one), walk; configurations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_helpers import FakeLLM

import walkrag
from walkrag.evals.config import EvalConfig, EvalConfigError, config_from_dict, load_config, load_configs
from walkrag.evals.dataset import Question
from walkrag.evals.runner import Runner, index_for, run_eval

QUESTIONS = [
    Question.model_validate(q) for q in [
        {"id": "tax", "question": "sales tax owed for a region", "level": "lookup",
         "gold": [{"path": "shop/pricing.py", "symbol": "tax_for", "lines": [17, 21]}],
         "answer_points": ["TAX_RATES"]},
        {"id": "reorder", "question": "when should an item be reordered (low stock threshold)", "level": "lookup",
         "gold": [{"path": "src/Main.java"}]},
        {"id": "ring", "question": "fixed-capacity ring buffer push overwriting the oldest", "level": "code",
         "gold": [{"path": "src/lib.rs"}, {"path": "docs/never.md"}]},
    ]
]


def test_search_mode_metrics_and_levels(indexed):
    with walkrag.open(indexed) as idx:
        run = run_eval(idx, QUESTIONS, k=10)
    m = run.metrics()
    assert set(m) >= {"recall@10", "full@10", "ndcg@10", "mrr", "span_hit@10", "recall@1", "recall@20"}
    by_id = {q.id: q for q in run.questions}
    assert by_id["tax"].metrics["recall@10"] == 1.0 and by_id["tax"].metrics["span_hit@10"] == 1.0
    assert by_id["ring"].metrics["recall@20"] == 0.5 and by_id["ring"].metrics["full@20"] == 0.0
    assert by_id["reorder"].metrics["span_hit@10"] is None
    assert m["span_hit@10"] == 1.0  # the mean skips questions without span-level gold
    levels = run.per_level()
    assert levels["lookup"]["n"] == 2 and levels["code"]["n"] == 1
    assert levels["code"]["recall@10"] == 0.5
    d = run.as_dict()
    assert d["latency_ms"]["p50"] > 0 and len(d["latency_ms"]["values"]) == 3 and d["judge"] is None
    json.dumps(d)


def test_ask_mode_without_llm_judges_by_string_match(indexed):
    with walkrag.open(indexed) as idx:
        run = run_eval(idx, QUESTIONS[:1], mode="ask", k=5, use_llm=False)
    q = run.questions[0]
    assert q.answer and q.error is None
    assert q.metrics["answer_coverage"] == 1.0  # the extractive answer quotes TAX_RATES
    assert q.metrics["citation_validity"] == 1.0 and q.metrics["recall@10"] == 1.0
    assert run.judge == "string-match" and run.metrics()["answer_coverage"] == 1.0


def test_ask_mode_with_scripted_llm_counts_tokens(indexed):
    def reply(messages):
        system = messages[0]["content"]
        if "grade answers" in system or "faithfulness" in system:
            return json.dumps({"verdict": True, "reason": "ok"})
        return json.dumps({"answer": "`tax_for` looks up `TAX_RATES` [1].", "sufficient": True})

    llm = FakeLLM(reply)
    with walkrag.open(indexed) as idx:
        run = Runner(idx, mode="ask", k=5, llm=llm).run(QUESTIONS[:1])
    q = run.questions[0]
    assert q.answer == "`tax_for` looks up `TAX_RATES` [1]."  # the model's answer, not the extractive one
    assert q.error is None and q.metrics["answer_coverage"] == 1.0 and q.metrics["faithfulness"] == 1.0
    assert q.tokens["prompt"] > 0 and run.tokens()["judge_prompt"] > 0
    assert run.judge == "llm:fake"


def test_walk_mode_runs_the_walk(indexed):
    with walkrag.open(indexed) as idx:
        run = Runner(idx, mode="walk", use_llm=False).run(QUESTIONS[:1])
    q = run.questions[0]
    assert q.error is None and q.answer
    assert q.metrics["recall@10"] == 1.0


def test_configs_from_toml(tmp_path):
    path = tmp_path / "lex.toml"
    path.write_text('retrievers = ["lexical"]\nrank = false\n[settings]\nmax_file_bytes = 200\n')
    cfg = load_config(path)
    assert cfg.name == "lex" and cfg.search.retrievers == ("lexical",) and not cfg.search.rank
    assert cfg.settings == {"max_file_bytes": 200}
    assert config_from_dict({"name": "x", "embedder": "minilm"}).settings == {"embedder": "minilm"}
    assert [c.name for c in load_configs([path, path])] == ["lex", "lex (2)"]
    assert load_configs([])[0].name == "default"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"retriever": ["lexical"]}, "unknown key(s) retriever"),
        ({"retrievers": ["bm25"]}, "retrievers must be some of"),
        ({"rank": "yes"}, "rank must be true or false"),
        ({"candidates": 0}, "candidates must be a positive integer"),
        ({"settings": {"nope": 1}}, "unknown setting(s) nope"),
        ({"max_file_bytes": 0}, "invalid settings"),
    ],
)
def test_config_errors(data, message):
    with pytest.raises(EvalConfigError) as err:
        config_from_dict(data, source="c.toml")
    assert message in str(err.value) and "c.toml" in str(err.value)


def test_bad_toml(tmp_path):
    (tmp_path / "bad.toml").write_text("retrievers = [")
    with pytest.raises(EvalConfigError, match="bad.toml"):
        load_config(tmp_path / "bad.toml")


def test_index_affecting_settings_get_their_own_index(indexed: Path):
    with walkrag.open(indexed) as idx:
        same = index_for(idx, EvalConfig(settings={"llm_model": "m"}))
        assert same.index_dir == idx.index_dir and same.settings.llm_model == "m"
        other = index_for(idx, EvalConfig(settings={"max_file_bytes": 100_000}))
        assert other.index_dir.parent == idx.index_dir / "eval-indexes"
        assert other.search("ring buffer", 3)
        other.close()
