"""Training on generated RNR data with TRL: SFT (optionally mixed with IFT rows), then optionally DPO; LoRA merged
on save. Heavy libraries (torch, transformers, trl) load only when training starts."""

from rnr_dspy.train.config import TrainConfig
from rnr_dspy.train.data import DataError
from rnr_dspy.train.result import MethodResult, TrainResult
from rnr_dspy.train.run import OutputDirError, run_train

__all__ = ["DataError", "MethodResult", "OutputDirError", "TrainConfig", "TrainResult", "run_train"]
