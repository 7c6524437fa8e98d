"""Metrics and optimizer presets for compiling the RNR program."""

from rnr_dspy.optimizers.metrics import rnr_feedback, rnr_score, rule_adherence
from rnr_dspy.optimizers.presets import Preset, compile_program
from rnr_dspy.optimizers.rule_quality import RuleSetQuality, rule_set_quality

__all__ = [
    "Preset",
    "RuleSetQuality",
    "compile_program",
    "rnr_feedback",
    "rnr_score",
    "rule_adherence",
    "rule_set_quality",
]
