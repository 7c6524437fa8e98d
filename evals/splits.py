"""The benchmark's two splits: items whose checkable rules are of types generation draws (in-distribution) and
items with a held-out rule type (`rnr_dspy.rules.held_out`), which measure whether rule following carries over to
rules a model was never trained on. An item's split is derived from its rules, never stored beside them.

Per-split metrics are named `split:<split>:<metric>` in a suite's metrics, so logs, reports and the CLI read them
the same way.

Example:
    >>> split_of([Rule(text="x", check={"name": "no_dashes"})])
    'held_out'
    >>> metric_name("held_out", "adherence")
    'split:held_out:adherence'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from rnr_dspy.evals.metrics import Metric
from rnr_dspy.rules import Rule, is_held_out

__all__ = ["LABELS", "SPLITS", "SPLIT_METRICS", "Split", "by_split", "metric_name", "split_of"]

Split = Literal["in_distribution", "held_out"]
SPLITS: tuple[Split, ...] = ("in_distribution", "held_out")
LABELS: dict[str, str] = {"in_distribution": "in-distribution", "held_out": "held-out"}
# The suite metrics that are also reported per split, in the order they are shown.
SPLIT_METRICS = ("checkable_pass_rate", "adherence", "pass_rate")
_PREFIX = "split:"


def split_of(rules: Sequence[Rule]) -> Split:
    """`held_out` when any checkable rule is of a held-out type, else `in_distribution`."""
    held_out = any(rule.check is not None and is_held_out(rule.check.name) for rule in rules)
    return "held_out" if held_out else "in_distribution"


def metric_name(split: str, metric: str) -> str:
    return f"{_PREFIX}{split}:{metric}"


def by_split(metrics: Mapping[str, Metric]) -> dict[str, dict[str, Metric]]:
    """A suite's per-split metrics as {split: {metric: Metric}}, splits and metrics in display order; a split
    without items (or a suite without splits, e.g. IFEval) is left out."""
    found = {split: {name: metrics[metric_name(split, name)] for name in SPLIT_METRICS
                     if metric_name(split, name) in metrics} for split in SPLITS}
    return {split: values for split, values in found.items() if values}
