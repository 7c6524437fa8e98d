"""The held-out rule families: rule types that generation never draws, so that an evaluation on them measures
whether a model learned to follow rules it was never trained on, not the templates it saw.

About a fifth of the registry, across kinds. The sampler, hindsight rules and rule normalisation leave them out
unless asked (`include_held_out=True`); no LM is offered them (`rnr_dspy.rules.checkers.LM_CHOICES`).
"""

from __future__ import annotations

from rnr_dspy.rules.checkers import REGISTRY

__all__ = ["HELD_OUT", "is_held_out"]

HELD_OUT: frozenset[str] = frozenset(name for name, checker in REGISTRY.items() if checker.held_out)
"""The checkers whose class says `held_out = True`: about a fifth of the registry, across kinds."""


def is_held_out(name: str) -> bool:
    """Whether rules of checker `name` are held out of generation.

    >>> is_held_out("yaml_mapping"), is_held_out("max_words")
    (True, False)
    """
    return name in HELD_OUT
