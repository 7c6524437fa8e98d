"""`run_train`: SFT on generated RNR rows (optionally mixed with IFT rows), then optionally DPO, with TRL.

Output directory (`config.out`): the final model (safetensors, tokenizer with its chat template, generation
config), `README.md` (model card), `train_log.jsonl` (every logged step), `train_config.yaml`, `train_report.json`.
With DPO the SFT model is kept in `out/sft/` (DPO's starting point and its reference model).

Works unchanged under `accelerate launch` (DDP, FSDP, DeepSpeed): every process trains, the main one writes.

Example:
    >>> from rnr_dspy.train import TrainConfig, run_train
    >>> config = TrainConfig(data=["runs/demo"], out="runs/demo/model", sft_config={"max_steps": 10})
    >>> result = run_train(config)  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from pydantic import BaseModel

from rnr_dspy.errors import RnrError
from rnr_dspy.models.convert import hf_model_dir
from rnr_dspy.progress import Progress
from rnr_dspy.train.config import TrainConfig
from rnr_dspy.train.data import DataError, DataSet, load_dpo_rows, load_sft_rows, mix_ift, resolve_files
from rnr_dspy.train.lengths import fit_to_length
from rnr_dspy.train.model_card import render_model_card
from rnr_dspy.train.stage import StageResult, run_stage

__all__ = ["EMBEDDED_BASE_MODEL", "OutputDirError", "TrainResult", "run_train"]

# The embedded GGUF is this model, quantized to Q4_1; training starts from its de-quantized weights.
EMBEDDED_BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


class OutputDirError(RnrError):
    """The output directory cannot be written."""


class TrainResult(BaseModel):
    out: Path
    base_model: str
    stages: list[StageResult]
    data_counts: dict[str, int]
    skipped: dict[str, int]
    too_long: int
    problems: list[str]


def run_train(config: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Train the model of `config` and write it, its model card and its log to `config.out`.

    Progress: the phases `sft` and `dpo`, in optimizer steps, with the latest logged metrics as stats."""
    from accelerate import PartialState
    from transformers import AutoTokenizer
    from trl import DPOTrainer, SFTTrainer

    _check_out_dir(config.out, config.overwrite)
    PartialState().wait_for_everyone()  # every process has checked before the main one writes
    base = hf_model_dir(config.model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    sft_args = config.sft_arguments()
    sft_data = _sft_data(config)
    too_long = fit_to_length(sft_data, tokenizer, sft_args.max_length, config.overlong)
    _require_rows(sft_data, "SFT")
    dpo_data = None
    if config.dpo:
        dpo_args = config.dpo_arguments()
        dpo_data = load_dpo_rows(resolve_files(config.data, "dpo.jsonl"))
        too_long += fit_to_length(dpo_data, tokenizer, dpo_args.max_length, config.overlong)
        _require_rows(dpo_data, "DPO")
    lora = config.lora_arguments() if config.lora else None
    sft_out = config.out / "sft" if config.dpo else config.out
    with _quiet_libraries():
        stages = [run_stage("sft", SFTTrainer, base, sft_args, sft_data.rows, tokenizer, sft_out,
                            peft_config=lora, progress=progress)]
        if dpo_data is not None:
            stages.append(run_stage("dpo", DPOTrainer, sft_out, dpo_args, dpo_data.rows, tokenizer, config.out,
                                    peft_config=lora, progress=progress))
    skipped = sft_data.skipped + (dpo_data.skipped if dpo_data else Counter())
    result = TrainResult(
        out=config.out, base_model=EMBEDDED_BASE_MODEL if config.model == "embedded" else str(base),
        stages=stages, data_counts={**sft_data.counts(), **(dpo_data.counts() if dpo_data else {})},
        skipped=dict(skipped), too_long=too_long, problems=sft_data.problems + (dpo_data.problems if dpo_data else []),
    )
    if PartialState().is_main_process:
        _write_reports(result, config)
    return result


def _sft_data(config: TrainConfig) -> DataSet:
    data = load_sft_rows(resolve_files(config.data, "sft.jsonl"))
    if config.ift_data:
        mix_ift(data, config.ift_data, config.mix_ratio, config.seed)
    return data


def _require_rows(data: DataSet, kind: str) -> None:
    if data.rows:
        return
    detail = "; ".join(data.problems[:3])
    raise DataError(f"no usable {kind} row" + (f" ({detail})" if detail else " (the files are empty)"))


def _check_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputDirError(f"--out {out} exists and is not empty; choose another directory or pass --overwrite "
                             "(files of the same name are replaced)")


def _write_reports(result: TrainResult, config: TrainConfig) -> None:
    out = config.out
    out.mkdir(parents=True, exist_ok=True)
    for checkpoints in (out / "checkpoints" / "sft", out / "checkpoints" / "dpo", out / "checkpoints"):
        if checkpoints.is_dir() and not any(checkpoints.iterdir()):
            checkpoints.rmdir()  # the trainers create them even when they save no checkpoint
    with (out / "train_log.jsonl").open("w", encoding="utf-8") as handle:
        for stage in result.stages:
            handle.writelines(json.dumps(entry) + "\n" for entry in stage.log)
    settings = config.model_dump(mode="json", exclude={"overwrite"})
    (out / "train_config.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    report = result.model_dump(mode="json", exclude={"stages": {"__all__": {"log"}}})
    (out / "train_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(render_model_card(result, config), encoding="utf-8")


@contextmanager
def _quiet_libraries() -> Iterator[None]:
    # datasets and transformers draw their own progress bars (tokenizing, loading weights); the caller draws ours.
    import datasets
    from transformers.utils import logging as hf_logging

    datasets_bars, hf_bars = datasets.is_progress_bar_enabled(), hf_logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if datasets_bars:
            datasets.enable_progress_bars()
        if hf_bars:
            hf_logging.enable_progress_bar()
