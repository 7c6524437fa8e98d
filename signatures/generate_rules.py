from typing import Annotated

import dspy
from pydantic import Field

from rnr_dspy.rules import Rule

__all__ = ["GenerateRules"]


class GenerateRules(dspy.Signature):
    """Write the rules a developer would give the assistant with this role.

    Write 2 to 5 rules. Each rule is one clear sentence the assistant can follow in every answer: a format,
    length, style, tone, scope or safety requirement. Prefer rules that can be checked: when a rule matches a
    check in the schema, fill in that check with its parameters; otherwise set check to null. Rules must not
    contradict each other and must not simply repeat the example requests."""

    role: str = dspy.InputField()
    # Not `instructions`: that name is taken by dspy.Signature itself.
    seed_instructions: list[str] = dspy.InputField(desc="Example user requests this assistant would receive.")
    rules: Annotated[list[Rule], Field(min_length=2, max_length=5)] = dspy.OutputField()
