"""The four stages, one shape: `rnr_dspy.<stage>` exposes `<Stage>Config` (`config.py`),
`run_<stage>(config, progress=None)` (`run.py`) and `<Stage>Result` (`result.py`), each a pydantic model but the
runner. The CLI and the recipe runner call a stage through `STAGES`, its imported objects; a test that replaces a
runner patches `STAGES[stage].run`, which both call.

Example:
    >>> STAGES["generate"].config.__name__
    'GenerateConfig'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from rnr_dspy.compile import CompileConfig, CompileResult, run_compile
from rnr_dspy.evals import EvalConfig, EvalResult, run_eval
from rnr_dspy.generate import GenerateConfig, GenerateResult, run_generate
from rnr_dspy.train import TrainConfig, TrainResult, run_train

__all__ = ["STAGES", "Stage", "StageSpec"]

Stage = Literal["compile", "generate", "train", "eval"]


@dataclass
class StageSpec:
    name: Stage
    config: type[BaseModel]
    run: Callable[..., Any]
    """`run_<stage>(config, progress=None) -> result`."""
    result: type[BaseModel]


STAGES: dict[Stage, StageSpec] = {
    "compile": StageSpec("compile", CompileConfig, run_compile, CompileResult),
    "generate": StageSpec("generate", GenerateConfig, run_generate, GenerateResult),
    "train": StageSpec("train", TrainConfig, run_train, TrainResult),
    "eval": StageSpec("eval", EvalConfig, run_eval, EvalResult),
}
