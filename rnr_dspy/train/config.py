"""`TrainConfig`: what `rnr-dspy train` reads from YAML and flags.

TRL and PEFT settings are not re-declared here: `sft_config`, `dpo_config`, `grpo_config` and `lora_config` are
passed straight to `trl.SFTConfig`, `trl.DPOConfig`, `trl.GRPOConfig` and `peft.LoraConfig`, and validated by
constructing them. Defaults that suit the
machine (CPU or GPU) fill in only what the user left out.

Example YAML:
    data: [runs/demo]
    model: embedded
    out: runs/demo/model
    lora: true
    lora_config: {r: 16, lora_alpha: 32}
    method: [sft, grpo]
    sft_config: {num_train_epochs: 2, learning_rate: 5.0e-5, max_length: 512}
    grpo_config: {num_generations: 4, max_completion_length: 160}
    reward: fraction
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

from rnr_dspy.config import OutDir
from rnr_dspy.errors import close_names

__all__ = ["OWNED_TRL_FIELDS", "Method", "TrainConfig", "machine_defaults"]

Method = Literal["sft", "dpo", "grpo"]

# Set by rnr-dspy itself: checkpoints go under `out/checkpoints/<stage>`.
OWNED_TRL_FIELDS = frozenset({"output_dir"})

# The settings that decide what a method learns: `recorded_settings` writes the values TRL resolved for them.
_RECORDED = ("learning_rate", "num_train_epochs", "max_steps", "per_device_train_batch_size",
             "gradient_accumulation_steps", "lr_scheduler_type", "warmup_steps", "weight_decay", "max_length",
             "beta", "num_generations", "max_completion_length", "seed")

_DATA: JsonDict = {"panel": "Data"}
_TRAINING: JsonDict = {"panel": "Training"}


class TrainConfig(BaseModel):
    """Settings of one `rnr-dspy train` run."""

    model_config = ConfigDict(extra="forbid")

    data: list[Path] = Field(min_length=1, description="Generate run directories (their data/sft.jsonl, "
                             "data/dpo.jsonl for dpo, generated.jsonl's prompts for grpo) or JSONL files of SFT, "
                             "preference or prompt rows.", json_schema_extra=_DATA)
    model: str = Field("embedded", description="Model to train: embedded, or local:PATH (a Hugging Face model "
                       "directory or a .gguf file).")
    out: OutDir = Field(Path("runs/train"), description="Output directory of the trained model.")
    overwrite: bool = Field(False, description="Write into an output directory that is not empty.")
    ift_data: str | None = Field(None, description="Instruction-tuning rows to mix in (an Alpaca- or messages-shaped "
                                 "file, or a hub dataset id).", json_schema_extra=_DATA)
    mix_ratio: float = Field(1.0, ge=0, description="IFT rows mixed in per RNR row (capped by what the file has).",
                             json_schema_extra=_DATA)
    sft_rows: list[Literal["sampled", "repaired", "hindsight"]] = Field(
        default_factory=lambda: ["sampled", "repaired", "hindsight"], min_length=1,
        description="Which generated SFT rows to train on, by how the answer was made: sampled (it followed every "
        "rule as written), repaired (the checkers fixed it), hindsight (rules it already followed). Rows without a "
        "method (other SFT files) are always used; those left out are counted.", json_schema_extra=_DATA)
    overlong: Literal["skip", "truncate"] = Field(
        "skip", description="Rows longer than max_length: skip them, or let TRL truncate them (both are counted).",
        json_schema_extra=_DATA)
    seed: int = Field(0, description="Seed of the IFT sample and of TRL (unless a method's config sets its own "
                      "seed).")
    max_steps: int | None = Field(None, ge=1, description="Stop each method after this many optimizer steps (quick "
                                  "runs; max_steps in a method's config wins).", json_schema_extra=_TRAINING)
    lora: bool = Field(False, description="Train LoRA adapters (merged into the weights on save) instead of all "
                       "weights.", json_schema_extra=_TRAINING)
    lora_config: dict[str, Any] = Field(default_factory=dict, description="peft.LoraConfig settings (default: all "
                                        "linear layers, r=16, lora_alpha=32).", json_schema_extra=_TRAINING)
    method: list[Method] = Field(
        default_factory=lambda: ["sft"], min_length=1,
        description="Training methods, run in this order, each starting from the last one's model: sft (the "
        "passing rows), dpo (passing against failed responses), grpo (TRL's GRPOTrainer on the generated prompts, "
        "rewarded by the rule verdicts). E.g. [sft, dpo] or [sft, grpo].", json_schema_extra=_TRAINING)
    reward: Literal["all_rules", "fraction"] = Field(
        "fraction", description="GRPO reward: all_rules pays 1 only when every rule is followed; fraction pays the "
        "share of rules followed. Unknown (judge-only, unjudged) rules earn nothing.", json_schema_extra=_TRAINING)
    judge_lm: str | None = Field(None, description="LM spec that judges rules without a check in GRPO rewards "
                                 "(default: none, such rules stay unknown).", json_schema_extra=_TRAINING)
    sft_config: dict[str, Any] = Field(default_factory=dict, description="trl.SFTConfig settings (machine "
                                       "defaults fill the rest).", json_schema_extra=_TRAINING)
    dpo_config: dict[str, Any] = Field(default_factory=dict, description="trl.DPOConfig settings (machine "
                                       "defaults fill the rest).", json_schema_extra=_TRAINING)
    grpo_config: dict[str, Any] = Field(default_factory=dict, description="trl.GRPOConfig settings (machine "
                                        "defaults fill the rest).", json_schema_extra=_TRAINING)

    @field_validator("method")
    @classmethod
    def _methods_once_each(cls, value: list[Method]) -> list[Method]:
        repeated = sorted({method for method in value if value.count(method) > 1})
        if repeated:
            raise ValueError(f"each method runs at most once; repeated: {', '.join(repeated)}")
        return value

    @field_validator("sft_config", "dpo_config", "grpo_config", "lora_config")
    @classmethod
    def _settings_are_valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # Constructing the real classes is the only complete check of names, types and combinations; each method's
        # settings are checked when it runs (fields validate in order, so `method` and `lora` are known).
        owned = sorted(OWNED_TRL_FIELDS & value.keys())
        if owned and info.field_name != "lora_config":
            raise ValueError(f"{', '.join(owned)} is set by rnr-dspy (checkpoints go under OUT/checkpoints)")
        methods = info.data.get("method") or []
        if info.field_name == "sft_config" and "sft" in methods:
            _sft_config(Path("checkpoints"), _run_defaults(info.data) | value)
        elif info.field_name == "dpo_config" and "dpo" in methods:
            _dpo_config(Path("checkpoints"), _run_defaults(info.data) | value)
        elif info.field_name == "grpo_config" and "grpo" in methods:
            _grpo_config(Path("checkpoints"), _run_defaults(info.data) | value)
        elif info.field_name == "lora_config" and info.data.get("lora"):
            _lora_config(value)
        return value

    def sft_arguments(self, output_dir: Path | None = None) -> Any:
        """The `trl.SFTConfig` of this run."""
        settings = _run_defaults(self.model_dump()) | self.sft_config
        return _sft_config(output_dir or self.out / "checkpoints" / "sft", settings)

    def dpo_arguments(self, output_dir: Path | None = None) -> Any:
        """The `trl.DPOConfig` of this run."""
        settings = _run_defaults(self.model_dump()) | self.dpo_config
        return _dpo_config(output_dir or self.out / "checkpoints" / "dpo", settings)

    def grpo_arguments(self, output_dir: Path | None = None) -> Any:
        """The `trl.GRPOConfig` of this run."""
        settings = _run_defaults(self.model_dump()) | self.grpo_config
        return _grpo_config(output_dir or self.out / "checkpoints" / "grpo", settings)

    def recorded_settings(self) -> dict[str, Any]:
        """This config as `train_config.yaml` records it: each method's config holds the values TRL resolved for
        the settings that decide what it learns (learning rate, epochs, batch size, ...), the user's or TRL's
        defaults alike, so a run says what it trained with. Machine settings (CPU, precision) are left out, so the
        file still runs elsewhere."""
        recorded = self.model_dump(mode="json", exclude={"overwrite"})
        for method in self.method:
            arguments = getattr(self, f"{method}_arguments")()
            resolved = {name: _plain(getattr(arguments, name)) for name in _RECORDED if hasattr(arguments, name)}
            recorded[f"{method}_config"] = resolved | recorded[f"{method}_config"]
        return recorded

    def lora_arguments(self) -> Any:
        """The `peft.LoraConfig` of this run (all linear layers, r=16, alpha=32 unless set)."""
        return _lora_config(self.lora_config)


def _run_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    """What the run's own fields set in TRL's configs, under the user's sft_config/dpo_config."""
    defaults = {"seed": fields.get("seed", 0)}
    if fields.get("max_steps") is not None:
        defaults["max_steps"] = fields["max_steps"]
    return defaults


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _sft_config(output_dir: Path, settings: dict[str, Any]) -> Any:
    from trl import SFTConfig

    return _construct(SFTConfig, output_dir, settings)


