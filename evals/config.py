"""`EvalConfig`: the settings of `rnr-dspy eval`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic.config import JsonDict

from rnr_dspy.config import OutDir
from rnr_dspy.errors import LMSpecError
from rnr_dspy.evals.solvers import Backend
from rnr_dspy.evals.suites import SUITES
from rnr_dspy.models.settings import LM_PANEL, LMSettings
from rnr_dspy.models.spec import ModelSpec

__all__ = ["EvalConfig"]

_SUITES: JsonDict = {"panel": "Suites"}


class EvalConfig(LMSettings):
    """The models under test, the suites, and how they are answered; the connection to served models and to the
    judge is `LMSettings` (`--api-base`, `--request-timeout`, ...)."""

    models: list[str] = Field(default_factory=lambda: ["embedded"], min_length=1,
                              description="Models under test, the first is the baseline: embedded, local:PATH (a "
                              "Hugging Face dir or a .gguf), or provider/model.", json_schema_extra=LM_PANEL)
    out: OutDir = Field(Path("runs/eval"), description="Directory for log.json, report.md and plot.png.")
    suite: str = Field("rnr", description=f"{', '.join(SUITES)}, or a path to a suite file (.jsonl).",
                       json_schema_extra=_SUITES)
    limit: int | None = Field(None, ge=1, description="Use a seeded sample of N items of each suite, spread over its "
                              "splits, domains and turn types (IFEval: instruction groups), not the first N.",
                              json_schema_extra=_SUITES)
    judge_lm: str | None = Field(None, description="Judge LM for judge-only rules (unset: they stay unknown).",
                                 json_schema_extra=LM_PANEL)
    max_tokens: int = Field(512, ge=1, description="Longest answer, in tokens.")
    batch_size: int = Field(8, ge=1, description="Prompts per batch (transformers) or concurrent requests (HTTP).")
    backend: Backend = Field("auto", description="auto: batched transformers for a Hugging Face dir, llama.cpp for "
                             "a GGUF; lm: the DSPy LM; transformers: batched, a GGUF converted once.")
    seed: int = Field(0, description="Seed of the --limit sample.")
    follow_rules: int = Field(0, ge=0, le=16, description="Answer through FollowRules: each model held to the rules "
                              "it reads from the system prompt, up to N answers an item (0: its own answers).")

    # A misspelt model or suite is a usage error, found before any model loads; a local path may be written by an
    # earlier stage of a recipe, so only its form is checked here.
    @field_validator("models")
    @classmethod
    def _known_model_specs(cls, models: list[str]) -> list[str]:
        for spec in models:
            try:
                ModelSpec.parse(spec, must_exist=False)
            except LMSpecError as error:
                raise ValueError(str(error)) from None
        return models

    @field_validator("suite")
    @classmethod
    def _known_suite(cls, suite: str) -> str:
        if suite not in SUITES and Path(suite).suffix != ".jsonl":
            raise ValueError(f"unknown suite {suite!r}: use {', '.join(SUITES)}, or a path to a .jsonl suite file")
        return suite
