"""Repair: the deterministic edits that make a response follow the rules it broke, where code can."""

from __future__ import annotations

from rnr_dspy.rules.model import Rule, RuleVerdict

__all__ = ["repair"]


def repair(response: str, rules: list[Rule], verdicts: list[RuleVerdict]) -> str | None:
    """The response with every broken checkable rule's `enforce()` applied, in the checkers' declared repair
    order; None when a repair is impossible or changes nothing. Callers re-check the result."""
    broken = {verdict.rule_id for verdict in verdicts if verdict.followed is False}
    checks = sorted((rule.check for rule in rules if rule.id in broken and rule.check is not None),
                    key=lambda check: type(check).repair_order)
    text: str | None = response
    for check in checks:
        text = check.enforce(text) if text is not None else None
    return text if text is not None and text != response else None
