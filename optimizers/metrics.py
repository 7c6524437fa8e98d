"""The rule-adherence metric: pure arithmetic over per-rule verdicts.

Checkable rules are re-verified here from the response, so an optimizer cannot raise the score by changing
how the program's own judge answers; judge verdicts are used only for rules without a check.
"""

from __future__ import annotations

from typing import Any

import dspy

from rnr_dspy.optimizers.rule_quality import RuleSetQuality, rule_set_quality
from rnr_dspy.rules import Adherence, Rule, RuleVerdict, decide, tally

NO_RESPONSE = "the prediction has no response"

__all__ = ["NO_RESPONSE", "combined_score", "judged_rules", "rnr_feedback", "rnr_score", "rule_adherence"]


def judged_rules(pred: Any, example: Any = None) -> tuple[list[Rule], list[RuleVerdict]]:
    """A prediction's rules (plain dicts from a saved program are accepted) and its verdicts by the one verdict
    policy: each rule's check re-run on the response for the turn type, else the judge's verdict, else unknown.

    A prediction of the RNR program carries several `answers` (one per user turn): every answer's best attempt
    is decided, so the verdicts hold one entry per rule per answer. Any other prediction is one answer: its
    `response`, `verdicts` and `turn_type` (else the example's). A missing response leaves every rule unknown;
    a prediction without `rules` raises `ValueError`, since there is nothing to score it against.
    """
    if pred.get("rules") is None:
        raise ValueError("the prediction has no `rules` to score its response against")
    rules = [rule if isinstance(rule, Rule) else Rule.model_validate(rule) for rule in pred.get("rules")]
    answers = pred.get("answers")
    if answers:
        verdicts: list[RuleVerdict] = []
        for answer in answers:
            best = answer.best()
            verdicts += _decided(rules, best.response if best else None, answer.turn_type,
                                 best.verdicts if best else None)
        return rules, verdicts
    judged = [v if isinstance(v, RuleVerdict) else RuleVerdict.model_validate(v) for v in pred.get("verdicts") or []]
    turn_type = pred.get("turn_type") or (example.get("turn_type") if example is not None else None)
    return rules, _decided(rules, pred.get("response"), turn_type, judged)


def _decided(rules: list[Rule], response: str | None, turn_type: Any,
             judged: list[RuleVerdict] | None) -> list[RuleVerdict]:
    # No response is not an empty one: an empty answer would follow "no commas" and the like.
    if response is None:
        return [RuleVerdict(rule_id=rule.id, followed=None, reason=NO_RESPONSE, method="check" if rule.checkable
                            else "judge") for rule in rules]
    return decide(rules, response, turn_type=turn_type, judged=judged)


def combined_score(adherence: Adherence, quality: RuleSetQuality) -> float:
    """`rnr_score`'s value: the fraction of rules followed times the rule set's quality."""
    return adherence.fraction * quality.score


def rule_adherence(example: Any, pred: Any, trace: Any = None) -> float | bool:
    """DSPy metric: the fraction of rules the response followed; while bootstrapping (`trace` set), whether it
    followed all of them.

    `pred` needs `rules` (else `ValueError`) and `response` (without one every rule is unknown); its `verdicts`,
    if any, supply the judge's word on rules without a check.
    """
    adherence = tally(judged_rules(pred, example)[1])
    return adherence.passed if trace is not None else adherence.fraction


def rnr_score(example: Any, pred: Any, trace: Any = None) -> float | bool:
    """The compile metric: rule adherence times the quality of the rule set (see `rule_set_quality`), so a
    program cannot score by writing few, duplicate, contradictory or trivial rules. While bootstrapping, True only
    for a sound rule set whose every rule was followed."""
    _, _, adherence, quality = _assess(pred, example)
    if trace is not None:
        return adherence.passed and not quality.problems
    return combined_score(adherence, quality)


def rnr_feedback(gold: Any, pred: Any, trace: Any = None, pred_name: str | None = None,
                 pred_trace: Any = None) -> dspy.Prediction:
    """GEPA's metric: `rnr_score` plus feedback that names each violated or undecided rule and why, and the
    rule set's problems."""
    rules, verdicts, adherence, quality = _assess(pred, gold)
    text = {rule.id: rule.text for rule in rules}
    lines = [f"Rule {v.rule_id} ({text[v.rule_id]}) was {'violated' if v.followed is False else 'undecided'}:"
             f" {v.reason}" for v in verdicts if v.followed is not True]
    lines += [f"Rule set problem: {problem}" for problem in quality.problems]
    feedback = "\n".join(lines) or "Every rule was followed and the rule set is sound."
    return dspy.Prediction(score=combined_score(adherence, quality), feedback=feedback)


def _assess(pred: Any, example: Any) -> tuple[list[Rule], list[RuleVerdict], Adherence, RuleSetQuality]:
    rules, verdicts = judged_rules(pred, example)
    return rules, verdicts, tally(verdicts), rule_set_quality(rules)
