"""Context assembly: merging adjacent spans, numbering, staying within the token budget."""

from __future__ import annotations

from dataclasses import dataclass

from walkrag.answer.context import assemble, merge_adjacent, render_evidence
from walkrag.models.llm import count_tokens

FILE = [f"line {i} of the file" for i in range(1, 101)]


@dataclass
class FakeHit:
    path: str
    start_line: int
    end_line: int
    score: float = 1.0
    header: str = ""

    @property
    def text(self) -> str:
        return "\n".join(FILE[self.start_line - 1:self.end_line])


def test_adjacent_and_overlapping_spans_of_one_file_merge_exactly():
    hits = [FakeHit("a.py", 10, 20, 0.9), FakeHit("b.py", 1, 5, 0.8), FakeHit("a.py", 21, 30, 0.7),
            FakeHit("a.py", 5, 12, 0.6), FakeHit("a.py", 40, 45, 0.5)]
    merged = assemble(hits, 10_000)
    assert [(e.n, e.path, e.start_line, e.end_line) for e in merged] == [
        (1, "a.py", 5, 30), (2, "b.py", 1, 5), (3, "a.py", 40, 45),
    ]
    assert merged[0].text == "\n".join(FILE[4:30])
    assert merged[0].score == 0.9


def test_a_gap_keeps_spans_apart_and_merging_chains():
    spans = assemble([FakeHit("a.py", 1, 3), FakeHit("a.py", 5, 6)], 10_000)
    assert len(spans) == 2
    chained = merge_adjacent(assemble([FakeHit("a.py", 1, 3), FakeHit("a.py", 7, 9), FakeHit("a.py", 4, 6)], 10_000))
    assert [(e.start_line, e.end_line) for e in chained] == [(1, 9)]


def test_assembly_never_exceeds_the_budget_and_keeps_rank_order():
    hits = [FakeHit(f"f{i}.py", 1, 30, 1 - i / 10) for i in range(8)]
    one = count_tokens(render_evidence(assemble(hits[:1], 10_000))) + 2
    for budget in (one, one * 3 + 5, one * 5):
        chosen = assemble(hits, budget)
        assert sum(count_tokens(render_evidence([e])) + 2 for e in chosen) <= budget
        assert [e.path for e in chosen] == [h.path for h in hits[: len(chosen)]]
        assert len(chosen) == budget // one


def test_the_top_span_is_cut_to_fit_rather_than_dropped():
    chosen = assemble([FakeHit("big.py", 1, 100)], 120)
    assert len(chosen) == 1 and chosen[0].start_line == 1 and 1 < chosen[0].end_line < 100
    assert chosen[0].text == "\n".join(FILE[: chosen[0].end_line])
    assert count_tokens(render_evidence(chosen)) <= 120
    assert assemble([FakeHit("big.py", 1, 100)], 5) == []


def test_rendered_evidence_carries_number_source_and_header():
    block = render_evidence(assemble([FakeHit("a.py", 2, 3, header="a.py > f")], 1000))
    assert block.startswith('<evidence n="1" source="a.py:2-3" header="a.py > f">\nline 2 of the file\n')
