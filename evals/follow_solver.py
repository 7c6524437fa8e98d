"""Answering samples through `FollowRules`: the model under test held to the rules it reads from each system
prompt (never the suite's own rule annotations), so an eval measures what a user of `FollowRules` gets.

Example:
    >>> generator = following_rules(make_generator("embedded", max_tokens=160), attempts=2)  # doctest: +SKIP
"""

from __future__ import annotations

import time

from rnr_dspy.errors import ConfigError
from rnr_dspy.evals.solvers import Generator, LMGenerator
from rnr_dspy.evals.task import Generation, Sample
from rnr_dspy.program.follow_rules import FollowRules
from rnr_dspy.runtime.masking import mask_credentials

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


class FollowRulesGenerator(LMGenerator):
    """An `LMGenerator` whose answers come from `FollowRules` over its LM; `calls` counts the model's answers."""

    def __init__(self, inner: LMGenerator, *, attempts: int) -> None:
        super().__init__(inner.lm, max_tokens=inner.max_tokens, temperature=inner.temperature,
                         concurrency=inner.concurrency)
        self.follow = FollowRules(inner.lm, attempts=attempts)
        self.precision = inner.precision
        self.backend = f"{inner.backend}, FollowRules with {attempts} attempt{'s' * (attempts != 1)}"
        self.inner = inner  # keeps the engine the LM decodes with
        self._attempts: list[int] = []  # appended from the answering threads

    @property
    def calls(self) -> int:
        return sum(self._attempts)

    def _answer(self, sample: Sample) -> Generation:
        start = time.perf_counter()
        try:
            prediction = self.follow(system_prompt=sample.system or "", user=sample.user)
        except Exception as error:  # recorded per item: one failed answer must not end the run
            self._attempts.append(1)
            return Generation(error=mask_credentials(f"{type(error).__name__}: {error}"),
                              seconds=time.perf_counter() - start)
        self._attempts.append(prediction.attempts)
        return Generation(text=prediction.response, seconds=time.perf_counter() - start)
