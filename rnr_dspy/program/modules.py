"""The RNR stages as thin DSPy modules: role, rules, user turns, response, verdicts.
`rnr_dspy.program.rnr_program` composes them into the per-group flow.

Each module holds its outputs to its signature's constraints (a role's opening and length, 2-5 rules, none
repeated) whichever adapter parsed them, and raises `AdapterParseError` otherwise; with no adapter in the DSPy
context it brings `StructuredAdapter`, which states and enforces those constraints (DSPy's default ChatAdapter
does neither, and a small model then loops or repeats itself without an error). Every module answers on DSPy's
async path too (`acall`).
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy.program.adapter import StructuredAdapter, check_outputs
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
from rnr_dspy.rules.reading import read_system_prompt
from rnr_dspy.signatures import (
    ChooseRuleChecks,
    GenerateRole,
    GenerateRules,
    GenerateUserTurns,
    JudgeRuleAdherence,
    ReadRuleCheck,
    RespondFollowingRules,
)

__all__ = [
    "RoleGenerator", "RuleFollowingResponder", "RuleGenerator", "RuleJudge", "RuleReader", "UserTurnGenerator",
]

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


async def _achecked(predictor: dspy.Predict, **inputs: Any) -> dspy.Prediction:
    with _structured():
        prediction = await predictor.acall(**inputs)
        check_outputs(predictor.signature, dict(prediction.items()), by=type(dspy.settings.adapter).__name__)
    return prediction


class RoleGenerator(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(GenerateRole)

    def forward(self, instructions: list[str]) -> dspy.Prediction:
        return dspy.Prediction(role=_checked(self.generate, seed_instructions=instructions).role.strip())

    async def aforward(self, instructions: list[str]) -> dspy.Prediction:
        return dspy.Prediction(role=(await _achecked(self.generate, seed_instructions=instructions)).role.strip())


class RuleGenerator(dspy.Module):
    """Rules for a role. With `checks_only`, the LM only chooses registry checks and each rule's text is rendered
    from its check: every rule is then decided by code (the setting for a weak teacher)."""

    def __init__(self, checks_only: bool = False) -> None:
        super().__init__()
        self.checks_only = checks_only
        self.generate = dspy.Predict(ChooseRuleChecks if checks_only else GenerateRules)

    def forward(self, role: str, instructions: list[str]) -> dspy.Prediction:
        return self._rules(_checked(self.generate, role=role, seed_instructions=instructions), instructions)

    async def aforward(self, role: str, instructions: list[str]) -> dspy.Prediction:
        prediction = await _achecked(self.generate, role=role, seed_instructions=instructions)
        return self._rules(prediction, instructions)

    def _rules(self, prediction: dspy.Prediction, instructions: list[str]) -> dspy.Prediction:
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
        return self._turns(_checked(self.generate, system_prompt=system_prompt))

    async def aforward(self, system_prompt: str) -> dspy.Prediction:
        return self._turns(await _achecked(self.generate, system_prompt=system_prompt))

    def _turns(self, prediction: dspy.Prediction) -> dspy.Prediction:
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

    async def aforward(self, system_prompt: str, user: str) -> dspy.Prediction:
        prediction = await _achecked(self.respond, system_prompt=system_prompt, user=user)
        return dspy.Prediction(response=prediction.response)


class RuleJudge(dspy.Module):
    """Verdicts for every rule by the one verdict policy (`rnr_dspy.rules.decide`): its check where it has one,
    the judge LM for the rest.

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
        open_rules = self._open(rules)
        judged = None
        if open_rules:
            with dspy.context(**self._context()):
                try:
                    judged = _checked(self.judge, system_prompt=system_prompt, user=user, response=response,
                                      rules=open_rules).verdicts
                except AdapterParseError as error:
                    judged = _unparsed(open_rules, error)
        return dspy.Prediction(verdicts=decide(rules, response, turn_type=turn_type, judged=judged))

    async def aforward(self, system_prompt: str, user: str, response: str, rules: list[Rule],
                       turn_type: TurnType | None = None) -> dspy.Prediction:
        open_rules = self._open(rules)
        judged = None
        if open_rules:
            with dspy.context(**self._context()):
                try:
                    judged = (await _achecked(self.judge, system_prompt=system_prompt, user=user, response=response,
                                              rules=open_rules)).verdicts
                except AdapterParseError as error:
                    judged = _unparsed(open_rules, error)
        return dspy.Prediction(verdicts=decide(rules, response, turn_type=turn_type, judged=judged))

    def _open(self, rules: list[Rule]) -> list[Rule]:
        """The rules the judge LM is asked about: those without a check, when there is a judge."""
        return [rule for rule in rules if not rule.checkable] if self._use_judge else []

    def _context(self) -> dict[str, Any]:
        return {"lm": self._judge_lm} if self._judge_lm is not None else {}


class RuleReader(dspy.Module):
    """The role and rules of a system prompt (`rnr_dspy.rules.reading`); with `lm_fallback`, the LM picks a registry
    check for each rule the deterministic reader left to a judge. Its pick is validated as an LM-proposed rule is:
    a bad one, or a reply that does not parse, leaves the rule judge-only."""

    def __init__(self, lm_fallback: bool = False) -> None:
        super().__init__()
        self.lm_fallback = lm_fallback
        self.read = dspy.Predict(ReadRuleCheck)

    def forward(self, system_prompt: str) -> dspy.Prediction:
        prompt = read_system_prompt(system_prompt)
        rules = [self._lm_read(rule) if self.lm_fallback and not rule.checkable else rule for rule in prompt.rules]
        return dspy.Prediction(role=prompt.role, rules=rules)

    def _lm_read(self, rule: Rule) -> Rule:
        try:
            check = _checked(self.read, rule=rule.text).check
        except AdapterParseError:
            return rule
        if check is None:
            return rule
        fields = rule.model_dump(exclude={"check", "check_error", "kind"})
        return Rule.model_validate({**fields, "check": check.model_dump()})


def _unparsed(rules: list[Rule], error: AdapterParseError) -> list[RuleVerdict]:
    return [RuleVerdict(rule_id=rule.id, followed=None, reason=f"judge reply did not parse: {error}") for rule in rules]
