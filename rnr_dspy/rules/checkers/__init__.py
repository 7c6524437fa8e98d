"""The registry of programmatic rule checkers.

`AnyCheck` is the discriminated union of every registered checker: as a field type it validates a check's
name and typed parameters, and its JSON schema lets constrained decoding produce only valid checks.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

# The first three modules come first so the order of the union (and of its JSON schema) only grows at the end.
from rnr_dspy.rules.checkers import content, length, style  # isort: skip
from rnr_dspy.rules.checkers import case, language, markdown, persona, scope, structure  # isort: skip
from rnr_dspy.rules.checkers.base import REGISTRY, Checker, CheckResult, SampleContext, count_words

__all__ = ["REGISTRY", "AnyCheck", "CheckResult", "Checker", "SampleContext", "count_words"]

# Importing them registers their checkers.
_MODULES = (content, length, style, case, language, markdown, persona, scope, structure)

AnyCheck = Annotated[Union[tuple(REGISTRY.values())], Field(discriminator="name")]  # type: ignore[valid-type]  # noqa: UP007
