"""The suites `rnr-dspy eval --suite NAME` runs, by name: one entry per suite, its `Task`s built from the eval's
settings. A suite of your own is a `Task` module in `evals/` and an entry here (or a `.jsonl` file of the
benchmark's schema, no entry needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnr_dspy.evals.task import SuiteError, Task

if TYPE_CHECKING:
    from rnr_dspy.evals.config import EvalConfig

__all__ = ["SUITES", "build_tasks"]


def _rnr(judge: Any, config: EvalConfig) -> list[Task]:
    from rnr_dspy.evals.rnr_suite import rnr_task

    return [rnr_task(judge_lm=judge, limit=config.limit, seed=config.seed)]


def _ifeval(judge: Any, config: EvalConfig) -> list[Task]:
    from rnr_dspy.evals.ifeval_suite import ifeval_task

    return [ifeval_task(limit=config.limit, seed=config.seed)]


SUITES: dict[str, Callable[[Any, EvalConfig], list[Task]]] = {
    "rnr": _rnr,
    "ifeval": _ifeval,
    "all": lambda judge, config: [*_rnr(judge, config), *_ifeval(judge, config)],
}
"""Each suite's tasks, from the judge LM (None: judge-only rules stay unknown) and the eval's settings."""


def build_tasks(config: EvalConfig) -> list[Task]:
    """The tasks of `config.suite`: a named suite's, or the role-and-rule benchmark read from a `.jsonl` file."""
    from rnr_dspy.models.lm import make_lm

    judge = make_lm(config.judge_lm, **config.lm_kwargs(cache=False)) if config.judge_lm else None
    if config.suite in SUITES:
        return SUITES[config.suite](judge, config)
    if Path(config.suite).suffix == ".jsonl":
        from rnr_dspy.evals.rnr_suite import rnr_task

        return [rnr_task(config.suite, judge_lm=judge, limit=config.limit, seed=config.seed)]
    raise SuiteError(f"unknown suite {config.suite!r}: use {', '.join(SUITES)}, or a path to a .jsonl suite file")
