"""Cited answers: context assembly, generation with numbered citations, Level-1 checks.

``answer_question`` is the entry point (``Index.ask`` wraps it); the checks in
:mod:`walkrag.answer.checks` are a library of their own for evals and tests.
"""

from walkrag.answer.checks import Check, run_checks
from walkrag.answer.context import Evidence, assemble
from walkrag.answer.pipeline import AnswerResult, Citation, answer_question

__all__ = ["AnswerResult", "Check", "Citation", "Evidence", "answer_question", "assemble", "run_checks"]
