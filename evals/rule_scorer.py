"""Scoring an answer rule by rule: each rule's check first; the judge LM for judge-only rules.

A verdict the judge did not give or that did not parse, and every judge-only rule when there is no judge, is
unknown (`followed=None`): an item passes only when every rule is known to be followed, fails as soon as one is
known to be broken, and is otherwise undecided (counted, not guessed).
"""

from __future__ import annotations

from typing import Any

import dspy

from rnr_dspy.evals.task import Sample, Score, Scorer
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.program.modules import RuleJudge
from rnr_dspy.rules import Rule, RuleVerdict, decide, tally

__all__ = ["item_passed", "rule_scorer"]


def rule_scorer(judge_lm: dspy.BaseLM | None = None) -> Scorer:
    """A scorer for samples carrying `metadata["rules"]` (and optionally `metadata["turn_type"]`)."""

    def score(sample: Sample, response: str) -> Score:
        rules = [Rule.model_validate(rule) for rule in sample.metadata["rules"]]
        turn_type = sample.metadata.get("turn_type")
        open_rules = [rule for rule in rules if not rule.checkable]
        judged = _judge(judge_lm, sample, response, open_rules) if open_rules and judge_lm is not None else None
        verdicts = decide(rules, response, turn_type=turn_type, judged=judged)
        ordered = [_record(rule, verdict) for rule, verdict in zip(rules, verdicts, strict=True)]
        checkable = [v["followed"] for v in ordered if v["method"] == "check"]
        return Score(
            value=item_passed([v["followed"] for v in ordered]),
            explanation=_explain(ordered),
            metadata={"verdicts": ordered, "checkable_pass": item_passed(checkable) if checkable else None},
        )

    return score


def item_passed(followed: list[bool | None]) -> float | None:
    """1.0 when every rule is followed, 0.0 when one is broken, None when the rest are unknown."""
    return tally(RuleVerdict(rule_id="", followed=value) for value in followed).outcome


def _judge(judge_lm: dspy.BaseLM, sample: Sample, response: str, rules: list[Rule]) -> list[RuleVerdict]:
    try:
        with dspy.context(lm=judge_lm, adapter=StructuredAdapter()):
            return RuleJudge(judge_lm=judge_lm)(system_prompt=sample.system or "", user=sample.user,
                                                response=response, rules=rules).verdicts
    except Exception as error:  # a judge that fails on one item leaves that item's verdicts unknown
        reason = f"judge failed: {type(error).__name__}: {error}"
        return [RuleVerdict(rule_id=rule.id, followed=None, reason=reason) for rule in rules]


def _record(rule: Rule, verdict: RuleVerdict) -> dict[str, Any]:
    return {"rule_id": rule.id, "kind": rule.kind, "text": rule.text, "followed": verdict.followed,
            "reason": verdict.reason, "method": "check" if rule.checkable else "judge"}


def _explain(verdicts: list[dict[str, Any]]) -> str:
    broken = [f"{v['rule_id']} ({v['kind']}) broken: {v['reason']}" for v in verdicts if v["followed"] is False]
    unknown = [f"{v['rule_id']} ({v['kind']}) unknown: {v['reason']}" for v in verdicts if v["followed"] is None]
    return "; ".join(broken + unknown) or "all rules followed"
