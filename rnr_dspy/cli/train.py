"""`rnr-dspy train`: TRL SFT, DPO and GRPO (any sequence) on what `rnr-dspy generate` wrote.

    rnr-dspy train --data runs/demo --out runs/demo/model --max-steps 20
    rnr-dspy train --data runs/demo --sft-config learning_rate=5e-5 --sft-config num_train_epochs=2
    accelerate launch -m rnr_dspy.cli train --data runs/demo --out runs/demo/model --config train.yaml
"""

from __future__ import annotations

from typing import Any

from rnr_dspy.cli.common import err, out, run_stage, say
from rnr_dspy.cli.stage_command import stage_command
from rnr_dspy.train import TrainConfig, TrainResult


@stage_command("train")
def train_command(config: TrainConfig) -> None:
    """Fine-tune a model on generated RNR data with TRL: SFT, DPO and GRPO on rule rewards, in any sequence."""
    result: TrainResult = run_stage("train", config, describe=_describe)
    for method in result.stages:
        loss = f"{method.final_loss:.4f}" if method.final_loss is not None else "not logged"
        out.print(f"{method.stage}: {method.rows} rows, {method.steps} steps, final loss {loss}, "
                  f"{method.runtime_s:.0f} s")
    if result.skipped:
        left_out = ", ".join(f"{reason}: {count}" for reason, count in result.skipped.items())
        say(err, "rows left out —", left_out, "")
    if result.too_long and config.overlong == "truncate":
        err.print(f"{result.too_long} rows longer than max_length were truncated")
    say(out, "wrote the model, README.md (model card) and train_log.jsonl to", str(config.out), "")


def _describe(stats: dict[str, Any]) -> str:
    return f"loss {stats['loss']:.3f}" if "loss" in stats else ""
