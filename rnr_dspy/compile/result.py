"""`CompileResult`: what `run_compile` did; `compile_report.json` is its JSON dump."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from rnr_dspy.optimizers.evaluate import EvalSummary

__all__ = ["CompileResult"]


class CompileResult(BaseModel):
    kept: str
    """Which program was saved: `optimized`, or the `baseline` when the optimized one did not score higher."""
    kept_reason: str
    score_before: float
    score_after: float
    pass_rate_before: float
    pass_rate_after: float
    adherence_before: float
    adherence_after: float
    per_kind_adherence: dict[str, dict[str, float | None]]
    before: EvalSummary
    after: EvalSummary
    lm_calls: int
    input_tokens: int
    output_tokens: int
    tokens: int
    per_lm: dict[str, dict[str, int]]
    cost_usd: float | None
    wall_seconds: float
    optimizer: str
    lm: str
    judge_lm: str
    train_examples: int
    val_examples: int
    demos: dict[str, int]
    parse: dict[str, dict[str, Any]]
    optimize_failures: dict[str, Any] = {}
    """Examples whose reply did not parse while optimizing (`failed_examples`, the first `failure_examples`): each
    scored 0 and kept no demo."""
    seeds: dict[str, Any]
    config: dict[str, Any]
    notes: list[str] = []
