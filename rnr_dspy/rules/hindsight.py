"""Hindsight rules: registry rules that a response already follows, so that a response the teacher wrote anyway
becomes a row that passes by construction and still teaches the model to condition on its rules."""

from __future__ import annotations

import random

from pydantic import ValidationError

from rnr_dspy.rules.checkers import REGISTRY, Checker
from rnr_dspy.rules.compat import compatible
from rnr_dspy.rules.held_out import is_held_out
from rnr_dspy.rules.model import Rule, normalize_rules

__all__ = ["hindsight_rules"]


def hindsight_rules(response: str, kept: list[Rule], seed: str, total: int = 3, *,
                    include_held_out: bool = False) -> list[Rule] | None:
    """`kept` rules plus registry rules the response follows (each checker's `read_off`), at least one new and
    `total` in all, none conflicting with another; None when the response offers too few (it is empty, say). Every
    rule returned is checked against the response; held-out types are left out unless `include_held_out`."""
    text = response.strip()
    candidates = [check for name, checker in REGISTRY.items() if include_held_out or not is_held_out(name)
                  if (check := _read_off(checker, text)) is not None]
    random.Random(seed).shuffle(candidates)
    chosen = [rule.check for rule in kept if rule.check is not None]
    names = {check.name for check in chosen}
    added: list[Rule] = []
    for check in candidates:
        if len(kept) + len(added) >= max(total, len(kept) + 1):
            break
        if (check.name not in names and not check.trivial() and check.evaluate(response).followed
                and compatible(check, chosen)):
            names.add(check.name)
            chosen.append(check)
            added.append(Rule(text="-", check=check))
    if not added or len(kept) + len(added) < 2:
        return None
    return normalize_rules([*kept, *added], seed=seed, include_held_out=include_held_out)


def _read_off(checker: type[Checker], text: str) -> Checker | None:
    try:
        return checker.read_off(text)
    except ValidationError:  # a value outside the checker's declared range (closing words that are a long URL)
        return None
