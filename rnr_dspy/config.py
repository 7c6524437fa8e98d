"""Stage configs from YAML files, with command-line flags on top, and errors that say what to write instead."""

from __future__ import annotations

import difflib
import reprlib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import dspy
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError
from pydantic.config import JsonDict

from rnr_dspy.adapter import StructuredAdapter
from rnr_dspy.answer import AnswerSettings
from rnr_dspy.composed_turns import COMPOSED_TURNS
from rnr_dspy.data import SHIPPED_SEEDS, SeedColumns
from rnr_dspy.errors import ConfigError
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from rnr_dspy.program import RNRProgram
from rnr_dspy.weak_teacher import apply_weak_teacher_defaults

__all__ = [
    "LM_PANEL", "SEED_PANEL", "OutDir", "TeacherStageConfig", "build_config", "read_config_file", "validate_config",
]


def _not_a_file(path: Path) -> Path:
    existing = next((place for place in (path, *path.parents) if place.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"is inside {existing}, a file"
        raise ValueError(f"{path} {where}; the output goes into a directory: pass a new path")
    return path


# A stage's output directory: a path that is a file is refused when the settings are read, before any work.
OutDir = Annotated[Path, AfterValidator(_not_a_file)]

# Where a field's flag is listed in `--help` (`json_schema_extra={"panel": ...}`; unset: the command's own panel).
LM_PANEL: JsonDict = {"panel": "Language models"}
SEED_PANEL: JsonDict = {"panel": "Seeds"}


class TeacherStageConfig(BaseModel):
    """What the stages that run the RNR program (compile, generate) share: the teacher and judge LMs, and the
    seeds and how they are grouped."""

    model_config = ConfigDict(extra="forbid")

    lm: str = Field("embedded", description="Teacher LM spec: embedded, local:PATH, or a DSPy model string.",
                    json_schema_extra=LM_PANEL)
    judge_lm: str | None = Field(None, description="Judge LM spec for rules without a check (default: the teacher); "
                                 "none: no judge, such rules stay unknown (so only fully checkable prompts pass).",
                                 json_schema_extra=LM_PANEL)
    api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp's "
                                 "server, ...).", json_schema_extra=LM_PANEL)
    api_key: SecretStr | None = Field(None, exclude=True, description="API key of the server (never written to "
                                      "reports or configs).",
                                      json_schema_extra={**LM_PANEL, "envvar": "RNR_DSPY_API_KEY"})
    engine_threads: int | None = Field(None, ge=1, le=512, description="CPU threads of the embedded/GGUF engine "
                                       "(llama.cpp; default: every core).", json_schema_extra=LM_PANEL)
    engine_batch: int | None = Field(None, ge=1, le=64, description="Requests the embedded/GGUF engine decodes "
                                     "together (llama.cpp sequences, each holding its KV cells; default 8); more "
                                     "wait in its queue.", json_schema_extra=LM_PANEL)
    seeds: str = Field(SHIPPED_SEEDS, description="Seed file (jsonl/json/csv/parquet), hub dataset id, or 'shipped'.",
                       json_schema_extra=SEED_PANEL)
    columns: SeedColumns = Field(default_factory=SeedColumns, description="Which seed columns hold what (unset: "
                                 "detected).", json_schema_extra=SEED_PANEL)
    limit: int | None = Field(None, ge=1, description="Use at most this many seeds.", json_schema_extra=SEED_PANEL)
    k: int = Field(4, ge=1, le=32, description="Instructions per group (one role per group).",
                   json_schema_extra=SEED_PANEL)
    checks_only: bool = Field(False, description="Rules are registry checks only (ChooseRuleChecks), each decided by "
                              "code: for a weak teacher, whose free-text rules and judgements are noise.")
    role_source: Literal["lm", "composed"] = Field(
        "lm", description="lm: the LM writes each group's role; composed: a role naming the group's theme as its "
        "subject (no LM call; the LM's where the theme is a cluster id), so that a scope rule has a scope.")
    rule_source: Literal["lm", "sampled"] | None = Field(
        None, description="lm: the program writes the rules; sampled: compatible registry rules drawn without an LM "
        "(for a teacher too weak to write or choose rules). Default: sampled (and judge_lm none) for the embedded "
        "teacher, lm otherwise.")
    user_turns: bool = Field(True, description="Also generate and answer in-scope, adversarial and out-of-scope "
                             "user turns.")
    turn_source: Literal["lm", "composed"] | None = Field(
        None, description="lm: the LM writes the user turns (composed ones where its do not parse); composed: an "
        "adversarial turn is one of the group's requests with an ask against one of its rules, an out-of-scope turn "
        "a request of another theme (no LM call). Default: composed for the embedded teacher, lm otherwise.")
    responder_prompt: Literal["fields", "chat"] | None = Field(
        None, description="How the responder is asked: fields: DSPy's structured prompt (the signature's "
        "instructions, the system prompt and user turn as fields); chat: the conversation itself (the system prompt "
        "as the system message, the user turn as the user message), as the trained model will be prompted. Default: "
        "chat for the embedded teacher (it copies the field markers into its answers), fields otherwise.")

    request_timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=3600, description=(
        "Seconds a request to a served LM (--api-base or a hosted API) may wait for its answer before it counts as "
        "failed; raise it for slow servers and long answers. In-process models have no timeout."),
        json_schema_extra=LM_PANEL)
    num_retries: int = Field(DEFAULT_RETRIES, ge=0, le=20, description=(
        "Retries of a served LM's request that timed out, was rate limited (429) or hit a server error (5xx), with "
        "backoff of 1, 2, 4 s (a server's Retry-After is honoured up to 60 s); then the row is recorded as failed. "
        "After 3 calls in a row failed every try, the LM is not called again in that run."),
        json_schema_extra=LM_PANEL)

    _notes: list[str] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any) -> None:
        self._notes = apply_weak_teacher_defaults(
            self, usual={"rule_source": "lm", "judge_lm": None, "turn_source": "lm", "responder_prompt": "fields"},
            weak={"rule_source": "sampled", "judge_lm": "none", "turn_source": "composed", "responder_prompt": "chat"})

    @property
    def notes(self) -> list[str]:
        """Defaults these settings took because the teacher is weak (shown in the stage's report)."""
        return list(self._notes)

    @property
    def turns_per_group(self) -> int:
        """The user turns a group answers at most: the LM's three, or the composed ones."""
        return (COMPOSED_TURNS if self.turn_source == "composed" else 3) * self.user_turns

    @property
    def use_judge(self) -> bool:
        """False when `judge_lm` is `none`: rules without a check stay unknown."""
        return self.judge_lm != "none"

    def make_program(self, judge_lm: dspy.BaseLM | None, answering: AnswerSettings | None = None) -> RNRProgram:
        """The RNR program these settings describe: compile optimizes and generate runs the same flow.
        `judge_lm: none` leaves rules without a check unknown."""
        return RNRProgram(judge_lm=judge_lm, use_judge=self.use_judge, checks_only=self.checks_only,
                          role_source=self.role_source, rule_source=self.rule_source or "lm",
                          user_turns=self.user_turns, turn_source=self.turn_source or "lm", answering=answering)

    def adapter(self) -> StructuredAdapter:
        """The adapter the stage's program runs under (`responder_prompt` decides how the responder is asked)."""
        return StructuredAdapter(chat_turns=self.responder_prompt == "chat")

    def lm_settings(self, **settings: Any) -> dict[str, Any]:
        """The keyword arguments of `make_lm` that every LM of the stage shares (the key unwrapped)."""
        key = self.api_key.get_secret_value() if self.api_key else None
        return {"api_base": self.api_base, "api_key": key, "engine_threads": self.engine_threads,
                "engine_batch": self.engine_batch, "timeout": self.request_timeout, "num_retries": self.num_retries,
                **settings}


