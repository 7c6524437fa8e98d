from typing import Annotated

import dspy
from pydantic import StringConstraints

__all__ = ["GenerateRole"]


class GenerateRole(dspy.Signature):
    """Write the role of an AI assistant that would receive requests like the example instructions.

    The role is one short paragraph in the second person that starts with "You are". Say who the assistant is,
    whom it serves and what it is for. Make it specific to the examples' shared theme, not a generic helper."""

    # Not `instructions`: that name is taken by dspy.Signature itself.
    seed_instructions: list[str] = dspy.InputField(desc="Example user requests this assistant would receive.")
    # The pattern reaches constrained decoders through the JSON schema: small models otherwise stop after
    # "You are" or ramble; quotes and backslashes are excluded because a regex grammar does not escape them.
    role: Annotated[str, StringConstraints(pattern=r'^You are [^"\\\n]{30,400}$')] = dspy.OutputField(
        desc='One paragraph starting with "You are".'
    )
