"""Confidence intervals and tests for small evaluation samples. Pure functions; the bootstrap is seeded.

- `wilson`: the Wilson score interval of a proportion. Unlike a percentile bootstrap it does not collapse to a
  point at 0/n or n/n (0 of 4 gives [0, 0.490], not [0, 0]).
- `newcombe_paired`: Newcombe's (1998) hybrid score interval for the difference of two paired proportions (the
  same items under two models), built from the Wilson intervals of each and their correlation.
- `bca`: the bias-corrected and accelerated bootstrap interval of a statistic of resampled units (Efron 1987).
- `sign_test`: the exact two-sided sign test; on paired pass/fail outcomes it is the exact McNemar test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

__all__ = ["CONFIDENCE", "RESAMPLES", "bca", "newcombe_paired", "sign_test", "wilson"]

CONFIDENCE = 0.95
RESAMPLES = 2000
_NORMAL = NormalDist()


def _z() -> float:
    return _NORMAL.inv_cdf(1 - (1 - CONFIDENCE) / 2)


def wilson(successes: float, trials: float) -> tuple[float, float]:
    """The Wilson score interval of `successes` out of `trials`.

    >>> [round(x, 3) for x in wilson(0, 4)], [round(x, 3) for x in wilson(3, 3)]
    ([0.0, 0.49], [0.439, 1.0])
    """
    if trials <= 0:
        raise ValueError("a proportion needs at least one trial")
    z, p = _z(), successes / trials
    scale = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / scale
    half = z / scale * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    # Rounding leaves center - half at 3e-18 for 0 of 66: the interval must hold its own estimate.
    return min(p, max(0.0, center - half)), max(p, min(1.0, center + half))


def newcombe_paired(both: int, first_only: int, second_only: int, neither: int) -> tuple[float, float]:
    """Interval for (second's rate - first's rate) over paired pass/fail outcomes: `both` passed under both,
    `first_only` under the first alone, and so on (Newcombe 1998, method 10)."""
    n = both + first_only + second_only + neither
    p1, p2 = (both + first_only) / n, (both + second_only) / n
    l1, u1 = wilson(both + first_only, n)
    l2, u2 = wilson(both + second_only, n)
    product = (both + first_only) * (second_only + neither) * (both + second_only) * (first_only + neither)
    cross = both * neither - first_only * second_only
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(product) if product else 0.0
    delta = p2 - p1
    low = delta - math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    high = delta + math.sqrt(max(0.0, (u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2))
    return max(-1.0, low), min(1.0, high)


def bca(statistic: Callable[[np.ndarray], np.ndarray], units: int, seed: int = 0) -> tuple[float, float] | None:
    """The BCa interval of `statistic` over `units` resampled units; None when every resample gives the same value
    (nothing varies: the caller needs another interval).

    `statistic(weights)` takes an array of shape (k, units) counting how often each unit is drawn, and returns
    the k values of the statistic (all units once: the estimate; one left out: the jackknife).
    """
    if units < 2:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, units, size=(RESAMPLES, units))
    weights = np.zeros((RESAMPLES, units))
    np.add.at(weights, (np.arange(RESAMPLES)[:, None], picks), 1.0)
    replicates = statistic(weights)
    estimate = float(statistic(np.ones((1, units)))[0])
    if np.ptp(replicates) == 0:
        return None
    below = (np.sum(replicates < estimate) + 0.5 * np.sum(replicates == estimate)) / RESAMPLES
    bias = _NORMAL.inv_cdf(min(max(below, 0.5 / RESAMPLES), 1 - 0.5 / RESAMPLES))
    jackknife = statistic(1.0 - np.eye(units))
    spread = jackknife.mean() - jackknife
    denominator = 6 * float(np.sum(spread**2)) ** 1.5
    acceleration = float(np.sum(spread**3)) / denominator if denominator else 0.0
    bounds = []
    for z in (-_z(), _z()):
        shifted = bias + (bias + z) / max(1e-9, 1 - acceleration * (bias + z))
        bounds.append(min(max(_NORMAL.cdf(shifted), 0.0), 1.0))
    low, high = np.quantile(replicates, bounds)
    return float(low), float(high)


def sign_test(better: int, worse: int) -> float:
    """Two-sided exact p-value that `better` and `worse` (the pairs that differ) are equally likely; 1.0 when no
    pair differs.

    >>> round(sign_test(9, 1), 4)
    0.0215
    """
    n = better + worse
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(better, worse) + 1)) / 2**n
    return min(1.0, 2 * tail)
