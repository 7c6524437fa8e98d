"""The contamination guard: seeds that overlap an evaluation set the project ships are dropped before generation.

A seed overlaps when its normalized text equals an evaluation prompt, or when at least half of its word 8-grams
occur in one (shorter seeds: exact match only). The sets are the project's role-and-rule benchmark and IFEval.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

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
    bench = resources.files("rnr_dspy.evals") / "data" / "rnr_bench.jsonl"
    if bench.is_file():
        yield from (json.loads(line)["user"] for line in bench.read_text(encoding="utf-8").splitlines() if line.strip())
    spec = find_spec("eval_framework")
    if spec is not None and spec.submodule_search_locations:
        ifeval = Path(next(iter(spec.submodule_search_locations))) / "tasks" / "ifeval" / "data" / "input_data.jsonl"
        if ifeval.is_file():
            lines = ifeval.read_text(encoding="utf-8").splitlines()
            yield from (json.loads(line)["prompt"] for line in lines if line.strip())
