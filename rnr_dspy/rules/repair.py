"""Repair: the deterministic edits that make a response follow the rules it broke, where code can."""

from __future__ import annotations

from rnr_dspy.rules.artifacts import repair_artifacts
from rnr_dspy.rules.model import Rule, RuleVerdict

__all__ = ["repair"]

# Later repairs may break a rule that held before them (a dash turned into a comma under a no-commas rule): the
# rules are re-checked and repaired again, a bounded number of times.
_PASSES = 3


def repair(response: str, rules: list[Rule], verdicts: list[RuleVerdict], *, partial: bool = False) -> str | None:
    """The response with every broken checkable rule's `enforce()` applied, in the checkers' declared repair
    order, then again for any rule those repairs broke; None when a repair is impossible, changes nothing, or
    leaves text no person would write (`rnr_dspy.rules.artifacts`: a row is never worse than its answer).
    `partial`: a rule no edit can mend is left broken and the others are still repaired (the text then keeps
    those it could, for hindsight rules). Callers re-check the result (a refusal rule's verdict depends on the turn
    type, which this does not know)."""
    broken = {verdict.rule_id for verdict in verdicts if verdict.followed is False}
    checks = [rule.check for rule in rules if rule.check is not None]
    todo = [rule.check for rule in rules if rule.id in broken and rule.check is not None]
    text = response
    for _ in range(_PASSES):
        before = text
        for check in sorted(todo, key=lambda check: type(check).repair_order):
            if check.out_of_scope_only and check.evaluate(text).followed:
                return None  # it declined a request it should have answered: no edit can answer it
            fixed = check.enforce(text)
            if fixed is None and not partial:
                return None
            text = text if fixed is None else fixed
        todo = [check for check in checks if not check.out_of_scope_only and not check.evaluate(text).followed]
        # A pass that changed nothing changes nothing again (a partial repair keeps meeting the rules it cannot mend).
        if not todo or text == before:
            break
    if text == response or repair_artifacts(response, text, checks):
        return None
    return text
