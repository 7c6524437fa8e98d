"""Metrics over scored samples: rates with percentile-bootstrap confidence intervals. Pure functions, seeded.

Undecided values (None: an unparsable judge verdict, a missing judge, a failed generation) are left out of a
rate and counted in `Metric.unknown`, never guessed.

Example:
    >>> m = mean_metric([True, False, True, None])
    >>> (round(m.value, 3), m.n, m.unknown)
    (0.667, 3, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel

__all__ = ["RESAMPLES", "Metric", "grouped", "mean_metric", "ratio_metric"]

RESAMPLES = 1000
CONFIDENCE = 0.95


class Metric(BaseModel):
    """A rate with its confidence interval. `n` counts the units it is computed over, `unknown` those left out."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    unknown: int = 0


def mean_metric(values: Iterable[float | bool | None], *, seed: int = 0) -> Metric:
    """The mean of the decided values (e.g. pass/fail per item) with a bootstrap CI over them."""
    values = list(values)
    known = [float(v) for v in values if v is not None]
    return ratio_metric([(v, 1.0) for v in known], seed=seed).model_copy(update={"unknown": len(values) - len(known)})


def ratio_metric(parts: Sequence[tuple[float, float]], *, seed: int = 0) -> Metric:
    """sum(numerators) / sum(denominators), e.g. rules followed over rules judged, with each unit (an item and
    its rules) resampled whole, so rules of one item stay together."""
    parts = [(num, den) for num, den in parts if den > 0]
    if not parts:
        return Metric(value=None, n=0)
    numerators, denominators = np.array(parts, dtype=float).T
    value = float(numerators.sum() / denominators.sum())
    low, high = _bootstrap(numerators, denominators, seed)
    return Metric(value=value, low=low, high=high, n=len(parts))


def grouped(pairs: Iterable[tuple[str, float | bool | None]], *, seed: int = 0) -> dict[str, Metric]:
    """One `mean_metric` per group key, in sorted key order."""
    groups: dict[str, list[float | bool | None]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return {key: mean_metric(groups[key], seed=seed) for key in sorted(groups)}


def _bootstrap(numerators: np.ndarray, denominators: np.ndarray, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(numerators), size=(RESAMPLES, len(numerators)))
    ratios = numerators[picks].sum(axis=1) / denominators[picks].sum(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)
