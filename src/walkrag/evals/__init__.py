"""Evals: datasets with gold evidence, retrieval and answer metrics, an LLM judge, synthetic questions,
side-by-side comparison of configurations, and reports (terminal, JSON, self-contained HTML).

``walkrag eval DATASET`` and ``walkrag eval synth`` are the command line; in Python::

    from walkrag.evals import load_dataset, run_eval
    run = run_eval(walkrag.open(root), load_dataset("questions.jsonl"))
    run.metrics()["recall@10"]
"""

from walkrag.evals.dataset import DatasetError, Gold, Question, load_dataset
from walkrag.evals.runner import EvalError, RunResult, run_eval

__all__ = ["DatasetError", "EvalError", "Gold", "Question", "RunResult", "load_dataset", "run_eval"]
