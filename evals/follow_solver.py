"""Answering samples through `FollowRules`: the model under test held to the rules it reads from each system
prompt (never the suite's own rule annotations), so an eval measures what a user of `FollowRules` gets.

Example:
    >>> generator = FollowRulesGenerator(make_lm("embedded", max_tokens=160), attempts=2)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import dspy

from rnr_dspy.evals.solvers import Done
from rnr_dspy.evals.task import Generation, Sample
from rnr_dspy.follow_rules import FollowRules
from rnr_dspy.masking import mask_credentials
from rnr_dspy.models.lm import lm_id

__all__ = ["FollowRulesGenerator"]


class FollowRulesGenerator:
    """A `Generator` whose answers come from `FollowRules(lm, attempts)`; `calls` counts the model's answers."""

    def __init__(self, lm: dspy.BaseLM, *, attempts: int, concurrency: int = 1) -> None:
        self.follow = FollowRules(lm, attempts=attempts)
        self.concurrency = max(1, concurrency)
        self.model_id = lm_id(lm)
        self.backend = f"lm, FollowRules with {attempts} attempt{'s' * (attempts != 1)}"
        self.calls = 0

    def generate(self, samples: Sequence[Sample], done: Done | None = None) -> list[Generation]:
        with ThreadPoolExecutor(self.concurrency) as pool:
            results = []
            for generation, attempts in pool.map(self._answer, samples):
                results.append(generation)
                self.calls += attempts
                if done:
                    done(len(results))
        return results

    def _answer(self, sample: Sample) -> tuple[Generation, int]:
        start = time.perf_counter()
        try:
            prediction = self.follow(system_prompt=sample.system or "", user=sample.user)
        except Exception as error:  # recorded per item: one failed answer must not end the run
            return Generation(error=mask_credentials(f"{type(error).__name__}: {error}"),
                              seconds=time.perf_counter() - start), 1
        return Generation(text=prediction.response, seconds=time.perf_counter() - start), prediction.attempts
