"""Settings of `rnr-dspy generate`, one pydantic model loadable from YAML and overridden by flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from rnr_dspy.config import OutDir
from rnr_dspy.models.spec import ModelSpec
from rnr_dspy.program.answer import AnswerSettings
from rnr_dspy.teacher_config import TeacherStageConfig

__all__ = ["LEGACY_ANSWER_KEYS", "GenerateConfig"]

# The flat names generate's answer settings had before they were `answer.*`: still read from files, recipes and
# keyword arguments, and the names `run_settings.json` records them under (so earlier runs resume).
LEGACY_ANSWER_KEYS = {"attempts": "attempts", "strategy": "strategy", "response_temperature": "temperature",
                      "response_max_tokens": "max_tokens", "repair": "repair", "hindsight": "hindsight"}


def _generate_answering() -> AnswerSettings:
    return AnswerSettings(attempts=4, temperature=0.8, max_tokens=512, repair=True, hindsight=True)


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
    answer: AnswerSettings = Field(default_factory=_generate_answering, description="How each prompt is answered "
                                   "(generate's defaults: 4 attempts at temperature 0.8 and 512 tokens, with repair "
                                   "and hindsight rows; the seed is --seed's unless set).")
    num_threads: int = Field(1, ge=1, le=256, description="Groups generated in parallel (requests "
                             "in flight: a server's, or the embedded engine's batch), in each worker process.")
    workers: int = Field(1, ge=1, le=64, description="Processes generating the groups, each with --num-threads of "
                         "them in parallel: a process prepares and checks rows on one CPU core at most, so a "
                         "served LM that answers faster than one core keeps up with needs several.")
    retry_failed: bool = Field(False, description="Also generate again the rows whose failure a rerun does not "
                               "retry by itself (a reply that did not parse, a refused request); connection errors, "
                               "timeouts, 429 and 5xx are retried by every run.")
    force_new: bool = Field(False, description=(
        "Start over when --out holds a run made with other settings (seeds, LMs, program, rule or sampling "
        "settings): that run is moved aside into OUT/replaced-<time>/ instead of the new settings being refused. "
        "A run with the same settings always resumes."))
    push_to_hub: str | None = Field(None, description="Also push the datasets to this hub repository.")
    seed: int = Field(0, description="Seed of the grouping of seeds (shuffling and TF-IDF clusters) and of the "
                      "sampled responses.")
    accept_program_settings: bool = Field(False, exclude_if=lambda accept: not accept, description=(
        "Run a compiled --program under program settings (rule, role and turn source, judge, responder prompt) "
        "other than those it was compiled with; without it such a run is refused, naming what differs."))

    @model_validator(mode="before")
    @classmethod
    def _answer_over_generate_defaults(cls, values: Any) -> Any:
        # `answer: {attempts: 1}` changes that one setting of generate's defaults (not of AnswerSettings' own), and
        # the flat names of earlier versions are read as `answer.*`.
        if not isinstance(values, dict) or isinstance(values.get("answer"), AnswerSettings):
            return values
        if "answer" not in values and not LEGACY_ANSWER_KEYS.keys() & values.keys():
            return values
        values = dict(values)
        given = values.pop("answer", None) or {}
        answer = dict(given) if isinstance(given, dict) else given
        if isinstance(answer, dict):
            for legacy, name in LEGACY_ANSWER_KEYS.items():
                if legacy in values:
                    answer.setdefault(name, values.pop(legacy))
            answer = _generate_answering().model_dump(exclude={"seed"}) | answer
        values["answer"] = answer
        return values

    @model_validator(mode="after")
    def _workers_share_a_served_lm(self) -> GenerateConfig:
        if self.workers > 1 and ModelSpec.parse(self.lm, must_exist=False).is_local:
            raise ValueError(f"workers: {self.workers} would load the local model {self.lm!r} once in each worker; "
                             "a local model batches the groups of one process (raise --num-threads instead), "
                             "--workers is for a served LM")
        return self

    def answer_settings_added(self) -> dict[str, Any]:
        """The answer settings beyond those earlier versions had (`LEGACY_ANSWER_KEYS`, the seed) that differ from
        generate's defaults: they join a run's recorded settings and its prompts' keys only then, so adding one to
        `AnswerSettings` leaves the runs made before it resumable."""
        now = self.answer.model_dump(mode="json", exclude={"seed", *LEGACY_ANSWER_KEYS.values()})
        defaults = type(self.answer)(**_generate_answering().model_dump(exclude={"seed"})).model_dump(mode="json")
        return {name: value for name, value in now.items() if value != defaults[name]}

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        if "seed" not in self.answer.model_fields_set:  # one run seed, unless the answers are given their own
            self.answer = self.answer.model_copy(update={"seed": self.seed})
