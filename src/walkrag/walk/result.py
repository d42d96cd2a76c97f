"""What a walk returns: the answer, its citations and checks, the ranked evidence and the record."""

from __future__ import annotations

from dataclasses import dataclass, field

from walkrag.answer.pipeline import AnswerResult
from walkrag.walk.analysis import QuestionAnalysis
from walkrag.walk.record import WalkRecord


@dataclass(slots=True)
class WalkResult(AnswerResult):
    """The outcome of :func:`walkrag.walk.walk`: an ask result plus the walk's record.

    ``evidence`` is every span the walk kept, best first, each with ``path``,
    ``start_line``, ``end_line``, ``score``, ``symbol`` and ``why``; citation
    numbers in ``answer`` are the evidence's ``n``. :meth:`as_dict` has the
    ``ask --json`` shape plus ``analysis`` and ``walk`` (the record).
    """

    record: WalkRecord = field(kw_only=True)
    analysis: QuestionAnalysis = field(kw_only=True)

    @property
    def facts(self) -> list:
        return self.record.facts

    def as_dict(self, *, with_text: bool = True) -> dict:
        out = AnswerResult.as_dict(self)
        out["evidence"] = [e.as_dict(with_text=with_text) for e in self.evidence]
        out["analysis"] = self.analysis.as_dict()
        out["walk"] = self.record.as_dict()
        return out
