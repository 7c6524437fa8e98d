"""Running suites against models: what `rnr-dspy eval` calls.

Example:
    >>> log = run_eval(EvalConfig(models=["embedded", "local:runs/x/model"], suite="all", limit=20))  # doctest: +SKIP
    >>> # runs/eval/log.json, report.md, plot.png

Your own suite is a `Task`: `evaluate(my_task, make_generator("embedded"))` returns its `SuiteLog`.
"""

from __future__ import annotations

import time

from rnr_dspy.evals.comparable import answer_settings
from rnr_dspy.evals.config import EvalConfig
from rnr_dspy.evals.follow_solver import following_rules
from rnr_dspy.evals.like_for_like import comparable_specs
from rnr_dspy.evals.log import ModelRun, SuiteLog, write_log
from rnr_dspy.evals.result import EvalResult
from rnr_dspy.evals.solvers import Generator, make_generator
from rnr_dspy.evals.suites import build_tasks
from rnr_dspy.evals.task import ScoredSample, Task
from rnr_dspy.evals.usage import EvalUsage
from rnr_dspy.runtime.masking import mask_in
from rnr_dspy.runtime.progress import Progress, ProgressEvent

__all__ = ["evaluate", "run_eval"]


def evaluate(task: Task, generator: Generator, progress: Progress | None = None, label: str = "",
             usage: EvalUsage | None = None) -> SuiteLog:
    """Answer every sample of `task` with `generator`, score each answer, and compute the task's metrics; `usage`
    counts the LM calls of the answers and of the judge apart.

    Progress: the phases `<label><task>` (answers) and `<label><task> scoring`."""
    start = time.perf_counter()
    usage = usage or EvalUsage()
    total = len(task.dataset)
    phase = f"{label}{task.name}"
    if progress:
        progress(ProgressEvent(phase=phase, done=0, total=total))
    with usage.counting("answers"):
        generations = generator.generate(task.dataset, done=(lambda n: progress(ProgressEvent(
            phase=phase, done=n, total=total))) if progress else None)
    scored = []
    for count, (sample, generation) in enumerate(zip(task.dataset, generations, strict=True), start=1):
        with usage.counting("judge"):
            score = task.score(sample, generation)
        scored.append(ScoredSample(sample=sample, generation=generation, score=score))
        if progress:
            progress(ProgressEvent(phase=f"{phase} scoring", done=count, total=total))
    units = {name: {s.sample.id: unit for s, unit in zip(scored, values, strict=True)}
             for name, values in (task.units(scored) if task.units else {}).items()}
    return SuiteLog(task=task.name, metrics=task.metrics(scored), samples=scored, notes=task.notes,
                    settings=task.settings, units=units,
                    generation_errors=sum(g.error is not None for g in generations),
                    wall_seconds=time.perf_counter() - start)


def run_eval(config: EvalConfig, progress: Progress | None = None, tasks: list[Task] | None = None) -> EvalResult:
    """Evaluate every model on every suite; writes `out/log.json`, then `report.md` and `plot.png` from it.
    Every local model runs on one back end at one precision (`rnr_dspy.evals.like_for_like`).

    Progress: for each model and suite, `<model> <suite>` (answers) and `<model> <suite> scoring`."""
    from rnr_dspy.evals.report import write_report

    tasks = tasks if tasks is not None else build_tasks(config)
    log = EvalResult(config=mask_in(config.model_dump(mode="json")))
    settings = answer_settings(log.config)
    runnable, backend = comparable_specs(config.models, config.backend)
    for spec, runs_as in zip(config.models, runnable, strict=True):
        start, usage = time.perf_counter(), EvalUsage()
        with usage.counting("answers"):  # the probe that checks the model answers is a call too
            generator = make_generator(runs_as, backend=backend, batch_size=config.batch_size,
                                       max_tokens=config.max_tokens, api_base=config.api_base,
                                       api_key=config.api_key_value, timeout=config.request_timeout,
                                       num_retries=config.num_retries, engine_threads=config.engine_threads)
        generator = following_rules(generator, config.follow_rules)
        run = ModelRun(spec=spec, model_id=generator.model_id, backend=generator.backend,
                       precision=generator.precision, settings=settings,
                       load_seconds=time.perf_counter() - start)
        run.suites = [evaluate(task, generator, progress, label=f"{spec} ", usage=usage) for task in tasks]
        run.usage = usage.summary()
        log.runs.append(run)
        del generator
    write_log(log, config.out / "log.json")
    write_report(log, config.out)
    return log