Config = TypeVar("Config", bound=BaseModel)
Location = tuple[int | str, ...]


def read_config_file(path: Path) -> dict[str, Any]:
    """The mapping of settings in a YAML file (an empty file is no settings)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read config {path}: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(loaded).__name__}")
    return loaded


def build_config(cls: type[Config], path: Path | None, overrides: dict[str, Any], *,
                 flag_of: Callable[[Location], str | None] | None = None) -> Config:
    """`cls` from the YAML mapping at `path` (if any), with `overrides` (the flags a user gave) on top; a mapping
    override is merged key by key into the file's mapping.

    Raises `ConfigError` naming each wrong field: as the flag `flag_of(location)` returns (None: not a flag), else
    as `FILE: field`.
    """
    values = read_config_file(path) if path is not None else {}
    merged = dict(values)
    for key, value in overrides.items():
        merged[key] = {**(values.get(key) or {}), **value} if isinstance(value, dict) else value

    def name(location: Location) -> str:
        flag = flag_of(location) if flag_of else None
        return flag or (f"{path}: " if path else "") + _dotted(location)

    return validate_config(cls, merged, name=name)


def validate_config(cls: type[Config], values: dict[str, Any], *, prefix: str = "",
                    name: Callable[[Location], str] | None = None) -> Config:
    """`cls(**values)`, or a `ConfigError` whose every problem names its field (`prefix` + the dotted field, or
    `name(location)`), the nearest valid names of an unknown one, and the expected type of a wrong value."""
    try:
        return cls.model_validate(values)
    except ValidationError as error:
        problems = [f"{name(tuple(e['loc'])) if name else prefix + _dotted(e['loc'])}: {_problem(cls, e)}"
                    for e in error.errors()]
        raise ConfigError("; ".join(problems)) from None


def _dotted(location: typing.Sequence[int | str]) -> str:
    return ".".join(map(str, location))


def _problem(cls: type[BaseModel], error: Any) -> str:
    location = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        valid = sorted(_model_at(cls, location[:-1]).model_fields)
        near = difflib.get_close_matches(str(location[-1]), valid, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(near)}?" if near else f"valid settings: {', '.join(valid)}"
        return f"unknown setting; {hint}"
    if error["type"].endswith(("_type", "_parsing")):
        annotation = _annotation_at(cls, location)
        expected = f"expected {_type_name(annotation)}, got {_shown(error['input'])}" if annotation else ""
        return "; ".join(part for part in (expected, error["msg"]) if part)
    return str(error["msg"])


# A value echoed in a message is cut short: a few YAML anchors expand to a value whose whole repr runs to megabytes.
def _shown(value: Any) -> str:
    shown = reprlib.Repr()
    shown.maxlevel, shown.maxlist, shown.maxdict, shown.maxstring, shown.maxother = 2, 4, 4, 60, 60
    return shown.repr(value)


def _model_at(cls: type[BaseModel], location: Location) -> type[BaseModel]:
    model = cls
    for part in location:
        field = model.model_fields.get(str(part))
        inner = _nested_model(field.annotation) if field else None
        if inner is None:
            return model
        model = inner
    return model


def _annotation_at(cls: type[BaseModel], location: Location) -> Any:
    parent = _model_at(cls, location[:-1])
    field = parent.model_fields.get(str(location[-1])) if location else None
    return field.annotation if field else None


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("pathlib.", "").replace("pydantic.types.", "")
