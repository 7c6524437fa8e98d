"""`TrainResult`: what `run_train` did, one `MethodResult` per training method."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

__all__ = ["MethodResult", "TrainResult"]


class MethodResult(BaseModel):
    """What one training method (SFT, DPO, GRPO) did; `stage` names the method (the key train_report.json has
    always had)."""

    stage: str
    rows: int
    steps: int
    train_loss: float | None
    final_loss: float | None
    runtime_s: float
    tokens: int | None
    log: list[dict[str, Any]]


class TrainResult(BaseModel):
    """What `run_train` did; `train_report.json` is its JSON dump (without the logs)."""

    out: Path
    base_model: str
    processes: int = 1
    """Processes that trained together (`accelerate launch --num_processes N`)."""
    stages: list[MethodResult]
    """One result per method, in the order they trained (the report's key: `stages`)."""
    data_counts: dict[str, int]
    skipped: dict[str, int]
    too_long: int
    problems: list[str]
