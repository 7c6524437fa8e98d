import dspy

from rnr_dspy.rules import Rule, RuleVerdict

__all__ = ["JudgeRuleAdherence"]


class JudgeRuleAdherence(dspy.Signature):
    """Decide, for each listed rule, whether the assistant's response follows it.

    Judge each rule on its own and strictly: a response follows a rule only if it meets the rule fully. Give one
    verdict per rule, with that rule's id, followed true or false, and a one-sentence reason quoting the part of
    the response that decides it."""

    system_prompt: str = dspy.InputField()
    user: str = dspy.InputField(desc="The user's message.")
    response: str = dspy.InputField(desc="The assistant's reply to judge.")
    rules: list[Rule] = dspy.InputField(desc="The rules to judge, with their ids.")
    verdicts: list[RuleVerdict] = dspy.OutputField()
