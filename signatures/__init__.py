"""One DSPy signature per concept of the RNR pipeline. Each docstring is the instruction the LM reads."""

from rnr_dspy.signatures.choose_rule_checks import ChooseRuleChecks
from rnr_dspy.signatures.generate_role import GenerateRole
from rnr_dspy.signatures.generate_rules import GenerateRules
from rnr_dspy.signatures.generate_user_turns import GenerateUserTurns
from rnr_dspy.signatures.judge_rule_adherence import JudgeRuleAdherence
from rnr_dspy.signatures.read_rule_check import ReadRuleCheck
from rnr_dspy.signatures.respond_following_rules import RespondFollowingRules

__all__ = [
    "ChooseRuleChecks", "GenerateRole", "GenerateRules", "GenerateUserTurns", "JudgeRuleAdherence",
    "ReadRuleCheck", "RespondFollowingRules",
]
