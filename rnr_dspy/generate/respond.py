"""Answer one prompt under its rules: sample responses (best of N, or DSPy's Refine) until one follows every rule,
then, where none did, repair the best one and build hindsight rules from it. Every attempt is kept."""

from __future__ import annotations

from typing import Any

import dspy

from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.quality import response_problems
from rnr_dspy.generate.records import Attempt
from rnr_dspy.modules import RuleFollowingResponder, RuleJudge
from rnr_dspy.rules import Rule, RuleVerdict, TurnType, render_system_prompt
from rnr_dspy.rules.hindsight import hindsight_rules
from rnr_dspy.rules.repair import repair

__all__ = ["answer_prompt"]

def answer_prompt(responder: RuleFollowingResponder, judge: RuleJudge, config: GenerateConfig, *,
                  system_prompt: str, user: str, rules: list[Rule], turn_type: TurnType, role: str,
                  key: str) -> list[Attempt]:
    def judged(response: str) -> tuple[list[RuleVerdict], bool, list[str]]:
        verdicts = judge(system_prompt=system_prompt, user=user, response=response, rules=rules,
                         turn_type=turn_type).verdicts
        problems = response_problems(response, rules)  # the quality gate: never a pass, whatever the verdicts
        return verdicts, all(v.followed is True for v in verdicts) and not problems, problems

    attempts: list[Attempt] = []
    errors = _Errors()

    def reward(_: dict[str, Any], prediction: dspy.Prediction) -> float:
        if prediction.response is None:
            return 0.0
        verdicts, passed, problems = judged(prediction.response)
        attempts.append(Attempt(response=prediction.response, verdicts=verdicts, passed=passed, problems=problems))
        return 0.0 if problems else sum(v.followed is True for v in verdicts) / max(1, len(verdicts))

    inputs = {"system_prompt": system_prompt, "user": user}
    if config.strategy == "refine":
        dspy.Refine(module=_Kept(responder, errors), N=config.attempts, reward_fn=reward, threshold=1.0)(**inputs)
    else:
        # DSPy's BestOfN samples at a fixed temperature of 1.0, prints and drops errors: the same loop, kept here.
        lm = dspy.settings.lm
        for rollout in range(config.attempts):
            sampling = lm.copy(rollout_id=rollout, temperature=config.response_temperature,
                               max_tokens=config.response_max_tokens)
            with dspy.context(lm=sampling):
                if reward(inputs, _Kept(responder, errors)(**inputs)) >= 1.0:
                    break
    if not attempts and errors:
        raise errors[-1]
    if not attempts or any(a.passed for a in attempts):
        return attempts
    best = max(attempts, key=lambda a: (not a.problems, sum(v.followed is True for v in a.verdicts)))
    if config.repair and (repaired := repair(best.response, rules, best.verdicts)) is not None:
        verdicts, passed, problems = judged(repaired)
        attempts.append(Attempt(response=repaired, verdicts=verdicts, passed=passed, method="repaired",
                                problems=problems))
        if passed:
            return attempts
    if config.hindsight:
        # Only checkable rules: a hindsight row passes by code, not by a judge's word.
        followed = {v.rule_id for v in best.verdicts if v.followed is True}
        kept = [rule for rule in rules if rule.id in followed and rule.checkable]
        new_rules = hindsight_rules(best.response, kept, seed=key)
        if new_rules is not None:
            verdicts = [v for rule in new_rules if (v := rule.verify(best.response, turn_type)) is not None]
            problems = response_problems(best.response, new_rules)
            attempts.append(Attempt(response=best.response, verdicts=verdicts, method="hindsight",
                                    passed=all(v.followed is True for v in verdicts) and not problems,
                                    problems=problems, rules=new_rules,
                                    system_prompt=render_system_prompt(role, new_rules)))
    return attempts


class _Errors(list[Exception]):
    # Shared, not copied, when Refine deep-copies the module holding it.
    def __deepcopy__(self, memo: dict[int, Any]) -> _Errors:
        return self


class _Kept(dspy.Module):
    """The responder with its errors kept for the record instead of raised into a sampler that prints them."""

    def __init__(self, responder: RuleFollowingResponder, errors: _Errors) -> None:
        super().__init__()
        self.responder, self.errors = responder, errors

    def forward(self, **inputs: Any) -> dspy.Prediction:
        try:
            return self.responder(**inputs)
        except Exception as error:  # an LM or parse failure of one attempt
            self.errors.append(error)
            return dspy.Prediction(response=None)

