"""Evaluation: rule checkers, benchmark suites (tasks), scorers, metrics, logs and reports.

The eval API is imported lazily: `rnr_dspy.types` imports the checkers from here, and the suites import types.
"""

from importlib import import_module
from typing import Any

from rnr_dspy.evals.checkers import REGISTRY, AnyCheck, Checker, CheckResult

_LAZY = {
    "EvalConfig": "run", "build_tasks": "run", "evaluate": "run", "run_eval": "run",
    "Generation": "task", "Sample": "task", "Score": "task", "ScoredSample": "task", "SuiteError": "task",
    "Task": "task",
    "Metric": "metrics", "mean_metric": "metrics", "ratio_metric": "metrics",
    "EvalLog": "log", "read_log": "log", "write_log": "log",
    "render_report": "report", "write_report": "report",
    "make_generator": "solvers", "LMGenerator": "solvers",
    "rnr_task": "rnr_suite", "load_rnr_items": "rnr_suite", "rule_scorer": "rule_scorer",
    "ifeval_task": "ifeval_suite",
}

__all__ = ["REGISTRY", "AnyCheck", "CheckResult", "Checker", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"rnr_dspy.evals.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'rnr_dspy.evals' has no attribute {name!r}")
