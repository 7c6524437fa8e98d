"""Evaluation: rule checkers (and, later, benchmark tasks, scorers and reports)."""

from rnr_dspy.evals.checkers import REGISTRY, AnyCheck, Checker, CheckResult

__all__ = ["REGISTRY", "AnyCheck", "CheckResult", "Checker"]
