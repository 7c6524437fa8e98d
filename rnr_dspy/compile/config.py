"""Settings of `rnr-dspy compile`: the teacher and the program's settings (`TeacherStageConfig`), and the
optimizer's."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

from rnr_dspy.config import OutDir
from rnr_dspy.optimizers.presets import Preset
from rnr_dspy.teacher_config import TeacherStageConfig

__all__ = ["CompileConfig"]

_OPTIMIZER: JsonDict = {"panel": "Optimizer"}


class CompileConfig(TeacherStageConfig):
    out: OutDir = Field(Path("runs/compile"), description="Directory for program.json and compile_report.json.")
    train_size: int = Field(12, ge=1, description="Training groups (examples) the optimizer sees.")
    val_size: int = Field(6, ge=1, description="Held-out groups scored before and after optimizing (at most a "
                          "third of the groups).")
    optimizer: Preset = Field(Preset.bootstrap, description="bootstrap: BootstrapFewShot; mipro: MIPROv2; gepa: "
                              "GEPA (needs reflection_lm); none: the baseline, saved unchanged.",
                              json_schema_extra=_OPTIMIZER)
    auto: Literal["light", "medium", "heavy"] = Field("light", description="Budget of mipro and gepa.",
                                                      json_schema_extra=_OPTIMIZER)
    max_metric_calls: int | None = Field(None, ge=1, description="Budget of gepa in metric calls (overrides auto).",
                                         json_schema_extra=_OPTIMIZER)
    reflection_lm: str | None = Field(None, validate_default=True,
                                      description="LM spec that gepa reflects with (required by gepa).",
                                      json_schema_extra=_OPTIMIZER)
    max_demos: int = Field(2, ge=0, le=16, description="Demos kept per predictor (bootstrap, mipro).",
                           json_schema_extra=_OPTIMIZER)
    max_rounds: int = Field(1, ge=1, le=10, description="Bootstrap attempts per training example (more than 1 "
                            "samples at temperature 1.0).", json_schema_extra=_OPTIMIZER)
    num_threads: int = Field(1, ge=1, le=64, description="Examples scored in parallel (requests "
                             "in flight: a server's, or the embedded engine's batch).")
    context_window: int | None = Field(None, ge=256, description="The teacher's context window in tokens (vLLM's "
                                       "--max-model-len): compile stops before optimizing if prompts with demos "
                                       "would not fit.", json_schema_extra=_OPTIMIZER)
    seed: int = Field(0, description="Seed of the grouping of seeds and of the optimizer.")

    @field_validator("reflection_lm")
    @classmethod
    def _gepa_reflects_with_an_lm(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("optimizer") == Preset.gepa:
            raise ValueError("the gepa optimizer needs a reflection LM (reflection_lm, --reflection-lm SPEC), "
                             "ideally a strong one")
        return value
