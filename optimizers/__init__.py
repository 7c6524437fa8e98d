"""Metrics and optimizer presets for compiling the RNR program."""

from rnr_dspy.optimizers.metrics import Adherence, rnr_feedback, rnr_score, rule_adherence, tally, verdicts_for
from rnr_dspy.optimizers.presets import Preset, compile_program
from rnr_dspy.optimizers.rule_quality import RuleSetQuality, rule_set_quality

__all__ = [
    "Adherence",
    "Preset",
    "RuleSetQuality",
    "compile_program",
    "rnr_feedback",
    "rnr_score",
    "rule_adherence",
    "rule_set_quality",
    "tally",
    "verdicts_for",
]
