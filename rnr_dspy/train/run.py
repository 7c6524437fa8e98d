"""`run_train`: SFT on generated RNR rows (optionally mixed with IFT rows), DPO, GRPO on rule rewards — any sequence.

Output directory (`config.out`): the final model (safetensors, tokenizer with its chat template, generation
config), `README.md` (model card), `train_log.jsonl` (every logged step), `train_config.yaml`, `train_report.json`.
Each method before the last keeps its model in `out/<method>/` (the next one's starting point and reference).

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
from typing import Any

from rnr_dspy.errors import RnrError
from rnr_dspy.models.convert import hf_model_dir
from rnr_dspy.runtime.atomic import write_json, write_text, write_yaml
from rnr_dspy.runtime.masking import mask_credentials
from rnr_dspy.runtime.progress import Progress
from rnr_dspy.train.config import TrainConfig
from rnr_dspy.train.data import (
    DataError,
    DataSet,
    load_dpo_rows,
    load_prompt_rows,
    load_sft_rows,
    mix_ift,
    resolve_files,
)
from rnr_dspy.train.grpo import grpo_rewards
from rnr_dspy.train.lengths import fit_to_length
from rnr_dspy.train.method import run_method
from rnr_dspy.train.model_card import render_model_card
from rnr_dspy.train.result import TrainResult

__all__ = ["EMBEDDED_BASE_MODEL", "OutputDirError", "run_train"]

# The embedded GGUF is this model, quantized to Q4_1; training starts from its de-quantized weights.
EMBEDDED_BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


class OutputDirError(RnrError):
    """The output directory cannot be written."""


def run_train(config: TrainConfig, progress: Progress | None = None) -> TrainResult:
    """Train the model of `config` with each of its methods in turn and write the last model, its model card and
    its log to `config.out` (the models between methods go to `out/<method>/`).

    Progress: one phase per method (`sft`, `dpo`, `grpo`), in optimizer steps, with the latest logged metrics as
    stats."""
    from transformers import AutoTokenizer

    state = _distributed_state()
    _check_out_dir(config.out, config.overwrite)
    state.wait_for_everyone()  # every process has checked before the main one writes
    # Every method's rows are read and checked before the model is converted (an empty file takes a moment, a
    # conversion minutes) and before the first method trains.
    plans = [_plan(method, config) for method in config.method]
    base = hf_model_dir(config.model)
    tokenizer = AutoTokenizer.from_pretrained(base)
    for method, args, data, _ in plans:
        if method != "grpo":
            data.too_long = fit_to_length(data, tokenizer, args.max_length, config.overlong)
            _require_rows(data, method.upper())
        if method == "dpo":
            _keep_reachable(data, args, state.num_processes, config.seed)
    lora = config.lora_arguments() if config.lora else None
    results, model_dir = [], base
    with _quiet_libraries():
        for index, (method, args, data, extra) in enumerate(plans):
            save_to = config.out if index == len(plans) - 1 else config.out / method
            results.append(run_method(method, _TRAINERS[method](), model_dir, args, data.rows, tokenizer, save_to,
                                      peft_config=lora, progress=progress, **extra))
            model_dir = save_to
    sets = [data for _, _, data, _ in plans]
    result = TrainResult(
        out=config.out, base_model=EMBEDDED_BASE_MODEL if config.model == "embedded" else str(base),
        processes=state.num_processes, stages=results,
        data_counts={key: value for data in sets for key, value in data.counts().items()},
        skipped=dict(sum((data.skipped for data in sets), Counter())), too_long=sum(data.too_long for data in sets),
        problems=[problem for data in sets for problem in data.problems],
    )
    if state.is_main_process:
        _write_reports(result, config)
    return result


def _distributed_state() -> Any:
    """The processes of this run. Without an accelerator accelerate's state must be asked for the CPU: it then
    joins the processes a launcher started (gloo); asked plainly, each process would train alone."""
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def _plan(method: str, config: TrainConfig) -> tuple[str, Any, DataSet, dict[str, Any]]:
    """A method's TRL arguments, its checked rows and what its trainer needs besides."""
    extra: dict[str, Any] = {}
    if method == "sft":
        args, data = config.sft_arguments(), _sft_data(config)
    elif method == "dpo":
        args, data = config.dpo_arguments(), load_dpo_rows(resolve_files(config.data, "dpo.jsonl"))
    else:
        args, data = config.grpo_arguments(), load_prompt_rows(config.data)
        extra["reward_funcs"] = grpo_rewards(config, data, args)
    _require_rows(data, method.upper())
    return method, args, data, extra


def _keep_reachable(data: DataSet, args: Any, processes: int, seed: int) -> None:
    """Under `max_steps`, only the pairs those steps reach, drawn at random: DPO computes the reference model's
    log-probabilities of every pair before it trains (`precompute_ref_log_probs`), and the embedded recipe's 24
    steps of 8 reach half of its ~400 pairs."""
    if args.max_steps <= 0:
        return
    reach = args.max_steps * args.per_device_train_batch_size * args.gradient_accumulation_steps * processes
    data.sample(reach, seed, f"beyond max_steps={args.max_steps} ({reach} pairs)")


def _trainer(name: str) -> Any:
    def load() -> Any:
        import trl

        return getattr(trl, name)

    return load


_TRAINERS = {"sft": _trainer("SFTTrainer"), "dpo": _trainer("DPOTrainer"), "grpo": _trainer("GRPOTrainer")}


def _sft_data(config: TrainConfig) -> DataSet:
    data = load_sft_rows(resolve_files(config.data, "sft.jsonl"), methods=config.sft_rows)
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
    for checkpoints in (*(out / "checkpoints" / method for method in config.method), out / "checkpoints"):
        if checkpoints.is_dir() and not any(checkpoints.iterdir()):
            checkpoints.rmdir()  # the trainers create them even when they save no checkpoint
    write_text(out / "train_log.jsonl", "".join(json.dumps(entry) + "\n" for method in result.stages
                                                for entry in method.log))
    settings = config.recorded_settings()  # builds every method's TRL config: once, for the file and the card
    write_yaml(out / "train_config.yaml", settings)
    write_json(out / "train_report.json", result.model_dump(mode="json", exclude={"stages": {"__all__": {"log"}}}))
    write_text(out / "README.md", mask_credentials(render_model_card(result, config, settings)))


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
