"""`rnr-dspy train`: TRL SFT (then optionally DPO) on the rows `rnr-dspy generate` wrote.

    rnr-dspy train --data runs/demo --out runs/demo/model --max-steps 20
    accelerate launch -m rnr_dspy.cli train --data runs/demo --out runs/demo/model --config train.yaml
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from rnr_dspy.cli import app, err, guarded, out, progress_bars, stage_config

DATA_PANEL = "Data"
TRAIN_PANEL = "Training"


@app.command("train")
def train_command(
    ctx: typer.Context,
    data: Annotated[list[Path] | None, typer.Option(
        help="A generate run directory (reads data/sft.jsonl, data/dpo.jsonl for dpo, generated.jsonl's prompts "
             "for grpo) or JSONL files (each file goes to the method its rows belong to); repeat for several.",
        rich_help_panel=DATA_PANEL)] = None,
    model: Annotated[str, typer.Option(help="Model to train: embedded, or local:PATH (a Hugging Face model "
                                       "directory or a .gguf file).")] = "embedded",
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory of the trained model.")] = Path("runs/train"),
    config_file: Annotated[Path | None, typer.Option("--config", help="YAML file of settings (TrainConfig, with "
                                                     "sft_config/dpo_config/lora_config passed to TRL and PEFT); "
                                                     "flags override it.", exists=True, dir_okay=False)] = None,
    ift_data: Annotated[str | None, typer.Option(help="Instruction-tuning rows to mix in (Alpaca- or "
                                                 "messages-shaped file, or hub dataset id).",
                                                 rich_help_panel=DATA_PANEL)] = None,
    mix_ratio: Annotated[float, typer.Option(help="IFT rows per RNR row.", rich_help_panel=DATA_PANEL)] = 1.0,
    overlong: Annotated[str, typer.Option(help="Rows longer than max_length: skip or truncate (counted either way).",
                                          rich_help_panel=DATA_PANEL)] = "skip",
    lora: Annotated[bool, typer.Option("--lora/--no-lora", help="Train LoRA adapters (merged into the weights on "
                                       "save) instead of all weights.", rich_help_panel=TRAIN_PANEL)] = False,
    method: Annotated[list[str] | None, typer.Option(
        help="Training methods in order (repeat: --method sft --method grpo): sft, dpo, grpo.",
        rich_help_panel=TRAIN_PANEL)] = None,
    reward: Annotated[str, typer.Option(help="GRPO reward: fraction (share of rules followed) or all_rules.",
                                        rich_help_panel=TRAIN_PANEL)] = "fraction",
    max_steps: Annotated[int | None, typer.Option(help="Stop each stage after N optimizer steps (quick runs).",
                                                  rich_help_panel=TRAIN_PANEL)] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Write into a non-empty --out.")] = False,
) -> None:
    """Fine-tune a model on generated RNR data with TRL: SFT, DPO and GRPO on rule rewards, in any sequence."""
    from rnr_dspy.train.config import TrainConfig

    flags: dict[str, Any] = {"model": model, "out": out_dir, "ift_data": ift_data, "mix_ratio": mix_ratio,
                             "overlong": overlong, "lora": lora, "reward": reward, "overwrite": overwrite,
                             **{f"{name}_config": {"max_steps": max_steps} for name in ("sft", "dpo", "grpo")}}
    if method:
        flags["method"] = method
    if data:
        flags["data"] = data
    config = guarded(lambda: stage_config(ctx, TrainConfig, config_file, flags,
                                          parameter_names={"out": "out_dir"}))
    result = guarded(lambda: _train(config))
    for stage in result.stages:
        loss = f"{stage.final_loss:.4f}" if stage.final_loss is not None else "not logged"
        out.print(f"{stage.stage}: {stage.rows} rows, {stage.steps} steps, final loss {loss}, "
                  f"{stage.runtime_s:.0f} s")
    if result.skipped:
        left_out = ", ".join(f"{reason}: {count}" for reason, count in result.skipped.items())
        err.print(f"rows left out — {left_out}", highlight=False)
    if result.too_long and config.overlong == "truncate":
        err.print(f"{result.too_long} rows longer than max_length were truncated", highlight=False)
    out.print(f"wrote the model, README.md (model card) and train_log.jsonl to {config.out}")


def _train(config: Any) -> Any:
    from rnr_dspy.train.trainer import run_train

    with progress_bars() as bars:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int, logs: dict[str, float]) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total or None)
            label = f"{stage} loss {logs['loss']:.3f}" if "loss" in logs else stage
            bars.update(tasks[stage], completed=done, description=label)

        return run_train(config, progress=report)
