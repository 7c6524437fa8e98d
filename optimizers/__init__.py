"""Metrics and optimizer presets for compiling the RNR program."""

from rnr_dspy.optimizers.metrics import Adherence, rule_adherence, tally, verdicts_for

__all__ = ["Adherence", "rule_adherence", "tally", "verdicts_for"]
