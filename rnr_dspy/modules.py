"""The RNR stages as thin DSPy modules: role, rules, user turns, response, verdicts. `rnr_dspy.program` composes
them into the per-group flow."""

from __future__ import annotations

from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy.rules import TURN_TYPES, Rule, RuleVerdict, TurnType, decide, normalize_rules
from rnr_dspy.signatures import (
    ChooseRuleChecks,
    GenerateRole,
    GenerateRules,
    GenerateUserTurns,
    JudgeRuleAdherence,
    RespondFollowingRules,
)

__all__ = ["RoleGenerator", "RuleFollowingResponder", "RuleGenerator", "RuleJudge", "UserTurnGenerator"]


class RoleGenerator(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(GenerateRole)

    def forward(self, instructions: list[str]) -> dspy.Prediction:
        return dspy.Prediction(role=self.generate(seed_instructions=instructions).role.strip())

    async def aforward(self, instructions: list[str]) -> dspy.Prediction:
        return dspy.Prediction(role=(await self.generate.acall(seed_instructions=instructions)).role.strip())


class RuleGenerator(dspy.Module):
    """Rules for a role. With `checks_only`, the LM only chooses registry checks and each rule's text is rendered
    from its check: every rule is then decided by code (the setting for a weak teacher)."""

    def __init__(self, checks_only: bool = False) -> None:
        super().__init__()
        self.checks_only = checks_only
        self.generate = dspy.Predict(ChooseRuleChecks if checks_only else GenerateRules)

    def forward(self, role: str, instructions: list[str]) -> dspy.Prediction:
        return self._rules(self.generate(role=role, seed_instructions=instructions))

    async def aforward(self, role: str, instructions: list[str]) -> dspy.Prediction:
        return self._rules(await self.generate.acall(role=role, seed_instructions=instructions))

    def _rules(self, prediction: dspy.Prediction) -> dspy.Prediction:
        if self.checks_only:
            return dspy.Prediction(rules=normalize_rules([{"text": "-", "check": c} for c in prediction.checks]))
        return dspy.Prediction(rules=normalize_rules(prediction.rules))


class UserTurnGenerator(dspy.Module):
    """New user turns for a system prompt: `turns` is a list of (turn type, message)."""

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(GenerateUserTurns)

    def forward(self, system_prompt: str) -> dspy.Prediction:
        return _turns(self.generate(system_prompt=system_prompt))

    async def aforward(self, system_prompt: str) -> dspy.Prediction:
        return _turns(await self.generate.acall(system_prompt=system_prompt))


class RuleFollowingResponder(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.respond = dspy.Predict(RespondFollowingRules)

    def forward(self, system_prompt: str, user: str) -> dspy.Prediction:
        return dspy.Prediction(response=self.respond(system_prompt=system_prompt, user=user).response)

    async def aforward(self, system_prompt: str, user: str) -> dspy.Prediction:
        return dspy.Prediction(response=(await self.respond.acall(system_prompt=system_prompt, user=user)).response)


class RuleJudge(dspy.Module):
    """Verdicts for every rule: its check where it has one, the judge LM for the rest.

    A judge reply that does not parse, or that skips a rule, gives `followed=None` (unknown): counted, never
    guessed. Pass `judge_lm` to judge with another LM than the one in the current DSPy context, or
    `use_judge=False` to decide only checkable rules (the others stay unknown: a weak model's judgement is noise).
    """

    def __init__(self, judge_lm: dspy.BaseLM | None = None, use_judge: bool = True) -> None:
        super().__init__()
        self.judge = dspy.Predict(JudgeRuleAdherence)
        self._judge_lm = judge_lm
        self._use_judge = use_judge

    def forward(self, system_prompt: str, user: str, response: str, rules: list[Rule],
                turn_type: TurnType | None = None) -> dspy.Prediction:
        open_rules = [rule for rule in rules if not rule.checkable]
        judged = None
        if open_rules and self._use_judge:
            judged = self._parsed(lambda: self.judge(system_prompt=system_prompt, user=user, response=response,
                                                     rules=open_rules).verdicts, open_rules)
        return dspy.Prediction(verdicts=decide(rules, response, turn_type=turn_type, judged=judged))

    async def aforward(self, system_prompt: str, user: str, response: str, rules: list[Rule],
                       turn_type: TurnType | None = None) -> dspy.Prediction:
        open_rules = [rule for rule in rules if not rule.checkable]
        judged = None
        if open_rules and self._use_judge:
            with dspy.context(**self._context()):
                try:
                    judged = (await self.judge.acall(system_prompt=system_prompt, user=user, response=response,
                                                     rules=open_rules)).verdicts
                except AdapterParseError as error:
                    judged = _unparsed(open_rules, error)
        return dspy.Prediction(verdicts=decide(rules, response, turn_type=turn_type, judged=judged))

    def _context(self) -> dict[str, Any]:
        return {"lm": self._judge_lm} if self._judge_lm is not None else {}

    def _parsed(self, judge: Any, rules: list[Rule]) -> list[RuleVerdict]:
        try:
            with dspy.context(**self._context()):
                return judge()
        except AdapterParseError as error:
            return _unparsed(rules, error)


def _unparsed(rules: list[Rule], error: AdapterParseError) -> list[RuleVerdict]:
    return [RuleVerdict(rule_id=rule.id, followed=None, reason=f"judge reply did not parse: {error}") for rule in rules]


def _turns(prediction: dspy.Prediction) -> dspy.Prediction:
    return dspy.Prediction(turns=[(kind, getattr(prediction, kind).strip()) for kind in TURN_TYPES])
