"""Rules drawn from the checker registry without an LM, for a teacher too weak to write or choose them.

A system prompt gets its role's scope rule and 1 to 6 more rules, each of a different type drawn from the whole
registry (held-out types aside), with parameters drawn from the ranges and word lists each checker declares and
from the group's own instructions, worded by one of the check's phrasings. No rule joins one it conflicts with
(`rnr_dspy.rules.compat`). Every rule is decided by code, so the checkers' repairs can turn the teacher's answers
into passing rows.
"""

from __future__ import annotations

import random

from rnr_dspy.rules.checkers import REGISTRY, Checker, SampleContext
from rnr_dspy.rules.compat import compatible
from rnr_dspy.rules.held_out import is_held_out
from rnr_dspy.rules.model import Rule, normalize_rules

__all__ = ["MAX_EXTRA_RULES", "drawable", "sample_rules"]

MAX_EXTRA_RULES = 6
_SCOPE_TRIES = 8


def drawable(include_held_out: bool = False) -> list[type[Checker]]:
    """The checker types the sampler draws from."""
    return [checker for name, checker in REGISTRY.items() if include_held_out or not is_held_out(name)]


def sample_rules(instructions: list[str], theme: str, seed: str, *, include_held_out: bool = False) -> list[Rule]:
    """A scope rule and 1 to 6 compatible registry rules, the same for the same `seed`.

    >>> rules = sample_rules(["How do I fix a flat tyre?"], "cycling", "7")
    >>> rules[-1].kind, 2 <= len(rules) <= 7
    ('scope', True)
    """
    context = SampleContext(rng=random.Random(seed), instructions=instructions, theme=theme)
    rng = context.rng
    pool = drawable(include_held_out)
    wanted = rng.randint(1, MAX_EXTRA_RULES)
    chosen: list[Checker] = []
    for checker in rng.sample(pool, len(pool)):
        if len(chosen) >= wanted:
            break
        if checker.family != "scope":
            _add(checker, context, chosen)
    # The scope rule comes last, drawn until one suits the rules already chosen.
    scope = [checker for checker in pool if checker.family == "scope"]
    for checker in rng.sample(scope, len(scope)) * _SCOPE_TRIES:
        if _add(checker, context, chosen):
            break
    return normalize_rules([Rule(text="-", check=check) for check in chosen], seed=seed,
                           include_held_out=include_held_out)


def _add(checker: type[Checker], context: SampleContext, chosen: list[Checker]) -> bool:
    check = checker.sample(context)
    if check is None or check.trivial() or not compatible(check, chosen):
        return False
    chosen.append(check)
    return True
