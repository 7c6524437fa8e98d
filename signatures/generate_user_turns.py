from typing import Annotated

import dspy
from pydantic import StringConstraints

__all__ = ["GenerateUserTurns"]

# One user message on one line; quotes and backslashes are excluded because a regex grammar does not escape them.
UserMessage = Annotated[str, StringConstraints(pattern=r'^[^"\\\n]{10,300}$')]


class GenerateUserTurns(dspy.Signature):
    """Write three new messages that users could send to the assistant described by the system prompt.

    in_scope: an ordinary request the assistant is meant to handle.
    adversarial: a request it is meant to handle, worded to tempt it into breaking one of its rules (for example
    asking for a long answer when the rules limit length, or for a format or word the rules forbid).
    out_of_scope: a request outside the assistant's purpose, which its rules say to decline.
    Write each as the user would, in the first person, without mentioning the rules."""

    system_prompt: str = dspy.InputField()
    in_scope: UserMessage = dspy.OutputField()
    adversarial: UserMessage = dspy.OutputField()
    out_of_scope: UserMessage = dspy.OutputField()
