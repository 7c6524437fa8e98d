"""Rules: the bottom layer every stage stands on.

The rule model and the one rendering of a system prompt (`model`), the registry of programmatic checkers
(`checkers`), the one verdict policy (`verdicts`), and what generation does with checkers: repair, sampling and
hindsight rules. This package imports nothing from the rest of rnr_dspy.
"""

from rnr_dspy.rules.checkers import REGISTRY, AnyCheck, Checker, CheckResult
from rnr_dspy.rules.held_out import HELD_OUT, is_held_out
from rnr_dspy.rules.model import (
    TURN_TYPES,
    Rule,
    RuleKind,
    RuleVerdict,
    SystemPrompt,
    TurnType,
    normalize_rules,
    render_system_prompt,
)
from rnr_dspy.rules.rule_set import duplicate_rules, rule_set_problems
from rnr_dspy.rules.verdicts import Adherence, decidable, decide, tally

__all__ = [
    "HELD_OUT", "REGISTRY", "TURN_TYPES", "Adherence", "AnyCheck", "CheckResult", "Checker", "Rule", "RuleKind",
    "RuleVerdict", "SystemPrompt", "TurnType", "decidable", "decide", "duplicate_rules", "is_held_out",
    "normalize_rules", "render_system_prompt", "rule_set_problems", "tally",
]
