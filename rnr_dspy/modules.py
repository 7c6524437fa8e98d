"""The RNR program as thin DSPy modules: role → rules → response → verdicts.

Each module holds its outputs to its signature's constraints (a role's opening and length, 2-5 rules, none
repeated) whichever adapter parsed them, and raises `AdapterParseError` otherwise; with no adapter in the DSPy
context it brings `StructuredAdapter`, which states and enforces those constraints (DSPy's default ChatAdapter
does neither, and a small model then loops or repeats itself without an error).
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy.adapter import StructuredAdapter, check_outputs
from rnr_dspy.rules import (
    TURN_TYPES,
    Rule,
    RuleVerdict,
    TurnType,
    decide,
    normalize_rules,
    render_system_prompt,
    rule_set_problems,
)
from rnr_dspy.signatures import (
    ChooseRuleChecks,
    GenerateRole,
    GenerateRules,
    GenerateUserTurns,
    JudgeRuleAdherence,
    RespondFollowingRules,
)

__all__ = ["RNRProgram", "RoleGenerator", "RuleFollowingResponder", "RuleGenerator", "RuleJudge", "UserTurnGenerator"]


# A user turn is a request in words: a weak model otherwise writes strings of numbers ("1.2,3.4,5.6").
_WORD = re.compile(r"[^\W\d_]{2,}")
_MIN_TURN_WORDS = 3


def _structured() -> AbstractContextManager[Any]:
    """`StructuredAdapter` unless the caller's DSPy context already chose an adapter."""
    return nullcontext() if dspy.settings.adapter is not None else dspy.context(adapter=StructuredAdapter())


def _checked(predictor: dspy.Predict, **inputs: Any) -> dspy.Prediction:
    """The predictor's outputs, held to its signature's field constraints."""
    with _structured():
        prediction = predictor(**inputs)
        check_outputs(predictor.signature, dict(prediction.items()), by=type(dspy.settings.adapter).__name__)
    return prediction


class RoleGenerator(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(GenerateRole)

    def forward(self, instructions: list[str]) -> dspy.Prediction:
        return dspy.Prediction(role=_checked(self.generate, seed_instructions=instructions).role.strip())


class RuleGenerator(dspy.Module):
    """Rules for a role. With `checks_only`, the LM only chooses registry checks and each rule's text is rendered
    from its check: every rule is then decided by code (the setting for a weak teacher)."""

    def __init__(self, checks_only: bool = False) -> None:
        super().__init__()
        self.checks_only = checks_only
        self.generate = dspy.Predict(ChooseRuleChecks if checks_only else GenerateRules)

    def forward(self, role: str, instructions: list[str]) -> dspy.Prediction:
        prediction = _checked(self.generate, role=role, seed_instructions=instructions)
        if self.checks_only:
            rules = normalize_rules([{"text": "-", "check": check} for check in prediction.checks])
        else:
            rules = normalize_rules(prediction.rules)
        problems = rule_set_problems(rules, instructions)
        if problems:
            raise AdapterParseError(adapter_name=type(self).__name__, signature=self.generate.signature,
                                    lm_response=render_system_prompt("", rules)[:1000],
                                    message="rule set rejected: " + "; ".join(problems))
        return dspy.Prediction(rules=rules)


class UserTurnGenerator(dspy.Module):
    """New user turns for a system prompt: `turns` is a list of (turn type, message)."""

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(GenerateUserTurns)

    def forward(self, system_prompt: str) -> dspy.Prediction:
        prediction = _checked(self.generate, system_prompt=system_prompt)
        turns = [(kind, getattr(prediction, kind).strip()) for kind in TURN_TYPES]
        wordless = [kind for kind, text in turns if len(_WORD.findall(text)) < _MIN_TURN_WORDS]
        if wordless:
            raise AdapterParseError(adapter_name=type(self).__name__, signature=self.generate.signature,
                                    lm_response=repr(turns)[:1000],
                                    message=f"user turns rejected: {', '.join(wordless)} has fewer than "
                                            f"{_MIN_TURN_WORDS} words")
        return dspy.Prediction(turns=turns)


class RuleFollowingResponder(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.respond = dspy.Predict(RespondFollowingRules)

    def forward(self, system_prompt: str, user: str) -> dspy.Prediction:
        return dspy.Prediction(response=_checked(self.respond, system_prompt=system_prompt, user=user).response)


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
        judged = self._judge(system_prompt, user, response, open_rules) if open_rules and self._use_judge else None
        return dspy.Prediction(verdicts=decide(rules, response, turn_type=turn_type, judged=judged))

    def _judge(self, system_prompt: str, user: str, response: str, rules: list[Rule]) -> list[RuleVerdict]:
        context: dict[str, Any] = {"lm": self._judge_lm} if self._judge_lm is not None else {}
        try:
            with dspy.context(**context):
                return _checked(self.judge, system_prompt=system_prompt, user=user, response=response,
                                rules=rules).verdicts
        except AdapterParseError as error:
            reason = f"judge reply did not parse: {error}"
            return [RuleVerdict(rule_id=rule.id, followed=None, reason=reason) for rule in rules]


class RNRProgram(dspy.Module):
    """The RNR pipeline on one group of instructions that share a theme.

    Example:
        >>> program = RNRProgram()
        >>> with dspy.context(lm=make_lm("embedded"), adapter=StructuredAdapter()):  # doctest: +SKIP
        ...     pred = program(instructions=["Plan a 3-day trip to Kyoto.", "What should I pack for Iceland?"])
        >>> pred.system_prompt, pred.response, pred.verdicts  # doctest: +SKIP
    """

    def __init__(self, judge_lm: dspy.BaseLM | None = None, use_judge: bool = True, checks_only: bool = False) -> None:
        super().__init__()
        self.role_generator = RoleGenerator()
        self.rule_generator = RuleGenerator(checks_only=checks_only)
        self.turn_generator = UserTurnGenerator()
        self.responder = RuleFollowingResponder()
        self.judge = RuleJudge(judge_lm=judge_lm, use_judge=use_judge)

    def forward(self, instructions: list[str], user: str | None = None,
                turn_type: TurnType = "in_scope") -> dspy.Prediction:
        user = user or instructions[0]
        role = self.role_generator(instructions=instructions).role
        rules = self.rule_generator(role=role, instructions=instructions).rules
        system_prompt = render_system_prompt(role, rules)
        response = self.responder(system_prompt=system_prompt, user=user).response
        verdicts = self.judge(system_prompt=system_prompt, user=user, response=response, rules=rules,
                              turn_type=turn_type).verdicts
        return dspy.Prediction(role=role, rules=rules, system_prompt=system_prompt, user=user, turn_type=turn_type,
                               response=response, verdicts=verdicts)

