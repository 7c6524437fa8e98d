"""The four stages, one shape: `rnr_dspy.<stage>` exposes `<Stage>Config` and
`run_<stage>(config, progress=None) -> <Stage>Result` (pydantic). The CLI and the recipe runner find a stage here
and call it the same way.

Example:
    >>> spec = STAGES["generate"]
    >>> spec.config_class().__name__
    'GenerateConfig'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from rnr_dspy.progress import Progress

__all__ = ["STAGES", "Stage", "StageSpec"]

Stage = Literal["compile", "generate", "train", "eval"]


@dataclass(frozen=True)
class StageSpec:
    name: Stage
    module: str
    config: str
    result: str

    @property
    def runner_name(self) -> str:
        return f"run_{self.name}"

    def config_class(self) -> type[BaseModel]:
        return getattr(importlib.import_module(self.module), self.config)

    def result_class(self) -> type[BaseModel]:
        return getattr(importlib.import_module(self.module), self.result)

    def run(self, config: BaseModel, progress: Progress | None = None) -> Any:
        """`run_<stage>(config, progress)`, looked up at call time (so a patched runner is the one called)."""
        return getattr(importlib.import_module(self.module), self.runner_name)(config, progress=progress)


STAGES: dict[Stage, StageSpec] = {
    "compile": StageSpec("compile", "rnr_dspy.compile", "CompileConfig", "CompileResult"),
    "generate": StageSpec("generate", "rnr_dspy.generate", "GenerateConfig", "GenerateResult"),
    "train": StageSpec("train", "rnr_dspy.train", "TrainConfig", "TrainResult"),
    "eval": StageSpec("eval", "rnr_dspy.evals", "EvalConfig", "EvalResult"),
}
