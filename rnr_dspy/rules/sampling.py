"""Rules drawn from the checker registry without an LM, for a teacher too weak to write or choose them.

Every checker that declares a `family` and a `sample()` can be drawn; rules never share a system prompt with a
rule they clash with (same family, or a ban on what another rule requires). Every rule is decided by code, so the
checkers' repairs can turn the teacher's answers into passing rows.
"""

from __future__ import annotations

import random

from rnr_dspy.rules.checkers import REGISTRY, Checker, SampleContext
from rnr_dspy.rules.checkers.scope import RefusalPhrase
from rnr_dspy.rules.model import Rule, normalize_rules

__all__ = ["sample_rules"]


def sample_rules(instructions: list[str], theme: str, seed: str) -> list[Rule]:
    """2 to 4 compatible registry rules, the same for the same `seed`; a refusal rule more often than not."""
    context = SampleContext(rng=random.Random(seed), instructions=instructions, theme=theme)
    rng = context.rng
    wanted = rng.randint(2, 4)
    chosen: list[Checker] = []
    if rng.random() < 0.6 and (refusal := RefusalPhrase.sample(context)) is not None:
        chosen.append(refusal)
    drawable = [checker for checker in REGISTRY.values() if checker.family is not None]
    for checker in rng.sample(drawable, len(drawable)):
        if len(chosen) >= wanted:
            break
        check = checker.sample(context)
        if check is not None and not any(check.clashes_with(other) or other.clashes_with(check) for other in chosen):
            chosen.append(check)
    return normalize_rules([Rule(text="-", check=check) for check in chosen])