def _dpo_config(output_dir: Path, settings: dict[str, Any]) -> Any:
    from trl import DPOConfig

    return _construct(DPOConfig, output_dir, settings)


def _grpo_config(output_dir: Path, settings: dict[str, Any]) -> Any:
    from trl import GRPOConfig

    return _construct(GRPOConfig, output_dir, settings)


def _lora_config(settings: dict[str, Any]) -> Any:
    from peft import LoraConfig

    try:
        return LoraConfig(**{"task_type": "CAUSAL_LM", "r": 16, "lora_alpha": 32, "target_modules": "all-linear",
                             **settings})
    except (TypeError, ValueError) as error:
        raise ValueError(_short(error, LoraConfig)) from None


def machine_defaults() -> dict[str, Any]:
    """Trainer settings that suit this machine; a user's own settings win over them.

    On CPU: `use_cpu`; bf16 autocast where the CPU computes bf16 natively (AVX512-BF16 or AMX: faster than fp32), fp32
    elsewhere (emulated bf16 is slow); no activation checkpointing (memory is rarely the limit there, and
    recomputation costs time). Everywhere: no experiment
    tracker unless asked for, a log line per step, and no intermediate checkpoints (the final model is saved).
    """
    import torch

    defaults: dict[str, Any] = {"report_to": "none", "logging_steps": 1, "save_strategy": "no"}
    if not torch.cuda.is_available():
        defaults |= {"use_cpu": True, "bf16": _cpu_has_native_bf16(), "activation_checkpointing": False}
    return defaults


