"""What GRPO needs besides its rows: the rule reward, and zero-weight companions logging each rule kind."""

from __future__ import annotations

import json
from typing import Any

from rnr_dspy.train.config import TrainConfig
from rnr_dspy.train.data import DataSet
from rnr_dspy.train.rewards import KindAdherence, RuleReward

__all__ = ["grpo_rewards"]


def grpo_rewards(config: TrainConfig, data: DataSet, args: Any) -> list[Any]:
    """The reward functions of a GRPO run over `data`; sets `args.reward_weights` (1 for the rule reward, 0 for
    the per-kind logs) unless the user set their own."""
    judge = None
    if config.judge_lm:
        from rnr_dspy.models import make_lm

        judge = make_lm(config.judge_lm, temperature=0.0)
    kinds = sorted({rule["kind"] for row in data.rows for rule in json.loads(row["rules"]) if rule.get("check")})
    rewards: list[Any] = [RuleReward(config.reward, judge), *(KindAdherence(kind) for kind in kinds)]
    if "reward_weights" not in config.grpo_config:
        args.reward_weights = [1.0] + [0.0] * len(kinds)
    return rewards
