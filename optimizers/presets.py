"""Optimizer presets: DSPy's own optimizers, configured for the RNR program and the rule-adherence metric."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import dspy

from rnr_dspy.errors import ConfigError

__all__ = ["Preset", "compile_program"]

Metric = Callable[..., float | bool]


class Preset(StrEnum):
    bootstrap = "bootstrap"
    none = "none"


def compile_program(program: dspy.Module, trainset: list[dspy.Example], *, metric: Metric,
                    preset: Preset | str = Preset.bootstrap, max_demos: int = 2, **options: Any) -> dspy.Module:
    """Return a new, optimized copy of `program`; the input program is never changed.

    `bootstrap` runs DSPy's `BootstrapFewShot`: it keeps, as demos for each predictor, the traces of training
    examples whose every rule was followed.
    """
    preset = Preset(preset)
    if preset is Preset.none:
        return program.deepcopy()
    if not trainset:
        raise ConfigError("the bootstrap optimizer needs at least one training example")
    optimizer = dspy.BootstrapFewShot(
        metric=metric, max_bootstrapped_demos=max_demos, max_labeled_demos=0, max_rounds=1,
        max_errors=len(trainset), **options,
    )
    return optimizer.compile(program.deepcopy(), trainset=trainset)
