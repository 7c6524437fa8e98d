"""Metrics over scored samples, with 95% confidence intervals that hold at small n; and the paired change of a
metric between two models on the same items. Pure functions, seeded.

- A pass rate (one pass/fail outcome per item) gets the Wilson score interval.
- A ratio over items (rules followed over rules decided, each item's rules resampled together) gets the BCa
  bootstrap interval; where nothing varies between items (every item at the same ratio), Wilson over the items.
- A change between models is paired over the items both decided: Newcombe's paired interval and an exact McNemar
  test for pass rates, a paired BCa bootstrap interval and an exact sign test for ratios.

Undecided values (None: an unparsable judge verdict, a missing judge, a failed generation) are left out of a
rate and counted in `Metric.unknown`, never guessed.

Example:
    >>> m = mean_metric([True, False, True, None])
    >>> (round(m.value, 3), m.n, m.unknown, m.method)
    (0.667, 3, 1, 'wilson')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, model_validator

from rnr_dspy.evals.intervals import bca, newcombe_paired, sign_test, wilson

__all__ = ["Delta", "Metric", "Unit", "grouped", "mean_metric", "paired_delta", "ratio_metric", "units_of"]

Unit = tuple[float, float] | None
"""One item's share of a metric: (successes, trials), e.g. (1, 1) for a pass, (3, 4) for 3 of 4 rules followed;
None when the item is undecided."""


class Metric(BaseModel):
    """A rate with its confidence interval. `n` counts the units it is computed over, `unknown` those left out;
    `method` names the interval (`wilson` or `bca`)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    unknown: int = 0
    method: str = ""

    @model_validator(mode="after")
    def _holds_its_value(self) -> Metric:
        # Rounding can leave a bound a hair past the estimate (Wilson's 0 of 66 gave 3e-18); logs written before
        # that was fixed still carry it. An interval holds its own estimate, for every reader (report, plot).
        if self.value is not None and self.low is not None and self.high is not None:
            self.low, self.high = min(self.low, self.value), max(self.high, self.value)
        return self


class Delta(BaseModel):
    """A metric's change from a baseline model to another, paired over the `n` items both decided: `better` and
    `worse` count the items on which the other model did better or worse, `p_value` tests that they are equally
    likely (`test`: `mcnemar` on pass/fail outcomes, `sign` on ratios)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    better: int = 0
    worse: int = 0
    p_value: float | None = None
    test: str = ""


def units_of(values: Iterable[float | bool | None]) -> list[Unit]:
    """Pass/fail (or 0-1) outcomes as units: (value, 1), None for an undecided one."""
    return [None if value is None else (float(value), 1.0) for value in values]


def mean_metric(values: Iterable[float | bool | None], *, seed: int = 0) -> Metric:
    """The mean of the decided values (e.g. pass/fail per item): Wilson interval for 0/1 outcomes."""
    units = units_of(values)
    known = [unit for unit in units if unit is not None]
    return ratio_metric(known, seed=seed).model_copy(update={"unknown": len(units) - len(known)})


def ratio_metric(parts: Sequence[Unit], *, seed: int = 0) -> Metric:
    """sum(successes) / sum(trials), e.g. rules followed over rules decided, with each unit (an item and its
    rules) resampled whole, so rules of one item stay together. Units with no trials are left out."""
    known = [(num, den) for num, den in (unit for unit in parts if unit is not None) if den > 0]
    if not known:
        return Metric(value=None, n=0)
    numerators, denominators = np.array(known, dtype=float).T
    value = float(numerators.sum() / denominators.sum())
    if _binary(numerators, denominators):
        low, high = wilson(numerators.sum(), len(known))
        return Metric(value=value, low=low, high=high, n=len(known), method="wilson")
    interval = bca(lambda w: (w @ numerators) / (w @ denominators), len(known), seed)
    if interval is None:  # every item at the same ratio: Wilson over the items
        interval = wilson(value * len(known), len(known))
        return Metric(value=value, low=interval[0], high=interval[1], n=len(known), method="wilson")
    return Metric(value=value, low=min(interval[0], value), high=max(interval[1], value), n=len(known),
                  method="bca")


def paired_delta(base: Sequence[Unit], other: Sequence[Unit], *, seed: int = 0) -> Delta:
    """other - base, paired over the items (same positions) that both decided."""
    pairs = [(b, o) for b, o in zip(base, other, strict=True)
             if b is not None and o is not None and b[1] > 0 and o[1] > 0]
    if not pairs:
        return Delta(value=None)
    array = np.array([[*b, *o] for b, o in pairs], dtype=float)
    base_num, base_den, other_num, other_den = array.T
    value = float(other_num.sum() / other_den.sum() - base_num.sum() / base_den.sum())
    differences = other_num / other_den - base_num / base_den
    better, worse = int(np.sum(differences > 0)), int(np.sum(differences < 0))
    common = {"n": len(pairs), "better": better, "worse": worse, "p_value": sign_test(better, worse)}
    if _binary(base_num, base_den) and _binary(other_num, other_den):
        both = int(np.sum((base_num == 1) & (other_num == 1)))
        low, high = newcombe_paired(both, worse, better, len(pairs) - both - better - worse)
        return Delta(value=value, low=low, high=high, test="mcnemar", **common)

    def change(w: np.ndarray) -> np.ndarray:
        return (w @ other_num) / (w @ other_den) - (w @ base_num) / (w @ base_den)

    interval = bca(change, len(pairs), seed)
    if interval is None:  # every item changed alike: bound how often items could differ (Wilson, none seen)
        reach = wilson(0, len(pairs))[1]
        interval = (max(-1.0, value - reach), min(1.0, value + reach))
    return Delta(value=value, low=min(interval[0], value), high=max(interval[1], value), test="sign", **common)


def grouped(pairs: Iterable[tuple[str, float | bool | None]], *, seed: int = 0) -> dict[str, Metric]:
    """One `mean_metric` per group key, in sorted key order."""
    groups: dict[str, list[float | bool | None]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return {key: mean_metric(groups[key], seed=seed) for key in sorted(groups)}


def _binary(numerators: np.ndarray, denominators: np.ndarray) -> bool:
    return bool(np.all(denominators == 1) and np.all((numerators == 0) | (numerators == 1)))
