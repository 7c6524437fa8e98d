"""Stage configs from YAML files, with command-line flags on top."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import dspy
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError

from rnr_dspy.answer import AnswerSettings
from rnr_dspy.data import SHIPPED_SEEDS, SeedColumns
from rnr_dspy.errors import ConfigError
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from rnr_dspy.program import RNRProgram
from rnr_dspy.weak_teacher import apply_weak_teacher_defaults

__all__ = ["OutDir", "TeacherStageConfig", "build_config"]


def _not_a_file(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file; the output goes into a directory: pass a new path")
    return path


# A stage's output directory: a path that is a file is refused when the settings are read, before any work.
OutDir = Annotated[Path, AfterValidator(_not_a_file)]


class TeacherStageConfig(BaseModel):
    """What the stages that run the RNR program (compile, generate) share: the teacher and judge LMs, and the
    seeds and how they are grouped."""

    model_config = ConfigDict(extra="forbid")

    lm: str = Field("embedded", description="Teacher LM spec: embedded, local:PATH, or a DSPy model string.")
    judge_lm: str | None = Field(None, description="Judge LM spec for rules without a check (default: the teacher); "
                                 "'none' (generate): such rules stay unknown, so only fully checkable prompts pass.")
    api_base: str | None = None
    api_key: SecretStr | None = Field(None, exclude=True)
    seeds: str = Field(SHIPPED_SEEDS, description="Seed file, hub dataset id, or 'shipped'.")
    columns: SeedColumns = Field(default_factory=SeedColumns)
    limit: int | None = Field(None, ge=1, description="Use at most this many seeds.")
    k: int = Field(4, ge=1, le=32, description="Instructions per group (one role per group).")
    checks_only: bool = Field(False, description="Rules are registry checks only (ChooseRuleChecks), each decided by "
                              "code: for a weak teacher, whose free-text rules and judgements are noise.")
    rule_source: Literal["lm", "sampled"] | None = Field(
        None, description="lm: the program writes the rules; sampled: compatible registry rules drawn without an LM "
        "(for a teacher too weak to write or choose rules; the role still comes from the LM). Default: sampled (and "
        "judge_lm none) for the embedded teacher, lm otherwise.")
    user_turns: bool = Field(True, description="Also generate and answer in-scope, adversarial and out-of-scope "
                             "user turns.")

    _notes: list[str] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        self._notes = apply_weak_teacher_defaults(self, usual={"rule_source": "lm", "judge_lm": None},
                                                  weak={"rule_source": "sampled", "judge_lm": "none"})

    @property
    def notes(self) -> list[str]:
        """Defaults these settings took because the teacher is weak (shown in the stage's report)."""
        return list(self._notes)

    def make_program(self, judge_lm: dspy.BaseLM | None, answering: AnswerSettings | None = None) -> RNRProgram:
        """The RNR program these settings describe: compile optimizes and generate runs the same flow.
        `judge_lm=None` with `judge_lm: none` leaves rules without a check unknown."""
        return RNRProgram(judge_lm=judge_lm, use_judge=self.judge_lm != "none", checks_only=self.checks_only,
                          rule_source=self.rule_source or "lm", user_turns=self.user_turns, answering=answering)

    request_timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=3600, description=(
        "Seconds a request to a served LM (--api-base or a hosted API) may wait for its answer before it counts as "
        "failed; raise it for slow servers and long answers. In-process models have no timeout."))
    num_retries: int = Field(DEFAULT_RETRIES, ge=0, le=20, description=(
        "Retries of a served LM's request that timed out, was rate limited (429) or hit a server error (5xx), with "
        "backoff of 1, 2, 4 s (a server's Retry-After is honoured up to 60 s); then the row is recorded as failed. "
        "After 3 calls in a row failed every try, the LM is not called again in that run."))

    def lm_settings(self) -> dict[str, Any]:
        """The connection settings every LM of the stage is made with (`make_lm` keywords)."""
        return {"api_base": self.api_base, "api_key": self.api_key.get_secret_value() if self.api_key else None,
                "timeout": self.request_timeout, "num_retries": self.num_retries}

Config = TypeVar("Config", bound=BaseModel)


def build_config(cls: type[Config], path: Path | None, overrides: dict[str, Any], *,
                 flag_names: bool = False) -> Config:
    """`cls` from the YAML mapping at `path` (if any), with `overrides` (the flags a user gave) on top.

    Raises `ConfigError` naming the file and the field that is wrong (as a `--flag` with `flag_names`).
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read config {path}: {error}") from error
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings, got {type(loaded).__name__}")
        values = loaded
    merged = {**values, **{key: value for key, value in overrides.items() if not isinstance(value, dict)}}
    for key, value in overrides.items():
        if isinstance(value, dict):
            merged[key] = {**(values.get(key) or {}), **value}
    try:
        return cls(**merged)
    except ValidationError as error:
        source = f"{path}: " if path else ""
        fields = [".".join(map(str, e["loc"])) for e in error.errors()]
        if flag_names:
            fields = ["--" + field.replace("_", "-") for field in fields]
        problems = "; ".join(f"{field}: {e['msg']}" for field, e in zip(fields, error.errors(), strict=True))
        raise ConfigError(f"{source}{problems}") from None
