"""`rnr-dspy run RECIPE.yaml`: compile → generate → train → eval into one run directory, resumable by stage.

A recipe names the stages it runs and the settings of each (any field of that stage's config); the runner wires
their paths (the compiled program feeds generate, generate's data feeds train, eval compares the base model with
the trained one). `run_state.json` records each finished stage and its wall time; running the recipe again skips
them (`force` re-runs one), and an interrupted stage picks up where it stopped (generate resumes row by row).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from rnr_dspy.config import read_config_file, validate_config
from rnr_dspy.errors import ConfigError, RnrError
from rnr_dspy.progress import Progress
from rnr_dspy.stages import STAGES as STAGE_SPECS
from rnr_dspy.stages import Stage

__all__ = ["Recipe", "load_recipe", "run_recipe", "stage_configs"]

STAGES: tuple[Stage, ...] = ("compile", "generate", "train", "eval")


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The recipe's name.")
    out: Path = Field(description="The run directory.")
    lm: str = Field("embedded", description="Teacher LM of compile and generate (a stage's own `lm` wins).")
    student: str = Field("embedded", description="The model trained, and evaluated before and after.")
    stages: list[Stage] = Field(default_factory=lambda: list(STAGES), description="The stages to run, in order.")
    isolate_stages: bool = Field(True, description="Run each stage as its own `rnr-dspy STAGE --config` process: "
                                 "memory is returned between stages (one process held 22 GB by the train stage).")
    eval_as_gguf: bool = Field(False, description="Evaluate the base and the trained student as F16 GGUFs on "
                               "llama.cpp (several times faster than transformers on a CPU; the student must be "
                               "the embedded model or a GGUF of the same shapes).")
    compile: dict[str, Any] = Field(default_factory=dict, description="Settings of CompileConfig.")
    generate: dict[str, Any] = Field(default_factory=dict, description="Settings of GenerateConfig.")
    train: dict[str, Any] = Field(default_factory=dict, description="Settings of TrainConfig.")
    eval: dict[str, Any] = Field(default_factory=dict, description="Settings of EvalConfig.")


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
        "compile": {"out": out / "compile", "lm": recipe.lm},
        "generate": {"out": out / "generate", "lm": recipe.lm, "program": program},
        "train": {"data": [out / "generate"], "out": out / "model", "model": recipe.student, "overwrite": True},
        "eval": {"models": _eval_models(recipe), "out": out / "eval"},
    }
    return {stage: validate_config(STAGE_SPECS[stage].config_class(), {**wiring[stage], **getattr(recipe, stage)},
                                   prefix=f"recipe {recipe.name}: {stage}.")
            for stage in recipe.stages}


def _eval_models(recipe: Recipe) -> list[str]:
    if recipe.eval_as_gguf:
        return [f"local:{recipe.out / 'eval' / 'base.gguf'}", f"local:{recipe.out / 'model' / 'model.gguf'}"]
    return [recipe.student, f"local:{recipe.out / 'model'}"]


def _write_ggufs(recipe: Recipe) -> None:
    """The base (from the student's GGUF) and the trained model as F16 GGUFs, for llama.cpp."""
    from rnr_dspy.models.convert import hf_model_dir
    from rnr_dspy.models.lm import embedded_model_path
    from rnr_dspy.models.to_gguf import write_gguf

    template = embedded_model_path() if recipe.student == "embedded" else Path(recipe.student.removeprefix("local:"))
    (recipe.out / "eval").mkdir(parents=True, exist_ok=True)
    # Each is written once per version of its weights: a re-run eval (--force eval) reuses them.
    for source, target in ((hf_model_dir(recipe.student), recipe.out / "eval" / "base.gguf"),
                           (recipe.out / "model", recipe.out / "model" / "model.gguf")):
        weights = max(path.stat().st_mtime for path in source.glob("*.safetensors"))
        if not target.exists() or target.stat().st_mtime < weights:
            write_gguf(source, template, target)


def _in_process_of_its_own(stage: Stage, out: Path, config: BaseModel) -> None:
    """Run one stage as `rnr-dspy STAGE --config FILE` (its settings written to `out/configs/STAGE.yaml`)."""
    path = out / "configs" / f"{stage}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = config.model_dump(mode="json", exclude_none=True)
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    environment = dict(os.environ)
    key = getattr(config, "api_key", None)
    if key is not None:  # never written to the settings file
        environment["RNR_DSPY_API_KEY"] = key.get_secret_value() if hasattr(key, "get_secret_value") else str(key)
    done = subprocess.run([sys.executable, "-m", "rnr_dspy.cli", stage, "--config", str(path)], env=environment,
                          check=False)
    if done.returncode != 0:
        raise RnrError(f"stage {stage} failed (exit code {done.returncode}); its settings: {path}")


def run_recipe(recipe: Recipe, force: list[Stage] | None = None,
               on_stage: Callable[[Stage, str, dict[str, Any]], None] | None = None,
               progress: Progress | None = None) -> dict[str, Any]:
    """Run the recipe's stages in order, skipping those `run_state.json` records as done (unless in `force`).

    Each stage runs as `run_<stage>(config, progress)`, the way the CLI runs it; with `isolate_stages`, as its own
    `rnr-dspy STAGE --config FILE` process (which shows its own progress)."""
    runners: dict[Stage, Callable[[Any], Any]] = {
        stage: partial(spec.run, progress=progress) for stage, spec in STAGE_SPECS.items()}
    if recipe.isolate_stages:
        runners = {stage: partial(_in_process_of_its_own, stage, recipe.out) for stage in runners}
    configs = stage_configs(recipe)
    recipe.out.mkdir(parents=True, exist_ok=True)
    (recipe.out / "recipe.yaml").write_text(yaml.safe_dump(recipe.model_dump(mode="json"), sort_keys=False))
    state_path = recipe.out / "run_state.json"
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    for stage in recipe.stages:
        if state.get(stage, {}).get("status") == "done" and stage not in (force or []):
            if on_stage:
                on_stage(stage, "skipped", state[stage])
            continue
        if on_stage:
            on_stage(stage, "started", {})
        started = time.perf_counter()
        if stage == "eval" and recipe.eval_as_gguf:
            _write_ggufs(recipe)
        runners[stage](configs[stage])
        state[stage] = {"status": "done", "wall_seconds": round(time.perf_counter() - started, 1),
                        "finished": datetime.datetime.now().isoformat(timespec="seconds")}
        state_path.write_text(json.dumps(state, indent=2))
        if on_stage:
            on_stage(stage, "done", state[stage])
    return state
