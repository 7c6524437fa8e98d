"""Settings of `rnr-dspy generate`, one pydantic model loadable from YAML and overridden by flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr

from rnr_dspy.config import TeacherStageConfig
from rnr_dspy.weak_teacher import apply_weak_teacher_defaults

__all__ = ["GenerateConfig"]


class GenerateConfig(TeacherStageConfig):
    out: Path = Field(description="Run directory: generated.jsonl, data/, usage.json, generate_report.json.")
    program: Path | None = Field(None, description="A compiled program.json (default: the uncompiled program).")
    grouping: Literal["theme", "tfidf"] = Field(
        "theme", description="theme: the seeds' theme column where present (else TF-IDF clusters); tfidf: always.")
    max_instruction_chars: int = Field(2000, ge=50, description="Longer seed instructions are truncated (counted).")
    rule_source: Literal["lm", "sampled"] | None = Field(
        None, description="lm: the program writes the rules; sampled: 2-4 compatible registry rules drawn without an "
        "LM (for a teacher too weak to write or choose rules; the role still comes from the LM). Default: sampled "
        "(and judge_lm none) for the embedded teacher, lm otherwise.")
    user_turns: bool = Field(True, description="Also generate in-scope, adversarial and out-of-scope user turns.")
    attempts: int = Field(4, ge=1, le=16, description="Responses sampled per prompt until one follows every rule.")
    strategy: Literal["best_of_n", "refine"] = Field(
        "best_of_n", description="best_of_n: independent samples; refine: dspy.Refine (samples with LM feedback).")
    response_temperature: float = Field(0.8, ge=0.0, le=2.0, description="Temperature of sampled responses.")
    repair: bool = Field(True, description="Repair the best failed response with the checkers' enforce().")
    hindsight: bool = Field(True, description="Build rules a failed response already follows (a separate SFT row).")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Temperature of the role, rule and turn stages.")
    max_tokens: int = Field(1024, ge=16, description="Token limit of the role, rule, turn and judge stages.")
    response_max_tokens: int = Field(512, ge=16, description="Token limit of a sampled response.")
    num_threads: int = Field(1, ge=1, le=256, description="Groups generated in parallel (HTTP LMs).")
    num_retries: int = Field(4, ge=0, le=20, description="Retries with backoff of an LM call that times out or "
                             "is rate limited, before the row is recorded as failed.")
    retry_failed: bool = Field(False, description="Generate again the rows recorded as failed.")
    push_to_hub: str | None = Field(None, description="Also push the datasets to this hub repository.")
    seed: int = 0

    _notes: list[str] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        self._notes = apply_weak_teacher_defaults(self, usual={"rule_source": "lm", "judge_lm": None},
                                                  weak={"rule_source": "sampled", "judge_lm": "none"})

    @property
    def notes(self) -> list[str]:
        """Defaults this config took because its teacher is weak (shown in the report and the dataset card)."""
        return list(self._notes)
