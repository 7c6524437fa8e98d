"""The requests of the themes a group has none of (candidates for its out-of-scope turns), as read-only views over
the run's seeds: built once per set of themes, each read costs O(log n), so a run of n seeds does O(n log n) work
here rather than a list of every other theme's requests per group."""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import overload

from rnr_dspy.seeds.data import Seed

__all__ = ["OtherThemes", "OutsideIndex"]


class OtherThemes(Sequence[str]):
    """The run's requests, in group order, but those at `excluded` positions (sorted). `distinct`: no request
    repeats (then `composed_turns` reads it by index instead of copying it)."""

    def __init__(self, prompts: list[str], excluded: list[int], *, distinct: bool) -> None:
        self._prompts, self._excluded, self.distinct = prompts, excluded, distinct
        # Requests kept before each excluded position: the k-th kept request skips the excluded ones before it.
        self._kept_before = [position - rank for rank, position in enumerate(excluded)]

    def __len__(self) -> int:
        return len(self._prompts) - len(self._excluded)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._prompts[index + bisect_right(self._kept_before, index)]

    def __iter__(self) -> Iterator[str]:
        skipped = set(self._excluded)
        return (prompt for position, prompt in enumerate(self._prompts) if position not in skipped)


class OutsideIndex:
    """Each group's `OtherThemes`, from one pass over the groups (shared by the groups of the same themes)."""

    def __init__(self, groups: Sequence[Sequence[Seed]]) -> None:
        self._prompts = [seed.prompt for group in groups for seed in group]
        self._distinct = len(set(self._prompts)) == len(self._prompts)
        self._positions: dict[str | None, list[int]] = {}
        for position, seed in enumerate(seed for group in groups for seed in group):
            self._positions.setdefault(seed.theme, []).append(position)
        self._views: dict[frozenset[str | None], OtherThemes] = {}
        self._lock = threading.Lock()

    def of(self, seeds: Sequence[Seed]) -> OtherThemes:
        """The requests of every theme none of `seeds` has."""
        themes = frozenset(seed.theme for seed in seeds)
        with self._lock:
            if themes not in self._views:
                excluded = list(heapq.merge(*(self._positions.get(theme, []) for theme in themes)))
                self._views[themes] = OtherThemes(self._prompts, excluded, distinct=self._distinct)
            return self._views[themes]
