"""Running suites against models: what `rnr-dspy eval` calls.

Example:
    >>> log = run_eval(EvalConfig(models=["embedded", "local:runs/x/model"], suite="all", limit=20))  # doctest: +SKIP
    >>> # runs/eval/log.json, report.md, plot.png

Your own suite is a `Task`: `evaluate(my_task, make_generator("embedded"))` returns its `SuiteLog`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rnr_dspy.config import OutDir
from rnr_dspy.evals.log import EvalLog, ModelRun, SuiteLog, write_log
from rnr_dspy.evals.solvers import Backend, Generator, make_generator
from rnr_dspy.evals.task import ScoredSample, SuiteError, Task
from rnr_dspy.masking import mask_in
from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT

__all__ = ["EvalConfig", "Progress", "build_tasks", "evaluate", "run_eval"]

Progress = Callable[[str, int, int], None]


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(default_factory=lambda: ["embedded"], min_length=1,
                              description="Models under test: embedded, local:PATH, or provider/model.")
    out: OutDir = Field(Path("runs/eval"), description="Directory for log.json, report.md and plot.png.")
    suite: str = Field("rnr", description="rnr, ifeval, all, or a path to a suite file (.jsonl).")
    limit: int | None = Field(None, ge=1, description="Use a seeded sample of N items of each suite, spread over its "
                              "domains and turn types (IFEval: instruction groups), not the first N.")
    judge_lm: str | None = Field(None, description="Judge LM for judge-only rules (none: they stay unknown).")
    api_base: str | None = None
    api_key: str | None = Field(None, exclude=True, repr=False)
    max_tokens: int = Field(512, ge=1, description="Longest answer, in tokens.")
    batch_size: int = Field(8, ge=1, description="Prompts per batch (transformers) or concurrent requests (HTTP).")
    backend: Backend = Field("auto", description="auto, lm (the DSPy LM), or transformers (batched).")
    request_timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=3600, description=(
        "Seconds a request to a served model or judge (--api-base or a hosted API) may wait for its answer; an item "
        "whose request failed is kept in the log with its error."))
    num_retries: int = Field(DEFAULT_RETRIES, ge=0, le=20, description=(
        "Retries of a served model's request that timed out, was rate limited (429) or hit a server error (5xx), "
        "with backoff (a server's Retry-After is honoured up to 60 s)."))
    seed: int = Field(0, description="Seed of the --limit sample.")


def build_tasks(config: EvalConfig) -> list[Task]:
    from rnr_dspy.evals.rnr_suite import rnr_task

    judge = (make_lm(config.judge_lm, api_base=config.api_base, api_key=config.api_key, cache=False,
                     timeout=config.request_timeout, num_retries=config.num_retries)
             if config.judge_lm else None)
    if config.suite in ("rnr", "all"):
        tasks = [rnr_task(judge_lm=judge, limit=config.limit, seed=config.seed)]
    elif config.suite == "ifeval":
        tasks = []
    elif Path(config.suite).suffix == ".jsonl":
        tasks = [rnr_task(config.suite, judge_lm=judge, limit=config.limit, seed=config.seed)]
    else:
        raise SuiteError(f"unknown suite {config.suite!r}: use rnr, ifeval, all, or a path to a .jsonl suite file")
    if config.suite in ("ifeval", "all"):
        from rnr_dspy.evals.ifeval_suite import ifeval_task

        tasks.append(ifeval_task(limit=config.limit, seed=config.seed))
    return tasks


def evaluate(task: Task, generator: Generator, progress: Progress | None = None) -> SuiteLog:
    """Answer every sample of `task` with `generator`, score each answer, and compute the task's metrics."""
    start = time.perf_counter()
    total = len(task.dataset)
    generations = generator.generate(task.dataset, done=(lambda n: progress(f"{task.name}", n, total))
                                     if progress else None)
    scored = []
    for count, (sample, generation) in enumerate(zip(task.dataset, generations, strict=True), start=1):
        scored.append(ScoredSample(sample=sample, generation=generation, score=task.score(sample, generation)))
        if progress:
            progress("scoring", count, total)
    units = {name: {s.sample.id: unit for s, unit in zip(scored, values, strict=True)}
             for name, values in (task.units(scored) if task.units else {}).items()}
    return SuiteLog(task=task.name, metrics=task.metrics(scored), samples=scored, notes=task.notes,
                    settings=task.settings, units=units,
                    generation_errors=sum(g.error is not None for g in generations),
                    wall_seconds=time.perf_counter() - start)


def run_eval(config: EvalConfig, progress: Progress | None = None, tasks: list[Task] | None = None) -> EvalLog:
    """Evaluate every model on every suite; writes `out/log.json`, then `report.md` and `plot.png` from it."""
    from rnr_dspy.evals.report import write_report

    tasks = tasks if tasks is not None else build_tasks(config)
    log = EvalLog(config=mask_in(config.model_dump(mode="json")))
    for spec in config.models:
        start = time.perf_counter()
        generator = make_generator(spec, backend=config.backend, batch_size=config.batch_size,
                                   max_tokens=config.max_tokens, api_base=config.api_base, api_key=config.api_key,
                                   timeout=config.request_timeout, num_retries=config.num_retries)
        run = ModelRun(spec=spec, model_id=generator.model_id, backend=generator.backend,
                       load_seconds=time.perf_counter() - start)
        labelled = (lambda phase, done, total, spec=spec: progress(f"{spec} {phase}", done, total)) if progress \
            else None
        run.suites = [evaluate(task, generator, labelled) for task in tasks]
        log.runs.append(run)
        del generator
    write_log(log, config.out / "log.json")
    write_report(log, config.out)
    return log
