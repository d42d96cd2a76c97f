"""Dataset validation (clear, line-numbered errors) and the semble annotation adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from walkrag.evals.dataset import (
    DatasetError,
    from_semble,
    infer_strip_prefix,
    load_dataset,
    parse_jsonl,
    semble_category,
    write_jsonl,
)

SEMBLE_DIR = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "semble-dev" / "annotations"
GOOD = {"id": "q1", "question": "Where is tax computed?", "level": "lookup",
        "gold": [{"path": "shop/pricing.py", "symbol": "tax_for", "lines": [17, 21]}],
        "answer_points": ["raises ValueError"]}


def lines(*objs) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o) for o in objs]


def test_valid_dataset_round_trips(tmp_path):
    qs = parse_jsonl(lines(GOOD, "", {"id": 2, "question": "q?", "gold": [{"path": "./a.py"}]}))
    assert [q.id for q in qs] == ["q1", "2"]
    assert qs[0].gold[0].lines == (17, 21) and qs[1].gold[0].path == "a.py" and qs[1].level is None
    path = write_jsonl(qs, tmp_path / "d.jsonl")
    again = load_dataset(path)
    assert [q.as_dict() for q in again] == [q.as_dict() for q in qs]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "d.jsonl:2: not valid JSON"),
        ("[1, 2]", "d.jsonl:2: expected a JSON object, got list"),
        ({"id": "x", "gold": [{"path": "a.py"}]}, "d.jsonl:2: question: Field required"),
        ({"id": "x", "question": "q", "gold": []}, "d.jsonl:2: gold: List should have at least 1 item"),
        ({"id": "x", "question": "q", "gold": [{"path": "a.py", "lines": [9, 3]}]},
         "d.jsonl:2: gold.0.lines: end line 3 is before start line 9"),
        ({"id": "x", "question": "q", "gold": [{"path": "a.py", "lines": [0, 3]}]}, "lines are 1-based"),
        ({"id": "x", "question": "q", "gold": [{"path": "/abs/a.py"}]}, "gold.0.path: must be relative"),
        ({"id": "x", "question": "q", "gold": [{"path": "a.py", "line": 3}]}, "gold.0.line: Extra inputs"),
        ({"id": "x", "question": "   ", "gold": [{"path": "a.py"}]}, "question: is blank"),
        ({"id": "x", "question": "q", "gold": [{"path": "a.py"}], "answer_points": [""]}, "blank entry"),
        ({"id": "q1", "question": "again", "gold": [{"path": "a.py"}]}, "d.jsonl:2: duplicate id 'q1' (first on line 1)"),
    ],
)
def test_validation_errors_name_the_line(tmp_path, bad, message):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines(GOOD, bad)) + "\n")
    with pytest.raises(DatasetError) as err:
        load_dataset(path, "jsonl")
    assert message in str(err.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DatasetError, match="cannot read dataset"):
        load_dataset(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(DatasetError, match="no questions"):
        load_dataset(tmp_path / "empty.jsonl")
    with pytest.raises(DatasetError, match="unknown dataset format"):
        load_dataset(tmp_path / "empty.jsonl", "csv")


SEMBLE = [
    {"query": "how does dependency injection work", "relevant": ["fastapi/dependencies/utils.py"],
     "secondary": ["fastapi/params.py"], "category": "architecture"},
    {"query": "APIRouter", "relevant": [{"path": "fastapi/routing.py", "start_line": 10, "end_line": 40}]},
    {"query": "how are routes registered", "relevant": ["fastapi/routing.py"]},
    {"query": "request validation", "relevant": ["fastapi/exceptions.py"], "secondary": [], "seed": {"line": 3}},
]


def test_semble_adapter_strips_prefix_and_infers_categories():
    qs = from_semble(SEMBLE, "fastapi/", id_prefix="fastapi-")
    assert [q.id for q in qs] == ["fastapi-000", "fastapi-001", "fastapi-002", "fastapi-003"]
    assert qs[0].gold_files == ["dependencies/utils.py", "params.py"]  # relevant + secondary
    assert qs[1].gold[0].lines == (10, 40) and qs[1].level == "symbol"
    assert [q.level for q in qs] == ["architecture", "symbol", "architecture", "semantic"]
    assert semble_category("how x") == "architecture" and semble_category("Zod") == "symbol"


def test_semble_file_auto_detected_and_prefix_inferred(tmp_path):
    path = tmp_path / "fastapi.json"
    path.write_text(json.dumps(SEMBLE))
    known = {"dependencies/utils.py", "params.py", "routing.py", "exceptions.py"}
    qs = load_dataset(path, known_paths=known)
    assert all(g.path in known for q in qs for g in q.gold)
    assert load_dataset(path, strip_prefix="")[0].gold_files[0] == "fastapi/dependencies/utils.py"
    assert infer_strip_prefix(["packages/zod/src/v4/a.ts", "packages/zod/src/b.ts"], {"v4/a.ts", "b.ts"}) == (
        "packages/zod/src/"
    )
    assert infer_strip_prefix(["a/b.py"], {"x.py"}) == ""


def test_semble_errors():
    with pytest.raises(DatasetError, match="JSON list"):
        from_semble({"query": "x"})
    with pytest.raises(DatasetError, match="entry 0: expected an object with a 'query'"):
        from_semble([{"relevant": []}])
    with pytest.raises(DatasetError, match="entry 0: gold: List should have at least 1 item"):
        from_semble([{"query": "x", "relevant": []}])


@pytest.mark.skipif(not SEMBLE_DIR.is_dir(), reason="shared semble-dev annotations not present")
def test_real_semble_annotations_load():
    corpora = json.loads((SEMBLE_DIR.parent / "corpora.json").read_text())
    for corpus in corpora:
        qs = load_dataset(SEMBLE_DIR / f"{corpus['name']}.json", "semble",
                          strip_prefix=corpus["benchmark_root"] + "/")
        assert qs and all(not g.path.startswith(corpus["benchmark_root"] + "/") for q in qs for g in q.gold)
