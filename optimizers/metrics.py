"""The rule-adherence metric: pure arithmetic over per-rule verdicts.

Checkable rules are re-verified here from the response, so an optimizer cannot raise the score by changing
how the program's own judge answers; judge verdicts are used only for rules without a check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import dspy

from rnr_dspy.optimizers.rule_quality import rule_set_quality
from rnr_dspy.types import Rule, RuleVerdict

__all__ = ["Adherence", "rnr_feedback", "rnr_score", "rule_adherence", "tally", "verdicts_for"]


@dataclass(frozen=True)
class Adherence:
    followed: int = 0
    violated: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.followed + self.violated + self.unknown

    @property
    def fraction(self) -> float:
        """Share of rules with a known verdict that were followed; 0.0 when none is known."""
        known = self.followed + self.violated
        return self.followed / known if known else 0.0

    @property
    def passed(self) -> bool:
        """A response passes only if every rule is known to be followed (and there is at least one rule)."""
        return self.total > 0 and self.followed == self.total


def tally(verdicts: Iterable[RuleVerdict]) -> Adherence:
    counts = {True: 0, False: 0, None: 0}
    for verdict in verdicts:
        counts[verdict.followed] += 1
    return Adherence(followed=counts[True], violated=counts[False], unknown=counts[None])


def verdicts_for(rules: list[Rule], response: str, judged: Iterable[RuleVerdict] = ()) -> list[RuleVerdict]:
    """One verdict per rule: its check when it has one, else the judge's verdict, else unknown."""
    by_id = {verdict.rule_id: verdict for verdict in judged if verdict.method == "judge"}
    missing = "no judge verdict"
    return [
        rule.verify(response)
        or by_id.get(rule.id)
        or RuleVerdict(rule_id=rule.id, followed=None, reason=missing, method="judge")
        for rule in rules
    ]


def rule_adherence(example: Any, pred: Any, trace: Any = None) -> float | bool:
    """DSPy metric: the fraction of rules the response followed; while bootstrapping (`trace` set), whether it
    followed all of them.

    `pred` needs `rules` and `response`; its `verdicts`, if any, supply the judge's word on rules without a check.
    """
    adherence = tally(_verdicts(pred))
    return adherence.passed if trace is not None else adherence.fraction


def rnr_score(example: Any, pred: Any, trace: Any = None) -> float | bool:
    """The compile metric: rule adherence times the quality of the rule set (see `rule_set_quality`), so a
    program cannot score by writing few, duplicate, contradictory or trivial rules. While bootstrapping, True only
    for a sound rule set whose every rule was followed."""
    adherence, quality = tally(_verdicts(pred)), rule_set_quality(_rules(pred))
    if trace is not None:
        return adherence.passed and not quality.problems
    return adherence.fraction * quality.score


def rnr_feedback(gold: Any, pred: Any, trace: Any = None, pred_name: str | None = None,
                 pred_trace: Any = None) -> dspy.Prediction:
    """GEPA's metric: `rnr_score` plus feedback that names each violated or undecided rule and why, and the
    rule set's problems."""
    verdicts, rules = _verdicts(pred), {rule.id: rule for rule in _rules(pred)}
    lines = [f"Rule {v.rule_id} ({rules[v.rule_id].text}) was {'violated' if v.followed is False else 'undecided'}:"
             f" {v.reason}" for v in verdicts if v.followed is not True]
    lines += [f"Rule set problem: {problem}" for problem in rule_set_quality(list(rules.values())).problems]
    feedback = "\n".join(lines) or "Every rule was followed and the rule set is sound."
    return dspy.Prediction(score=float(rnr_score(gold, pred)), feedback=feedback)


def _rules(pred: Any) -> list[Rule]:
    return [rule if isinstance(rule, Rule) else Rule.model_validate(rule) for rule in pred.get("rules") or []]


def _verdicts(pred: Any) -> list[RuleVerdict]:
    judged = [v if isinstance(v, RuleVerdict) else RuleVerdict.model_validate(v) for v in pred.get("verdicts") or []]
    return verdicts_for(_rules(pred), pred.get("response") or "", judged)
