"""`rnr-dspy run RECIPE.yaml`: compile → generate → train → eval into one run directory, resumable by stage.

A recipe names the stages it runs and the settings of each (any field of that stage's config); the runner wires
their paths (the compiled program feeds generate, generate's data feeds train, eval compares the base model with
the trained one). Only training is distributed: a train stage with `launch: {num_processes: N}` runs under
`accelerate launch` on N processes, while every other stage runs once; the runner itself is never launched that way.
`run_state.json` records each finished stage, its settings, its wall time and its peak resident memory; running the
recipe again skips those whose settings are unchanged (`force` re-runs one), and an interrupted stage picks up where
it stopped (generate resumes row by row; a generate stage with rows missing is not finished).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rnr_dspy.config import read_config_file, validate_config
from rnr_dspy.errors import ConfigError, RnrError
from rnr_dspy.models.spec import ModelSpec
from rnr_dspy.models.to_gguf import GGUFType
from rnr_dspy.runtime.atomic import write_json, write_yaml
from rnr_dspy.runtime.hashing import content_hash
from rnr_dspy.runtime.launch_failure import run_launched
from rnr_dspy.runtime.peak_memory import PeakMeter, run_measured
from rnr_dspy.runtime.progress import Progress
from rnr_dspy.stages import STAGES as STAGE_SPECS
from rnr_dspy.stages import Stage

__all__ = ["Launch", "Recipe", "load_recipe", "run_recipe", "stage_configs"]

STAGES: tuple[Stage, ...] = ("compile", "generate", "train", "eval")


class Launch(BaseModel):
    """How the train stage is launched on several processes (`accelerate launch`)."""

    model_config = ConfigDict(extra="forbid")

    num_processes: int = Field(ge=1, description="Processes (one per GPU; on a CPU, gloo workers).")
    config_file: Path | None = Field(None, description="An accelerate config (FSDP, DeepSpeed, several machines); "
                                     "without one the processes run data-parallel on this machine.")


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The recipe's name.")
    out: Path = Field(description="The run directory.")
    lm: str = Field("embedded", description="Teacher LM of compile and generate (a stage's own `lm` wins).")
    student: str = Field("embedded", description="The model trained, and evaluated before and after.")
    stages: list[Stage] = Field(default_factory=lambda: list(STAGES), description="The stages to run, in order.")
    isolate_stages: bool = Field(True, description="Run each stage as its own `rnr-dspy STAGE --config` process: "
                                 "memory is returned between stages, so no stage inherits the train stage's heap.")
    eval_as_gguf: bool = Field(False, description="Evaluate the base and the trained student as GGUFs on llama.cpp "
                               "(several times faster than transformers on a CPU; the student must be the embedded "
                               "model or a GGUF of the same shapes).")
    eval_gguf_type: GGUFType = Field("Q8_0", description="The type of those GGUFs' weights: Q8_0 (decoded on the "
                                     "CPU's matrix units where it has them) or F16.")
    program: dict[str, Any] = Field(default_factory=dict, description="Program settings (ProgramSettings: "
                                    "rule_source, judge_lm, ...) of compile and generate, so the program generate "
                                    "runs is the one compiled (a stage's own setting wins).")
    teacher: dict[str, Any] = Field(default_factory=dict, description="Settings of the teacher LM shared by compile "
                                    "and generate (LMSettings, temperature, max_tokens; a stage's own wins).")
    compile: dict[str, Any] = Field(default_factory=dict, description="Settings of CompileConfig.")
    generate: dict[str, Any] = Field(default_factory=dict, description="Settings of GenerateConfig.")
    train: dict[str, Any] = Field(default_factory=dict, description="Settings of TrainConfig.")
    eval: dict[str, Any] = Field(default_factory=dict, description="Settings of EvalConfig.")

    @field_validator("compile", "generate", "eval")
    @classmethod
    def _runs_once(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if "launch" in value:
            raise ValueError(f"{info.field_name} runs once, on one process (raise its num_threads for "
                             "concurrency); only the train stage takes `launch`")
        return value

    @field_validator("program", "teacher")
    @classmethod
    def _shared_settings(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from rnr_dspy.models.settings import LMSettings
        from rnr_dspy.program.rnr_program import ProgramSettings

        valid = (set(ProgramSettings.model_fields) if info.field_name == "program"
                 else {*LMSettings.model_fields, "engine_batch", "temperature", "max_tokens"})
        unknown = sorted(set(value) - valid)
        if unknown:
            raise ValueError(f"not a {info.field_name} setting: {', '.join(unknown)} "
                             f"(valid: {', '.join(sorted(valid))})")
        return value

    @property
    def launch(self) -> Launch | None:
        """How the train stage is launched, if on several processes."""
        return Launch.model_validate(self.train["launch"]) if "launch" in self.train else None


def load_recipe(source: str | Path, out: Path | None = None) -> Recipe:
    """A recipe from a YAML file, or a shipped one by name (`embedded-smollm2`, `teacher-vllm-7b`)."""
    path = Path(source)
    if not path.is_file():
        shipped = resources.files("rnr_dspy") / "recipes" / f"{source}.yaml"
        if not shipped.is_file():
            names = sorted(p.name.removesuffix(".yaml") for p in (resources.files("rnr_dspy") / "recipes").iterdir()
                           if p.name.endswith(".yaml"))
            raise ConfigError(f"recipe {str(source)!r}: no such file, and not a shipped recipe ({', '.join(names)})")
        path = Path(str(shipped))
    data = read_config_file(path)
    return validate_config(Recipe, {**data, **({"out": out} if out else {})}, prefix=f"{path}: ")


def stage_configs(recipe: Recipe) -> dict[Stage, Any]:
    """Each stage's config with the run's paths wired in; all validated before any stage runs."""
    out = recipe.out
    program = out / "compile" / "program.json" if "compile" in recipe.stages else None
    wiring: dict[Stage, dict[str, Any]] = {
        "compile": {"out": out / "compile", "lm": recipe.lm, **recipe.teacher, **recipe.program},
        "generate": {"out": out / "generate", "lm": recipe.lm, "program": program, **recipe.teacher,
                     **recipe.program},
        "train": {"data": [out / "generate"], "out": out / "model", "model": recipe.student, "overwrite": True},
        "eval": {"models": _eval_models(recipe), "out": out / "eval"},
    }
    return {stage: validate_config(STAGE_SPECS[stage].config,
                                   {**wiring[stage], **{key: value for key, value in getattr(recipe, stage).items()
                                                        if key != "launch"}},
                                   prefix=f"recipe {recipe.name}: {stage}.")
            for stage in recipe.stages}


def _read_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RnrError(f"{path} cannot be read ({error}): move it aside to run every stage again") from None
    if not isinstance(state, dict):
        raise RnrError(f"{path} is not a run state (a JSON object): move it aside to run every stage again")
    return state


def _eval_models(recipe: Recipe) -> list[str]:
    if recipe.eval_as_gguf:
        return [f"local:{path}" for path in _eval_ggufs(recipe)]
    return [recipe.student, f"local:{recipe.out / 'model'}"]


def _eval_ggufs(recipe: Recipe) -> tuple[Path, Path]:
    """Where the base and the trained model are written as GGUFs: named by their type, so that a run with another
    type writes its own."""
    suffix = f"{recipe.eval_gguf_type.lower()}.gguf"
    return recipe.out / "eval" / f"base.{suffix}", recipe.out / "model" / f"model.{suffix}"


def _write_ggufs(recipe: Recipe) -> None:
    """The base (from the student's GGUF) and the trained model as GGUFs, for llama.cpp."""
    from rnr_dspy.models.convert import hf_model_dir
    from rnr_dspy.models.to_gguf import write_gguf

    student = ModelSpec.parse(recipe.student)
    template = student.gguf_file()
    (recipe.out / "eval").mkdir(parents=True, exist_ok=True)
    # Each is written once per version of its weights: a re-run eval (--force eval) reuses them.
    for source, target in zip((hf_model_dir(student), recipe.out / "model"), _eval_ggufs(recipe), strict=True):
        weights = max(path.stat().st_mtime for path in source.glob("*.safetensors"))
        if not target.exists() or target.stat().st_mtime < weights:
            write_gguf(source, template, target, recipe.eval_gguf_type)


def _launched(launch: Launch) -> list[str]:
    """`accelerate launch` for the train stage. Without a config file, `--multi_gpu` starts the processes with
    torchrun; on a machine without GPUs they join over gloo (`--cpu` would start one process unless MPI is set up)."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(launch.num_processes)]
    if launch.config_file is not None:
        return [*command, "--config_file", str(launch.config_file)]
    if launch.num_processes > 1:
        command.append("--multi_gpu")
    return [*command, "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]


def _in_process_of_its_own(stage: Stage, out: Path, config: BaseModel, launch: Launch | None = None) -> int:
    """Run one stage as `rnr-dspy STAGE --config FILE` (its settings written to `out/configs/STAGE.yaml`), under
    `accelerate launch` when `launch` says so; its peak RSS in bytes."""
    path = out / "configs" / f"{stage}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Credentials in the server's address are masked (a served LM refuses them anyway); the API key goes by env.
    write_yaml(path, config.model_dump(mode="json", exclude_none=True))
    environment = dict(os.environ)
    key = getattr(config, "api_key", None)
    if key is not None:  # never written to the settings file
        environment["RNR_DSPY_API_KEY"] = key.get_secret_value() if hasattr(key, "get_secret_value") else str(key)
    launcher = _launched(launch) if launch is not None else [sys.executable]
    measure = run_launched if launch is not None else run_measured  # a killed worker: the launcher's -SIGKILL
    code, peak = measure([*launcher, "-m", "rnr_dspy.cli", stage, "--config", str(path)], env=environment)
    if code != 0:
        raise RnrError(f"stage {stage} failed ({_exit_reason(code)}); its settings: {path}")
    return peak


def _exit_reason(code: int) -> str:
    # A process killed by a signal exits with its negative number (or 128 + it, through a shell).
    signal_number = -code if code < 0 else code - 128 if code > 128 else 0
    if signal_number == signal.SIGKILL:
        return ("killed (SIGKILL), most often by the kernel when memory ran out (under `launch`, a worker process; "
                "each holds its own model and batch): lower the processes of `launch` (num_processes), the batch "
                "size (per_device_train_batch_size; gradient_accumulation_steps keeps the effective batch) or the "
                "sequence length (max_length)")
    try:
        return f"killed by {signal.Signals(signal_number).name}" if signal_number else f"exit code {code}"
    except ValueError:  # no such signal: an exit code above 128 of the command's own
        return f"exit code {code}"


def _without_keys(recipe: dict[str, Any]) -> dict[str, Any]:
    """The recipe as recorded in its run: every stage section without its `api_key` (it goes by env)."""
    return {name: {key: value for key, value in section.items() if key != "api_key"}
            if isinstance(section, dict) else section for name, section in recipe.items()}


def _in_this_process(run: Callable[[Any], Any], config: BaseModel) -> int:
    meter = PeakMeter()
    meter.mark()
    result = run(config)
    missing = getattr(result, "missing_rows", 0)
    if missing:  # a generate run with rows missing is not done: the next run of the recipe resumes it
        raise RnrError(f"stage generate is not finished: {missing} of {result.planned_rows} rows missing (first "
                       f"error: {(result.first_errors or ['none recorded'])[0]}); run the same command again to "
                       "generate them (rows whose reply did not parse: with retry_failed: true in the recipe's "
                       "generate section)")
    return meter.peak()


def _refuse_a_launched_runner() -> None:
    # Under a launcher every process would run every stage: N compiles and generates appending to the same files.
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 or "LOCAL_RANK" in os.environ:
        raise ConfigError("a recipe is run once, not under `accelerate launch`/torchrun (every process would run "
                          "every stage into the same files): run `rnr-dspy run RECIPE` and give its train stage "
                          "`launch: {num_processes: N}` to train on N processes")


def _done_with(recorded: dict[str, Any], settings: str) -> bool:
    """Whether a stage is done under these settings: one done under others (the recipe was edited) runs again.
    A stage recorded without its settings counts as done under any."""
    return recorded.get("status") == "done" and recorded.get("settings", settings) == settings


def run_recipe(recipe: Recipe, force: list[Stage] | None = None,
               on_stage: Callable[[Stage, str, dict[str, Any]], None] | None = None,
               progress: Progress | None = None) -> dict[str, Any]:
    """Run the recipe's stages in order, skipping those `run_state.json` records as done under the same settings
    (unless in `force`).

    Each stage runs as `run_<stage>(config, progress)`, the way the CLI runs it; with `isolate_stages`, as its own
    `rnr-dspy STAGE --config FILE` process (which shows its own progress); a train stage with `launch`, under
    `accelerate launch`."""
    _refuse_a_launched_runner()
    runners: dict[Stage, Callable[[Any], int]] = {
        stage: partial(_in_this_process, partial(spec.run, progress=progress)) for stage, spec in STAGE_SPECS.items()}
    if recipe.isolate_stages:
        runners = {stage: partial(_in_process_of_its_own, stage, recipe.out) for stage in runners}
    if recipe.launch is not None:
        runners["train"] = partial(_in_process_of_its_own, "train", recipe.out, launch=recipe.launch)
    configs = stage_configs(recipe)
    if {"train", "eval"} & set(recipe.stages):
        ModelSpec.parse(recipe.student)  # a missing local student fails now, not after compile and generate spent
    recipe.out.mkdir(parents=True, exist_ok=True)
    write_yaml(recipe.out / "recipe.yaml", _without_keys(recipe.model_dump(mode="json")))
    state_path = recipe.out / "run_state.json"
    state = _read_state(state_path)
    for stage in recipe.stages:
        settings = content_hash(configs[stage].model_dump(mode="json"))
        if _done_with(state.get(stage, {}), settings) and stage not in (force or []):
            if on_stage:
                on_stage(stage, "skipped", state[stage])
            continue
        if on_stage:
            on_stage(stage, "started", {})
        started = time.perf_counter()
        if stage == "eval" and recipe.eval_as_gguf:
            _write_ggufs(recipe)
        peak = runners[stage](configs[stage])
        state[stage] = {"status": "done", "settings": settings, "wall_seconds": round(time.perf_counter() - started, 1),
                        "peak_rss_mb": round(peak / 2**20),
                        "finished": datetime.datetime.now().isoformat(timespec="seconds")}
        write_json(state_path, state)
        if on_stage:
            on_stage(stage, "done", state[stage])
    return state
