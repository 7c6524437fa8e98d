"""Evaluation: benchmark suites (tasks), scorers, metrics, logs and reports. The rules it scores live in
`rnr_dspy.rules`; this package only imports downward."""

from rnr_dspy.evals.config import EvalConfig
from rnr_dspy.evals.ifeval_suite import ifeval_task
from rnr_dspy.evals.log import EvalLog, read_log, write_log
from rnr_dspy.evals.metrics import Metric, mean_metric, ratio_metric
from rnr_dspy.evals.report import render_report, write_report
from rnr_dspy.evals.result import EvalResult
from rnr_dspy.evals.rnr_suite import load_rnr_items, rnr_task
from rnr_dspy.evals.rule_scorer import rule_scorer
from rnr_dspy.evals.run import evaluate, run_eval
from rnr_dspy.evals.solvers import LMGenerator, make_generator
from rnr_dspy.evals.suites import build_tasks
from rnr_dspy.evals.task import Generation, Sample, Score, ScoredSample, SuiteError, Task

__all__ = [
    "EvalConfig", "EvalLog", "EvalResult", "Generation", "LMGenerator", "Metric", "Sample", "Score", "ScoredSample",
    "SuiteError", "Task", "build_tasks", "evaluate", "ifeval_task", "load_rnr_items", "make_generator", "mean_metric",
    "ratio_metric", "read_log", "render_report", "rnr_task", "rule_scorer", "run_eval", "write_log", "write_report",
]
