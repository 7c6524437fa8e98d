"""Settings of `rnr-dspy generate`, one pydantic model loadable from YAML and overridden by flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from rnr_dspy.config import OutDir, TeacherStageConfig

__all__ = ["GenerateConfig"]


class GenerateConfig(TeacherStageConfig):
    out: OutDir = Field(Path("runs/generate"), description="Run directory (resumed when it exists): generated.jsonl, "
                        "data/, usage.json, generate_report.json.")
    program: Path | None = Field(None, description="A compiled program.json (default: the uncompiled program).")
    grouping: Literal["theme", "tfidf"] = Field(
        "theme", description="theme: the seeds' theme column where present (else TF-IDF clusters); tfidf: always.")
    rule_sets: int = Field(1, ge=1, le=8, description="System prompts per group: each draws its own rules for the "
                           "same instructions (sampled rules from their own seed; an LM's from a fresh sample), so "
                           "each seed is answered under several rule sets.")
    max_instruction_chars: int = Field(2000, ge=50, description="Longer seed instructions are truncated (counted).")
    attempts: int = Field(4, ge=1, le=16, description="Responses sampled per prompt until one follows every rule.")
    strategy: Literal["best_of_n", "refine"] = Field(
        "best_of_n", description="best_of_n: independent samples; refine: dspy.Refine (samples with LM feedback).")
    response_temperature: float = Field(0.8, ge=0.0, le=2.0, description="Temperature of sampled responses.")
    repair: bool = Field(True, description="Repair the best failed response with the checkers' enforce().")
    hindsight: bool = Field(True, description="Build rules a failed response already follows (a separate SFT row).")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Temperature of the role, rule and turn stages.")
    max_tokens: int = Field(1024, ge=16, description="Token limit of the role, rule, turn and judge stages.")
    response_max_tokens: int = Field(512, ge=16, description="Token limit of a sampled response.")
    num_threads: int = Field(1, ge=1, le=256, description="Groups generated in parallel (requests "
                             "in flight: a server's, or the embedded engine's batch).")
    retry_failed: bool = Field(False, description="Also generate again the rows whose failure a rerun does not "
                               "retry by itself (a reply that did not parse, a refused request); connection errors, "
                               "timeouts, 429 and 5xx are retried by every run.")
    force_new: bool = Field(False, description=(
        "Start over when --out holds a run made with other settings (seeds, LMs, program, rule or sampling "
        "settings): that run is moved aside into OUT/replaced-<time>/ instead of the new settings being refused. "
        "A run with the same settings always resumes."))
    push_to_hub: str | None = Field(None, description="Also push the datasets to this hub repository.")
    seed: int = Field(0, description="Seed of the grouping of seeds (shuffling and TF-IDF clusters).")
