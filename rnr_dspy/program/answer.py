"""Answer one prompt under its rules: sample responses (best of N, or DSPy's Refine) until one follows every rule,
then, where none did, repair the best one and build hindsight rules from it. Every attempt is kept."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import dspy
from pydantic import BaseModel, ConfigDict, Field

from rnr_dspy.program.modules import RuleFollowingResponder, RuleJudge
from rnr_dspy.program.quality import response_problems, without_cut_off_tail
from rnr_dspy.rules import Rule, RuleVerdict, TurnType, decide, render_system_prompt
from rnr_dspy.rules.hindsight import hindsight_rules
from rnr_dspy.rules.repair import repair
from rnr_dspy.runtime.hashing import sampling_seed
from rnr_dspy.runtime.masking import mask_credentials

__all__ = ["Answer", "AnswerSettings", "Attempt", "answer_under_rules", "best_attempt", "chosen_attempt"]


class AnswerSettings(BaseModel):
    """How a prompt is answered: how many samples, how they are drawn, and what is done when none passes."""

    model_config = ConfigDict(extra="forbid")  # a misspelt setting raises instead of leaving its default

    attempts: int = Field(1, ge=1, le=16, description="Responses sampled per prompt until one follows every rule.")
    strategy: Literal["best_of_n", "refine"] = Field(
        "best_of_n", description="best_of_n: independent samples; refine: dspy.Refine (samples with LM feedback).")
    temperature: float | None = Field(None, ge=0.0, le=2.0, description="Temperature of sampled responses "
                                      "(default: the LM's own).")
    max_tokens: int | None = Field(None, ge=16, description="Token limit of a sampled response (default: the LM's).")
    repair: bool = Field(False, description="Repair the best failed response with the checkers' enforce().")
    hindsight: bool = Field(False, description="Build rules a failed response already follows (a separate row).")
    seed: int = Field(0, description="Run seed: each sampled request's seed comes from it and the row.")


class Attempt(BaseModel):
    response: str
    verdicts: list[RuleVerdict]
    passed: bool
    method: Literal["sampled", "repaired", "hindsight"] = "sampled"
    # Why the quality gate failed it whatever its verdicts (prompt-format markers, unasked-for JSON).
    problems: list[str] = []
    # The unfinished last sentence dropped from the sampled response (`rnr_dspy.program.quality.without_cut_off_tail`).
    dropped_tail: str | None = None
    # A hindsight attempt answers under its own rules.
    rules: list[Rule] | None = None
    system_prompt: str | None = None

    @property
    def followed(self) -> int:
        """How many rules this attempt is known to follow."""
        return sum(v.followed is True for v in self.verdicts)


def chosen_attempt(attempts: list[Attempt]) -> Attempt | None:
    """The attempt that follows every rule of the real system prompt (sampled or repaired), if any."""
    return next((a for a in attempts if a.passed and a.method != "hindsight"), None)


def best_attempt(attempts: list[Attempt]) -> Attempt | None:
    """The attempt a repair or a hindsight row starts from: one without problems first, then the most rules
    followed."""
    return max(attempts, key=lambda a: (not a.problems, a.followed), default=None)


class Answer(BaseModel):
    """One user turn of a group and every attempt at answering it under the group's system prompt."""

    turn_type: TurnType
    user: str
    attempts: list[Attempt] = []
    error: str | None = None

    def best(self) -> Attempt | None:
        """The chosen attempt, else the answer to the real system prompt that followed the most rules."""
        real = [a for a in self.attempts if a.method != "hindsight"]
        return chosen_attempt(self.attempts) or max(real, key=lambda a: a.followed, default=None)


def answer_under_rules(responder: RuleFollowingResponder, judge: RuleJudge, settings: AnswerSettings, *,
                       system_prompt: str, user: str, rules: list[Rule], turn_type: TurnType, role: str,
                       seed: str) -> list[Attempt]:
    """Every attempt at answering `user` under `system_prompt`, judged rule by rule; raises the last LM error when
    no attempt got an answer at all."""
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
        response, dropped = _finished(prediction.response, rules, turn_type)
        verdicts, passed, problems = judged(response)
        attempts.append(Attempt(response=response, verdicts=verdicts, passed=passed, problems=problems,
                                dropped_tail=dropped))
        return 0.0 if problems else sum(v.followed is True for v in verdicts) / max(1, len(verdicts))

    inputs = {"system_prompt": system_prompt, "user": user}
    sampling_settings = {key: value for key, value in
                         {"temperature": settings.temperature, "max_tokens": settings.max_tokens}.items()
                         if value is not None}
    if settings.strategy == "refine":
        # Refine copies the LM per attempt; its attempts differ by the feedback in their prompts, and by their seeds.
        _refine_logs_instead_of_printing()
        kept = _Kept(responder, errors, sampling=sampling_settings,
                     seed_of=lambda rollout: sampling_seed(settings.seed, seed, rollout))
        with dspy.context(lm=dspy.settings.lm.copy(seed=sampling_seed(settings.seed, seed, 0))):
            dspy.Refine(module=kept, N=settings.attempts, reward_fn=reward, threshold=1.0)(**inputs)
    else:
        # DSPy's BestOfN samples at a fixed temperature of 1.0, prints and drops errors: the same loop, kept here.
        lm = dspy.settings.lm
        # Greedy attempts are one answer: a rollout id would only make DSPy warn that it has no effect.
        greedy = sampling_settings.get("temperature", getattr(lm, "kwargs", {}).get("temperature")) == 0
        for rollout in range(settings.attempts):
            # Each request is seeded from the row and the run seed: a resumed run samples what an uninterrupted
            # one would have.
            sampling = lm.copy(**({} if greedy else {"rollout_id": rollout}),
                               seed=sampling_seed(settings.seed, seed, rollout), **sampling_settings)
            with dspy.context(lm=sampling):
                if reward(inputs, _Kept(responder, errors)(**inputs)) >= 1.0:
                    break
    if not attempts and errors:
        raise errors[-1]
    if not attempts or any(a.passed for a in attempts):
        return attempts
    best = best_attempt(attempts)
    assert best is not None  # attempts is not empty here
    if settings.repair and (repaired := repair(best.response, rules, best.verdicts)) is not None:
        verdicts, passed, problems = judged(repaired)
        attempts.append(Attempt(response=repaired, verdicts=verdicts, passed=passed, method="repaired",
                                problems=problems))
        if passed:
            return attempts
    source = _hindsight_source(best, rules, turn_type, mend=settings.repair) if settings.hindsight else None
    if source is not None:
        response, verdicts = source
        # Only checkable rules: a hindsight row passes by code, not by a judge's word.
        followed = {v.rule_id for v in verdicts if v.followed is True}
        kept = [rule for rule in rules if rule.id in followed and rule.checkable]
        new_rules = hindsight_rules(response, kept, seed=seed)
        if new_rules is not None:
            verdicts = decide(new_rules, response, turn_type=turn_type)
            problems = response_problems(response, new_rules)
            attempts.append(Attempt(response=response, verdicts=verdicts, method="hindsight",
                                    passed=all(v.followed is True for v in verdicts) and not problems,
                                    problems=problems, rules=new_rules,
                                    system_prompt=render_system_prompt(role, new_rules)))
    return attempts


