import dspy

from rnr_dspy.rules.checkers import LMCheck

__all__ = ["ReadRuleCheck"]


class ReadRuleCheck(dspy.Signature):
    """Decide whether code can check this rule from a system prompt, and with which check.

    Choose a check from the schema only if it decides exactly what the rule asks, with the rule's own values as
    its parameters. If the rule asks for more or less than any check decides, or depends on the situation, answer
    null: a person will judge it."""

    # Only rules the deterministic reader could not read reach the LM.
    rule: str = dspy.InputField(desc="One rule of a system prompt, as written.")
    check: LMCheck | None = dspy.OutputField()
