"""Scoring an answer rule by rule: each rule's check first; the judge LM for judge-only rules.

A verdict the judge did not give or that did not parse, and every judge-only rule when there is no judge, is
unknown (`followed=None`): an item passes only when every rule is known to be followed, fails as soon as one is
known to be broken, and is otherwise undecided (counted, not guessed).
"""

from __future__ import annotations

from typing import Any

import dspy

from rnr_dspy.evals.task import Sample, Score, Scorer
from rnr_dspy.types import Rule, RuleVerdict

__all__ = ["item_passed", "rule_scorer"]

NO_JUDGE = "judge-only rule and no judge LM was given"


def rule_scorer(judge_lm: dspy.BaseLM | None = None) -> Scorer:
    """A scorer for samples carrying `metadata["rules"]` (and optionally `metadata["turn_type"]`)."""

    def score(sample: Sample, response: str) -> Score:
        rules = [Rule.model_validate(rule) for rule in sample.metadata["rules"]]
        turn_type = sample.metadata.get("turn_type")
        verdicts = {rule.id: verdict for rule in rules if (verdict := rule.verify(response, turn_type))}
        open_rules = [rule for rule in rules if not rule.checkable]
        if open_rules:
            verdicts |= _judge(judge_lm, sample, response, open_rules)
        ordered = [_record(rule, verdicts.get(rule.id)) for rule in rules]
        checkable = [v["followed"] for v in ordered if v["method"] == "check"]
        return Score(
            value=item_passed([v["followed"] for v in ordered]),
            explanation=_explain(ordered),
            metadata={"verdicts": ordered, "checkable_pass": item_passed(checkable) if checkable else None},
        )

    return score


def item_passed(followed: list[bool | None]) -> float | None:
    """1.0 when every rule is followed, 0.0 when one is broken, None when the rest are unknown."""
    if any(value is False for value in followed):
        return 0.0
    return None if any(value is None for value in followed) else 1.0


def _judge(judge_lm: dspy.BaseLM | None, sample: Sample, response: str,
           rules: list[Rule]) -> dict[str, RuleVerdict]:
    if judge_lm is None:
        return {rule.id: RuleVerdict(rule_id=rule.id, followed=None, reason=NO_JUDGE) for rule in rules}
    from rnr_dspy.adapter import StructuredAdapter
    from rnr_dspy.modules import RuleJudge

    try:
        with dspy.context(lm=judge_lm, adapter=StructuredAdapter()):
            verdicts = RuleJudge(judge_lm=judge_lm)(system_prompt=sample.system or "", user=sample.user,
                                                    response=response, rules=rules).verdicts
    except Exception as error:  # a judge that fails on one item leaves that item's verdicts unknown
        reason = f"judge failed: {type(error).__name__}: {error}"
        return {rule.id: RuleVerdict(rule_id=rule.id, followed=None, reason=reason) for rule in rules}
    return {verdict.rule_id: verdict for verdict in verdicts}


def _record(rule: Rule, verdict: RuleVerdict | None) -> dict[str, Any]:
    verdict = verdict or RuleVerdict(rule_id=rule.id, followed=None, reason="judge gave no verdict")
    return {"rule_id": rule.id, "kind": rule.kind, "text": rule.text, "followed": verdict.followed,
            "reason": verdict.reason, "method": "check" if rule.checkable else "judge"}


def _explain(verdicts: list[dict[str, Any]]) -> str:
    broken = [f"{v['rule_id']} ({v['kind']}) broken: {v['reason']}" for v in verdicts if v["followed"] is False]
    unknown = [f"{v['rule_id']} ({v['kind']}) unknown: {v['reason']}" for v in verdicts if v["followed"] is None]
    return "; ".join(broken + unknown) or "all rules followed"
