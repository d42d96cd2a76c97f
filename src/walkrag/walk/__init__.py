"""The walk: multi-step retrieval that extracts facts, follows threads and knows when to stop.

:func:`walk` is the entry point (``Index.walk`` wraps it). With a model it reads
evidence, writes down cited facts and follows the threads they open; without
one it walks the code graph and the documents' cross-references. Either way the
:class:`WalkRecord` says what each step did.
"""

from walkrag.walk.analysis import LEVELS, QuestionAnalysis, analyze_question, heuristic_analysis, should_walk
from walkrag.walk.record import Budget, Fact, Step, Thread, WalkEvidence, WalkRecord
from walkrag.walk.result import WalkResult
from walkrag.walk.run import walk

__all__ = [
    "LEVELS", "Budget", "Fact", "QuestionAnalysis", "Step", "Thread", "WalkEvidence", "WalkRecord", "WalkResult",
    "analyze_question", "heuristic_analysis", "should_walk", "walk",
]