def _finished(response: str, rules: list[Rule], turn_type: TurnType) -> tuple[str, str | None]:
    """The response without a sentence its token limit cut off (`without_cut_off_tail`), and that sentence (None
    when nothing is dropped): kept where dropping it breaks a checkable rule the response followed (a closing
    phrase the rules ask for)."""
    trimmed = without_cut_off_tail(response)
    if trimmed == response:
        return response, None
    checkable = [rule for rule in rules if rule.checkable]
    before, after = (decide(checkable, text, turn_type=turn_type) for text in (response, trimmed))
    if any(was.followed is True and now.followed is False for was, now in zip(before, after, strict=True)):
        return response, None
    return trimmed, response.rstrip()[len(trimmed):].strip()


def _hindsight_source(best: Attempt, rules: list[Rule], turn_type: TurnType, *,
                      mend: bool) -> tuple[str, list[RuleVerdict]] | None:
    """The response hindsight rules are read off, with its verdicts: on an out-of-scope turn, the refusal its rules
    ask for, or None where they ask for none (rules built around an answer it should not have given would teach
    answering such requests, its scope rule dropped); else, with `mend`, the best attempt with every rule repaired
    that code can repair (so the row keeps the rules that ask for something, a postscript or a list, not only those
    it followed by doing nothing); else the best attempt as written."""
    if turn_type == "out_of_scope":
        for rule in rules:
            if rule.check is not None and rule.check.out_of_scope_only:
                refusal = rule.check.enforce(best.response)
                if refusal is not None:
                    return refusal, decide(rules, refusal, turn_type=turn_type)
        return None
    # An answer the quality gate failed is not mended: an edit could hide what is wrong with it ("Summary: {...}").
    if mend and not best.problems and (mended := repair(best.response, rules, best.verdicts, partial=True)):
        return mended, decide(rules, mended, turn_type=turn_type)
    return best.response, best.verdicts


@cache
def _refine_logs_instead_of_printing() -> None:
    # DSPy's Refine prints a failed feedback call's error, a server's address in it, to stdout: the library never
    # prints, so the line goes to a logger, credentials masked.
    import dspy.predict.refine as refine_module

    refine_module.print = _log_masked  # type: ignore[attr-defined]


def _log_masked(*values: Any, **_: Any) -> None:
    logging.getLogger("dspy.predict.refine").info(mask_credentials(" ".join(map(str, values))))


class _Errors(list[Exception]):
    # Shared, not copied, when Refine deep-copies the module holding it.
    def __deepcopy__(self, memo: dict[int, Any]) -> _Errors:
        return self


class _Kept(dspy.Module):
    """The responder with its errors kept for the record instead of raised into a sampler that prints them.

    Under Refine (`sampling` and `seed_of` given), each attempt samples with the response settings and a seed of its
    own: Refine sets every attempt's LM to temperature 1.0, keeping the one seed it was given."""

    def __init__(self, responder: RuleFollowingResponder, errors: _Errors, sampling: dict[str, Any] | None = None,
                 seed_of: Callable[[int], int] | None = None) -> None:
        super().__init__()
        self.responder, self.errors = responder, errors
        self.sampling, self.seed_of = sampling, seed_of

    def forward(self, **inputs: Any) -> dspy.Prediction:
        if self.sampling is not None and self.seed_of is not None:
            for _, predictor in self.named_predictors():
                if predictor.lm is not None:  # the attempt's LM, set by Refine
                    rollout = predictor.lm.kwargs.get("rollout_id") or 0
                    predictor.lm = predictor.lm.copy(**self.sampling, seed=self.seed_of(rollout))
        try:
            return self.responder(**inputs)
        except Exception as error:  # an LM or parse failure of one attempt
            self.errors.append(error)
            return dspy.Prediction(response=None)

