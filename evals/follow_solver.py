"""Answering samples through `FollowRules`: the model under test held to the rules it reads from each system
prompt (never the suite's own rule annotations), so an eval measures what a user of `FollowRules` gets.

Example:
    >>> generator = following_rules(make_generator("embedded", max_tokens=160), attempts=2)  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from rnr_dspy.errors import ConfigError
from rnr_dspy.evals.solvers import Done, Generator, LMGenerator
from rnr_dspy.evals.task import Generation, Sample
from rnr_dspy.follow_rules import FollowRules
from rnr_dspy.masking import mask_credentials

__all__ = ["FollowRulesGenerator", "following_rules"]


def following_rules(generator: Generator, attempts: int) -> Generator:
    """`generator` answering through `FollowRules` with `attempts` (unchanged at 0). Raises `ConfigError` for a
    generator that does not answer through a DSPy LM (batched transformers)."""
    if attempts == 0:
        return generator
    if not isinstance(generator, LMGenerator):
        raise ConfigError(f"follow_rules needs a model answered through its DSPy LM, not the {generator.backend} "
                          "back end: use --backend lm")
    return FollowRulesGenerator(generator, attempts=attempts)


class FollowRulesGenerator:
    """A `Generator` whose answers come from `FollowRules` over another generator's LM, as concurrently; `calls`
    counts the model's answers."""

    def __init__(self, inner: LMGenerator, *, attempts: int) -> None:
        self.follow = FollowRules(inner.lm, attempts=attempts)
        self.concurrency = inner.concurrency
        self.model_id = inner.model_id
        self.precision = getattr(inner, "precision", "")
        self.backend = f"{inner.backend}, FollowRules with {attempts} attempt{'s' * (attempts != 1)}"
        self.inner = inner  # keeps the engine the LM decodes with
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
