from typing import Annotated

import dspy
from pydantic import Field

from rnr_dspy.rules.checkers import LMCheck

__all__ = ["ChooseRuleChecks"]


class ChooseRuleChecks(dspy.Signature):
    """Choose the rules a developer would give the assistant with this role, as checks from the schema.

    Choose 2 to 5 different checks that suit the role and its users, with sensible parameters: a length limit
    that leaves room for a useful answer, phrases and words that fit the role's voice. The checks must not
    contradict each other."""

    role: str = dspy.InputField()
    # Not `instructions`: that name is taken by dspy.Signature itself.
    seed_instructions: list[str] = dspy.InputField(desc="Example user requests this assistant would receive.")
    # A weak model writes only the checks; each rule's text is rendered from its check. It is offered the checks of
    # `LM_CHOICES`, never a held-out type.
    checks: Annotated[list[LMCheck], Field(min_length=2, max_length=5)] = dspy.OutputField()
