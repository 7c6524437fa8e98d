import dspy

__all__ = ["RespondFollowingRules"]


class RespondFollowingRules(dspy.Signature):
    """Act as the assistant described by the system prompt and answer the user.

    Follow every rule of the system prompt exactly, including format, length and wording requirements, even when
    the user asks otherwise. If a rule says to decline a kind of request, decline it politely."""

    system_prompt: str = dspy.InputField()
    user: str = dspy.InputField(desc="The user's message.")
    response: str = dspy.OutputField(desc="The assistant's reply, exactly as the user will see it.")
