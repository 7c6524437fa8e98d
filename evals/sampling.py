"""`--limit N`: a seeded sample of a suite that spreads over its strata (domains and turn types; IFEval's
instruction groups) in proportion to their sizes, instead of the first N items of the file.

Example:
    >>> spread_sample(list(range(10)), key=lambda i: i % 2, limit=4, seed=0)
    [0, 1, 4, 5]
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["spread_sample"]

Item = TypeVar("Item")


def spread_sample(items: Sequence[Item], key: Callable[[Item], Any], limit: int | None,
                  seed: int = 0) -> list[Item]:
    """`limit` of `items` (all of them when `limit` is None or not smaller), in their original order.

    `key` gives an item's stratum, a value or a tuple of levels (turn type, then domain). Systematic sampling over
    the items ordered by the first level, each further level in a seeded random order of its own under each
    value of the one before, from a seeded random start: each stratum of the first level gets its proportional
    share (within one item), the next levels are spread across, and which items is random.
    """
    if limit is None or limit >= len(items):
        return list(items)
    rng = random.Random(seed)
    shuffled: dict[tuple[Any, ...], float] = {}

    def order(index: int) -> tuple[Any, ...]:
        levels = key(items[index])
        levels = levels if isinstance(levels, tuple) else (levels,)
        ranks = [shuffled.setdefault(levels[: depth + 1], rng.random()) for depth in range(1, len(levels))]
        return (levels[0], *ranks, rng.random())

    ordered = sorted(range(len(items)), key=order)
    step = len(items) / limit
    start = rng.random() * step
    return [items[i] for i in sorted(ordered[int(start + j * step)] for j in range(limit))]
