"""`FollowRules`: hold any DSPy program (or a bare LM) to the rules of the system prompt it answers under.

The rules are read from the system prompt once (`rnr_dspy.rules.reading`), every answer is checked by the
registry's checkers and mended by their code repairs, and an answer that still breaks a rule is asked for again
with the broken rules and the checkers' reasons as a hint, up to `attempts` answers in all; the best is returned
with a verdict per rule. This is the loop of DSPy's `Refine` with advice written by the checkers instead of an
LM: the advice is exact, and costs no call. `rules_reward` is the same judgement as a reward for `dspy.BestOfN`
or `dspy.Refine`.

Example:
    >>> import dspy
    >>> from rnr_dspy.models.lm import make_lm
    >>> follow = FollowRules(make_lm("embedded"), attempts=2)  # doctest: +SKIP
    >>> prediction = follow(system_prompt="You are Ava. Answer in at most 40 words.", user="Hi!")  # doctest: +SKIP
    >>> prediction.response, [verdict.followed for verdict in prediction.verdicts]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import dspy

from rnr_dspy.program.follow_hint import aask_with_hint, ask_with_hint
from rnr_dspy.rules import Rule, RuleVerdict, TurnType, decidable, decide, tally
from rnr_dspy.rules.reading import read_rules
from rnr_dspy.rules.repair import repair

__all__ = ["FollowRules", "rules_reward"]


@dataclass(frozen=True)
class _Answer:
    response: str
    verdicts: list[RuleVerdict]
    repaired: bool

    @property
    def followed(self) -> int:
        return tally(self.verdicts).followed

    @property
    def broken(self) -> list[RuleVerdict]:
        return [verdict for verdict in self.verdicts if verdict.followed is False]


def _judged(rules: list[Rule], response: str, turn_type: TurnType | None) -> _Answer:
    verdicts = decide(rules, response, turn_type=turn_type)
    if any(verdict.followed is False for verdict in verdicts):
        mended = repair(response, rules, verdicts)
        if mended is not None:
            after = decide(rules, mended, turn_type=turn_type)
            if tally(after).followed > tally(verdicts).followed:
                return _Answer(mended, after, repaired=True)
    return _Answer(response, verdicts, repaired=False)


def _hint(rules: list[Rule], answer: _Answer) -> str:
    texts = {rule.id: rule.text for rule in rules}
    broken = "\n".join(f"- {texts[verdict.rule_id]} ({verdict.reason})" for verdict in answer.broken)
    return f"Your previous answer broke these rules:\n{broken}\nAnswer again, following every rule."


# What a step of the loop asks for: the attempt's number, the hint for it (None on the first), the answer before.
@dataclass(frozen=True)
class _Ask:
    attempt: int
    hint: str | None
    previous: str | None


class FollowRules(dspy.Module):
    """Answers from `program` held to the rules of their system prompt: checked, repaired, retried with feedback.

    `program` is a DSPy module called as `program(system_prompt=..., user=...)` whose prediction has a `response`
    (`output_field`), or a `dspy.BaseLM` asked with a system and a user message. Retries run at
    `retry_temperature` with a new rollout id each, as DSPy's `BestOfN` and `Refine` do, so a retry is never the
    cached first answer. Rules without a check get verdicts from `judge_lm` when one is given, else stay unknown.
    `reader(system_prompt) -> rules` replaces the deterministic reading (for instance with an LM's help).
    """

    def __init__(self, program: dspy.Module | dspy.BaseLM, attempts: int = 3, *, output_field: str = "response",
                 retry_temperature: float = 1.0, judge_lm: dspy.BaseLM | None = None,
                 reader: Callable[[str], list[Rule]] | None = None) -> None:
        super().__init__()
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        self.program = program
        self.attempts = attempts
        self.output_field = output_field
        self.retry_temperature = retry_temperature
        self.judge_lm = judge_lm
        self.reader = reader
        self._read_by_reader: dict[str, tuple[Rule, ...]] = {}

    def rules_of(self, system_prompt: str) -> tuple[Rule, ...]:
        """The rules of a system prompt, read once: by `reader` when given (e.g. `RuleReader(lm_fallback=True)`'s
        rules), else deterministically."""
        if self.reader is None:
            return tuple(read_rules(system_prompt))
        if system_prompt not in self._read_by_reader:
            self._read_by_reader[system_prompt] = tuple(self.reader(system_prompt))
        return self._read_by_reader[system_prompt]

    def forward(self, system_prompt: str, user: str, turn_type: TurnType | None = None) -> dspy.Prediction:
        steps = self._steps(system_prompt, turn_type)
        ask = next(steps)
        while True:
            text = ask_with_hint(self.program, system_prompt, user, ask.hint, ask.previous, **self._call(ask))
            try:
                ask = steps.send(text)
            except StopIteration as done:
                return self._judge(system_prompt, user, done.value, turn_type)

    async def aforward(self, system_prompt: str, user: str, turn_type: TurnType | None = None) -> dspy.Prediction:
        steps = self._steps(system_prompt, turn_type)
        ask = next(steps)
        while True:
            text = await aask_with_hint(self.program, system_prompt, user, ask.hint, ask.previous, **self._call(ask))
            try:
                ask = steps.send(text)
            except StopIteration as done:
                return await self._ajudge(system_prompt, user, done.value, turn_type)

    def _call(self, ask: _Ask) -> dict[str, Any]:
        retry = {"rollout_id": ask.attempt, "temperature": self.retry_temperature} if ask.attempt else {}
        return {"output_field": self.output_field, "lm_updates": retry}

    def _steps(self, system_prompt: str, turn_type: TurnType | None) -> Generator[_Ask, str, dspy.Prediction]:
        rules = decidable(self.rules_of(system_prompt), turn_type)
        best: _Answer | None = None
        for attempt in range(self.attempts):
            hint = None if best is None else _hint(rules, best)
            answer = _judged(rules, (yield _Ask(attempt, hint, best and best.response)), turn_type)
            best = answer if best is None or answer.followed > best.followed else best
            if not best.broken:
                break
        assert best is not None  # at least one attempt ran
        return dspy.Prediction(response=best.response, rules=list(self.rules_of(system_prompt)), verdicts=best.verdicts,
                               repaired=best.repaired, attempts=attempt + 1)

    def _judge_call(self, system_prompt: str, user: str, prediction: dspy.Prediction,
                    turn_type: TurnType | None) -> tuple[Any, dict[str, Any]] | None:
        """The judge and its inputs when some verdict is unknown and there is a judge LM, else None."""
        if self.judge_lm is None or not any(verdict.followed is None for verdict in prediction.verdicts):
            return None
        from rnr_dspy.program.modules import RuleJudge

        return RuleJudge(judge_lm=self.judge_lm), {
            "system_prompt": system_prompt, "user": user, "response": prediction.response,
            "rules": decidable(self.rules_of(system_prompt), turn_type), "turn_type": turn_type}

    def _judge(self, system_prompt: str, user: str, prediction: dspy.Prediction,
               turn_type: TurnType | None) -> dspy.Prediction:
        call = self._judge_call(system_prompt, user, prediction, turn_type)
        return prediction if call is None else _with_verdicts(prediction, call[0](**call[1]).verdicts)

    async def _ajudge(self, system_prompt: str, user: str, prediction: dspy.Prediction,
                      turn_type: TurnType | None) -> dspy.Prediction:
        call = self._judge_call(system_prompt, user, prediction, turn_type)
        return prediction if call is None else _with_verdicts(prediction, (await call[0].acall(**call[1])).verdicts)


def _with_verdicts(prediction: dspy.Prediction, verdicts: list[RuleVerdict]) -> dspy.Prediction:
    return dspy.Prediction(**{**dict(prediction.items()), "verdicts": verdicts})


def rules_reward(args: dict[str, Any], prediction: dspy.Prediction) -> float:
    """The share of the system prompt's checkable rules a prediction's `response` follows: a reward for
    `dspy.BestOfN` or `dspy.Refine` over any program called with `system_prompt` and `user`."""
    rules = decidable(read_rules(args["system_prompt"]), args.get("turn_type"))
    verdicts = decide([rule for rule in rules if rule.checkable], prediction.response)
    return tally(verdicts).fraction if verdicts else 1.0
