"""Optimizer presets: DSPy's own optimizers, configured for the RNR program and its metrics."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Literal

import dspy

from rnr_dspy.errors import ConfigError
from rnr_dspy.optimizers.failures import FailedExamples
from rnr_dspy.optimizers.metrics import rnr_feedback, rnr_score

__all__ = ["Preset", "compile_program"]

Metric = Callable[..., Any]


class Preset(StrEnum):
    bootstrap = "bootstrap"
    mipro = "mipro"
    gepa = "gepa"
    none = "none"


def compile_program(
    program: dspy.Module, trainset: list[dspy.Example], *, preset: Preset | str = Preset.bootstrap,
    valset: list[dspy.Example] | None = None, metric: Metric = rnr_score, feedback_metric: Metric = rnr_feedback,
    max_demos: int = 2, max_rounds: int = 1, num_threads: int = 1, auto: Literal["light", "medium", "heavy"] = "light",
    reflection_lm: dspy.BaseLM | None = None, max_metric_calls: int | None = None, seed: int = 0,
    failures: FailedExamples | None = None,
) -> dspy.Module:
    """Return a new, optimized copy of `program`; the input program is never changed.

    - `bootstrap`: `BootstrapFewShot` keeps, as demos, traces whose rules were all followed; with `max_rounds` > 1
      it retries the examples that failed at temperature 1.0 (rejection sampling).
    - `mipro`: `MIPROv2` proposes instructions and demo sets and searches them (`auto` sets the budget).
    - `gepa`: `GEPA` rewrites instructions by reflecting, with `reflection_lm`, on `feedback_metric`'s feedback;
      the budget is `max_metric_calls` if given, else `auto`.
    - `none`: an unoptimized copy (the baseline).

    A run whose reply does not parse is a failed example (scored 0, counted in `failures`); a prompt that outgrew
    the LM's context raises `ContextOverflowError` (see `rnr_dspy.optimizers.failures`).
    """
    preset = Preset(preset)
    if preset is Preset.none:
        return program.deepcopy()
    if not trainset:
        raise ConfigError(f"the {preset.value} optimizer needs at least one training example")
    failures = failures if failures is not None else FailedExamples()
    try:
        with dspy.context(callbacks=[*dspy.settings.callbacks, failures]):
            optimized = _optimize(failures.guard(program.deepcopy()), trainset, preset=preset, valset=valset,
                                  metric=failures.metric(metric),
                                  feedback_metric=failures.feedback_metric(feedback_metric), max_demos=max_demos,
                                  max_rounds=max_rounds, num_threads=num_threads, auto=auto,
                                  reflection_lm=reflection_lm, max_metric_calls=max_metric_calls, seed=seed)
    except Exception:
        failures.raise_overflow()  # the cause, where an optimizer gave up on the errors it led to
        raise
    failures.raise_overflow()  # where an optimizer swallowed it and went on
    return optimized.program


def _optimize(
    student: dspy.Module, trainset: list[dspy.Example], *, preset: Preset, valset: list[dspy.Example] | None,
    metric: Metric, feedback_metric: Metric, max_demos: int, max_rounds: int, num_threads: int,
    auto: Literal["light", "medium", "heavy"], reflection_lm: dspy.BaseLM | None, max_metric_calls: int | None,
    seed: int,
) -> dspy.Module:
    if preset is Preset.bootstrap:
        optimizer = dspy.BootstrapFewShot(metric=metric, max_bootstrapped_demos=max_demos, max_labeled_demos=0,
                                          max_rounds=max_rounds, max_errors=len(trainset) * max_rounds)
        return optimizer.compile(student, trainset=trainset)
    if preset is Preset.mipro:
        mipro = dspy.MIPROv2(metric=metric, auto=auto, max_bootstrapped_demos=max_demos, max_labeled_demos=0,
                             num_threads=num_threads, max_errors=len(trainset), seed=seed)
        return mipro.compile(student, trainset=trainset, valset=valset)
    if reflection_lm is None:
        raise ConfigError("the gepa optimizer needs a reflection LM (--reflection-lm), ideally a strong one")
    budget: dict[str, Any] = {"max_metric_calls": max_metric_calls} if max_metric_calls else {"auto": auto}
    gepa = dspy.GEPA(metric=feedback_metric, reflection_lm=reflection_lm, num_threads=num_threads, seed=seed,
                     **budget)
    return gepa.compile(student, trainset=trainset, valset=valset)
