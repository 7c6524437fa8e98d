"""GRPO rewards from the project's one verdict policy: a completion is scored on the rules of its system prompt.

Checkable rules are decided by code; judge-only rules by the judge LM when one is given, else they stay unknown,
and an unknown rule earns no reward (it is never guessed). `all_rules` pays 1 only when every rule is known to be
followed (the benchmark's pass); `fraction` pays the share of rules followed. The reward is asynchronous, so TRL
runs it beside the others while judge calls wait on the network. Zero-weight companions log the adherence of each
rule kind without moving the policy.
"""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from typing import Any, Literal

import dspy

from rnr_dspy.rules import Rule, RuleVerdict, TurnType, decide, tally

__all__ = ["KindAdherence", "RewardDesign", "RuleReward", "completion_text", "parse_rules"]

RewardDesign = Literal["all_rules", "fraction"]


def completion_text(completion: Any) -> str:
    """The assistant's text of a TRL completion (conversational: a list of turns; standard: a string)."""
    if isinstance(completion, str):
        return completion
    return "".join(turn.get("content") or "" for turn in completion if turn.get("role") == "assistant")


@lru_cache(maxsize=4096)
def _parsed(rules_json: str) -> tuple[Rule, ...]:
    return tuple(Rule.model_validate(rule) for rule in json.loads(rules_json))


def parse_rules(rules_json: str) -> list[Rule]:
    """A row's rules from its JSON column, parsed once per prompt: every completion of a GRPO group and every
    reward function reads the same text."""
    return list(_parsed(rules_json))


class RuleReward:
    """The GRPO reward of a completion under its prompt's rules (the dataset's `rules` and `turn_type` columns)."""

    __name__ = "rule_reward"

    def __init__(self, design: RewardDesign = "fraction", judge_lm: dspy.BaseLM | None = None) -> None:
        self.design = design
        self.judge_lm = judge_lm

    async def __call__(self, prompts: list[Any], completions: list[Any], rules: list[str], turn_type: list[TurnType],
                       **_: Any) -> list[float]:
        verdicts = await asyncio.gather(*(
            self._verdicts(prompt, completion_text(completion), parse_rules(rules_json), kind)
            for prompt, completion, rules_json, kind in zip(prompts, completions, rules, turn_type, strict=True)))
        adherence = [tally(each) for each in verdicts]
        if self.design == "all_rules":
            return [1.0 if each.passed else 0.0 for each in adherence]
        return [each.fraction for each in adherence]

    async def _verdicts(self, prompt: Any, response: str, parsed: list[Rule],
                        turn_type: TurnType) -> list[RuleVerdict]:
        if self.judge_lm is None or all(rule.checkable for rule in parsed):
            return decide(parsed, response, turn_type=turn_type)
        from rnr_dspy.program.adapter import StructuredAdapter
        from rnr_dspy.program.modules import RuleJudge

        system = next((turn["content"] for turn in prompt if turn["role"] == "system"), "")
        user = next((turn["content"] for turn in reversed(prompt) if turn["role"] == "user"), "")
        with dspy.context(lm=self.judge_lm, adapter=StructuredAdapter()):
            try:
                judged = await RuleJudge(judge_lm=self.judge_lm).acall(
                    system_prompt=system, user=user, response=response, rules=parsed, turn_type=turn_type)
            except Exception:  # a judge that fails leaves its rules unknown: no reward, never a crash of training
                return decide(parsed, response, turn_type=turn_type)
        return judged.verdicts


class KindAdherence:
    """A zero-weight reward that logs the share of one rule kind's checkable rules followed (None: no such rule)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.__name__ = f"adherence_{kind}"

    def __call__(self, completions: list[Any], rules: list[str], turn_type: list[TurnType],
                 **_: Any) -> list[float | None]:
        scores: list[float | None] = []
        for completion, rules_json, kind in zip(completions, rules, turn_type, strict=True):
            own = [rule for rule in parse_rules(rules_json) if rule.kind == self.kind and rule.checkable]
            scores.append(tally(decide(own, completion_text(completion), turn_type=kind)).fraction if own else None)
        return scores
