"""`EvalResult`: what `run_eval` returns."""

from __future__ import annotations

from rnr_dspy.evals.log import EvalLog

__all__ = ["EvalResult"]


class EvalResult(EvalLog):
    """What `run_eval` returns: the log it wrote to `out/log.json` (report.md and plot.png are rendered from it)."""
