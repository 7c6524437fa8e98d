"""`TrainConfig`: what `rnr-dspy train` reads from YAML and flags.

TRL and PEFT settings are not re-declared here: `sft_config`, `dpo_config` and `lora_config` are passed straight to
`trl.SFTConfig`, `trl.DPOConfig` and `peft.LoraConfig`, and validated by constructing them. Defaults that suit the
machine (CPU or GPU) fill in only what the user left out.

Example YAML:
    data: [runs/demo]
    model: embedded
    out: runs/demo/model
    lora: true
    lora_config: {r: 16, lora_alpha: 32}
    sft_config: {num_train_epochs: 2, learning_rate: 5.0e-5, max_length: 512}
    dpo: true
    dpo_config: {beta: 0.1}
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

__all__ = ["OWNED_TRL_FIELDS", "TrainConfig", "machine_defaults"]

# Set by rnr-dspy itself: checkpoints go under `out/checkpoints/<stage>`.
OWNED_TRL_FIELDS = frozenset({"output_dir"})

_DATA: JsonDict = {"panel": "Data"}
_TRAINING: JsonDict = {"panel": "Training"}


class TrainConfig(BaseModel):
    """Settings of one `rnr-dspy train` run."""

    model_config = ConfigDict(extra="forbid")

    data: list[Path] = Field(min_length=1, description="Generate run directories (their data/sft.jsonl, and "
                             "data/dpo.jsonl with dpo) or JSONL files of SFT or preference rows.",
                             json_schema_extra=_DATA)
    model: str = Field("embedded", description="Model to train: embedded, or local:PATH (a Hugging Face model "
                       "directory or a .gguf file).")
    out: Path = Field(Path("runs/train"), description="Output directory of the trained model.")
    overwrite: bool = Field(False, description="Write into an output directory that is not empty.")
    ift_data: str | None = Field(None, description="Instruction-tuning rows to mix in (an Alpaca- or messages-shaped "
                                 "file, or a hub dataset id).", json_schema_extra=_DATA)
    mix_ratio: float = Field(1.0, ge=0, description="IFT rows mixed in per RNR row (capped by what the file has).",
                             json_schema_extra=_DATA)
    overlong: Literal["skip", "truncate"] = Field(
        "skip", description="Rows longer than max_length: skip them, or let TRL truncate them (both are counted).",
        json_schema_extra=_DATA)
    seed: int = Field(0, description="Seed of the IFT sample and of TRL (unless sft_config or dpo_config sets "
                      "its own seed).")
    max_steps: int | None = Field(None, ge=1, description="Stop each stage after this many optimizer steps (quick "
                                  "runs; max_steps in sft_config or dpo_config wins).", json_schema_extra=_TRAINING)
    lora: bool = Field(False, description="Train LoRA adapters (merged into the weights on save) instead of all "
                       "weights.", json_schema_extra=_TRAINING)
    lora_config: dict[str, Any] = Field(default_factory=dict, description="peft.LoraConfig settings (default: all "
                                        "linear layers, r=16, lora_alpha=32).", json_schema_extra=_TRAINING)
    dpo: bool = Field(False, description="Run DPO on the preference rows after SFT.", json_schema_extra=_TRAINING)
    sft_config: dict[str, Any] = Field(default_factory=dict, description="trl.SFTConfig settings (machine "
                                       "defaults fill the rest).", json_schema_extra=_TRAINING)
    dpo_config: dict[str, Any] = Field(default_factory=dict, description="trl.DPOConfig settings (machine "
                                       "defaults fill the rest).", json_schema_extra=_TRAINING)

    @field_validator("sft_config", "dpo_config", "lora_config")
    @classmethod
    def _settings_are_valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # Constructing the real classes is the only complete check of names, types and combinations; DPO and LoRA
        # settings are checked when those stages are on (fields validate in order, so `dpo` and `lora` are known).
        owned = sorted(OWNED_TRL_FIELDS & value.keys())
        if owned and info.field_name != "lora_config":
            raise ValueError(f"{', '.join(owned)} is set by rnr-dspy (checkpoints go under OUT/checkpoints)")
        if info.field_name == "sft_config":
            _sft_config(Path("checkpoints"), _run_defaults(info.data) | value)
        elif info.field_name == "dpo_config" and info.data.get("dpo"):
            _dpo_config(Path("checkpoints"), _run_defaults(info.data) | value)
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

    def lora_arguments(self) -> Any:
        """The `peft.LoraConfig` of this run (all linear layers, r=16, alpha=32 unless set)."""
        return _lora_config(self.lora_config)


def _run_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    """What the run's own fields set in TRL's configs, under the user's sft_config/dpo_config."""
    defaults = {"seed": fields.get("seed", 0)}
    if fields.get("max_steps") is not None:
        defaults["max_steps"] = fields["max_steps"]
    return defaults


def _sft_config(output_dir: Path, settings: dict[str, Any]) -> Any:
    from trl import SFTConfig

    return _construct(SFTConfig, output_dir, settings)


def _dpo_config(output_dir: Path, settings: dict[str, Any]) -> Any:
    from trl import DPOConfig

    return _construct(DPOConfig, output_dir, settings)


def _lora_config(settings: dict[str, Any]) -> Any:
    from peft import LoraConfig

    try:
        return LoraConfig(**{"task_type": "CAUSAL_LM", "r": 16, "lora_alpha": 32, "target_modules": "all-linear",
                             **settings})
    except (TypeError, ValueError) as error:
        raise ValueError(_short(error, LoraConfig)) from None


def machine_defaults() -> dict[str, Any]:
    """Trainer settings that suit this machine; a user's own settings win over them.

    On CPU: `use_cpu`; bf16 autocast where the CPU computes bf16 natively (AVX512-BF16 or AMX: measured 1.25-1.3x
    the tokens/s of fp32 on SmolLM2-135M), fp32 elsewhere (emulated bf16 is slow); no activation checkpointing
    (memory is rarely the limit there, and recomputation costs about a fifth more time). Everywhere: no experiment
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
        near = difflib.get_close_matches(name, _setting_names(cls), n=3, cutoff=0.6) if cls else []
        return f"unknown setting '{name}'" + (f"; did you mean {' or '.join(near)}?" if near else "")
    return text.splitlines()[0] if text else type(error).__name__


def _setting_names(cls: type) -> list[str]:
    import dataclasses

    if dataclasses.is_dataclass(cls):
        return [field.name for field in dataclasses.fields(cls)]
    return []
