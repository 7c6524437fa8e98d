"""The registry of programmatic rule checkers, one module per kind of rule.

`AnyCheck` is the discriminated union of every registered checker: as a field type it validates a check's name
and typed parameters. `LMCheck` is the union of the checks an LM is offered (`LM_CHOICES`): its JSON schema is what
constrained decoding lets an LM write, and what a prompt describes.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

# Importing a module registers its checkers.
from rnr_dspy.rules.checkers import (  # noqa: F401
    blocks,
    case,
    content,
    counting,
    formats,
    language,
    length,
    lists,
    markdown,
    numbers,
    openings,
    persona,
    placement,
    punctuation,
    repetition,
    scope,
    sections,
    sentences,
    typography,
)
from rnr_dspy.rules.checkers.base import (
    REGISTRY,
    WORDING_STYLES,
    Checker,
    CheckResult,
    SampleContext,
    count_words,
    theme_topic,
)

__all__ = [
    "LM_CHOICES", "REGISTRY", "WORDING_STYLES", "AnyCheck", "CheckResult", "Checker", "LMCheck", "SampleContext",
    "count_words", "theme_topic",
]


def _union(names: tuple[str, ...]) -> Any:
    return Annotated[Union[tuple(REGISTRY[name] for name in names)], Field(discriminator="name")]  # noqa: UP007


AnyCheck = _union(tuple(REGISTRY))

# The checks an LM chooses from, in the order its schema lists them (each checker's `lm_choice`): the embedded
# model's constrained decoding and prompts were measured with this list. Every other type reaches training data
# through the sampler and hindsight rules; no held-out type is ever offered.
_OFFERED = [name for name, checker in REGISTRY.items() if checker.lm_choice is not None]
LM_CHOICES: tuple[str, ...] = tuple(sorted(_OFFERED,
                                           key=lambda name: REGISTRY[name].lm_choice or 0))
LMCheck = _union(LM_CHOICES)