def _cpu_has_native_bf16() -> bool:
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes)


# transformers 5 renamed gradient_checkpointing; a user's setting under either name beats our default.
_ALIASES = {"activation_checkpointing": "gradient_checkpointing"}


def _construct(cls: type, output_dir: Path, settings: dict[str, Any]) -> Any:
    defaults = {key: value for key, value in machine_defaults().items() if _ALIASES.get(key) not in settings}
    try:
        return cls(output_dir=str(output_dir), **{**defaults, **settings})
    except (TypeError, ValueError) as error:
        raise ValueError(_short(error, cls)) from None


def _short(error: Exception, cls: type | None = None) -> str:
    text = str(error)
    # "SFTConfig.__init__() got an unexpected keyword argument 'x'" -> name the field the way a user wrote it.
    if "unexpected keyword argument" in text:
        name = text.rsplit(" ", 1)[-1].strip("'")
        hint = close_names(name, _setting_names(cls)) if cls else ""
        return f"unknown setting '{name}'" + (f"; {hint}" if hint.startswith("did you mean") else "")
    return text.splitlines()[0] if text else type(error).__name__


def _setting_names(cls: type) -> list[str]:
    import dataclasses

    if dataclasses.is_dataclass(cls):
        return [field.name for field in dataclasses.fields(cls)]
    return []
