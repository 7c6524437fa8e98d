"""How good a generated rule set is, independent of any response: so that an optimizer cannot raise the compile
metric by generating few, duplicate, contradictory or trivial rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnr_dspy.rules import Rule
from rnr_dspy.rules.rule_set import duplicate_rules

__all__ = ["RuleSetQuality", "rule_set_quality"]


@dataclass(frozen=True)
class RuleSetQuality:
    score: float
    problems: list[str] = field(default_factory=list)


def rule_set_quality(rules: list[Rule], *, min_rules: int = 2, max_rules: int = 5,
                     min_checkable_share: float = 0.5) -> RuleSetQuality:
    """1.0 for a sound rule set; each problem found takes a quarter off (never below 0)."""
    problems = []
    if not min_rules <= len(rules) <= max_rules:
        problems.append(f"{len(rules)} rules; expected {min_rules} to {max_rules}")
    if rules and sum(rule.checkable for rule in rules) / len(rules) < min_checkable_share:
        problems.append(f"fewer than {min_checkable_share:.0%} of the rules have a programmatic check")
    problems += duplicate_rules(rules) + _conflicts(rules) + _trivial(rules)
    return RuleSetQuality(score=max(0.0, 1.0 - 0.25 * len(problems)), problems=problems)


def _conflicts(rules: list[Rule]) -> list[str]:
    # Checkers marked `exclusive` (one opening, one ending, one language…) cannot hold twice with other values.
    by_name: dict[str, Rule] = {}
    problems = []
    for rule in rules:
        check = rule.check
        if check is None or not check.exclusive:
            continue
        earlier = by_name.setdefault(check.name, rule)
        if earlier is not rule and earlier.check != check:
            problems.append(f"{rule.id} contradicts {earlier.id} ({check.name})")
    return problems


def _trivial(rules: list[Rule]) -> list[str]:
    return [f"{rule.id} is trivially satisfied ({rule.check.name})" for rule in rules
            if rule.check is not None and rule.check.trivial()]
