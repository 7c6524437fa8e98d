"""Running suites against models: what `rnr-dspy eval` calls.

Example:
    >>> log = run_eval(EvalConfig(models=["embedded", "local:runs/x/model"], suite="all", limit=20))  # doctest: +SKIP
    >>> # runs/eval/log.json, report.md, plot.png

Your own suite is a `Task`: `evaluate(my_task, make_generator("embedded"))` returns its `SuiteLog`.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from rnr_dspy.config import OutDir
from rnr_dspy.errors import LMSpecError
from rnr_dspy.evals.comparable import answer_settings
from rnr_dspy.evals.follow_solver import following_rules
from rnr_dspy.evals.like_for_like import comparable_specs
from rnr_dspy.evals.log import EvalLog, ModelRun, SuiteLog, write_log
from rnr_dspy.evals.solvers import Backend, Generator, make_generator
from rnr_dspy.evals.task import ScoredSample, SuiteError, Task
from rnr_dspy.evals.usage import EvalUsage
from rnr_dspy.masking import mask_in
from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.response_format import StructuredOutput
from rnr_dspy.models.served import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from rnr_dspy.models.spec import ModelSpec
from rnr_dspy.progress import Progress, ProgressEvent

__all__ = ["EvalConfig", "EvalResult", "build_tasks", "evaluate", "run_eval"]

SUITES = ("rnr", "ifeval", "all")
_LMS: JsonDict = {"panel": "Language models"}
_SUITES: JsonDict = {"panel": "Suites"}


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(default_factory=lambda: ["embedded"], min_length=1,
                              description="Models under test, the first is the baseline: embedded, local:PATH (a "
                              "Hugging Face dir or a .gguf), or provider/model.", json_schema_extra=_LMS)
    out: OutDir = Field(Path("runs/eval"), description="Directory for log.json, report.md and plot.png.")
    suite: str = Field("rnr", description="rnr, ifeval, all, or a path to a suite file (.jsonl).",
                       json_schema_extra=_SUITES)
    limit: int | None = Field(None, ge=1, description="Use a seeded sample of N items of each suite, spread over its "
                              "splits, domains and turn types (IFEval: instruction groups), not the first N.",
                              json_schema_extra=_SUITES)
    judge_lm: str | None = Field(None, description="Judge LM for judge-only rules (unset: they stay unknown).",
                                 json_schema_extra=_LMS)
    api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible server.", json_schema_extra=_LMS)
    api_key: str | None = Field(None, exclude=True, repr=False, description="API key of the server (never written "
                                "to the log).", json_schema_extra={**_LMS, "envvar": "RNR_DSPY_API_KEY"})
    engine_threads: int | None = Field(None, ge=1, le=512, description="CPU threads of the GGUF engine (llama.cpp; "
                                       "default: every core).", json_schema_extra=_LMS)
    max_tokens: int = Field(512, ge=1, description="Longest answer, in tokens.")
    batch_size: int = Field(8, ge=1, description="Prompts per batch (transformers) or concurrent requests (HTTP).")
    backend: Backend = Field("auto", description="auto: batched transformers for a Hugging Face dir, llama.cpp for "
                             "a GGUF; lm: the DSPy LM; transformers: batched, a GGUF converted once.")
    request_timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=3600, description=(
        "Seconds a request to a served model or judge (--api-base or a hosted API) may wait for its answer; an item "
        "whose request failed is kept in the log with its error."), json_schema_extra=_LMS)
    num_retries: int = Field(DEFAULT_RETRIES, ge=0, le=20, description=(
        "Retries of a served model's request that timed out, was rate limited (429) or hit a server error (5xx), "
        "with backoff (a server's Retry-After is honoured up to 60 s)."), json_schema_extra=_LMS)
    structured_output: StructuredOutput = Field("auto", description=(
        "The response_format the judge's requests carry: auto (the JSON schema, and the form a server takes once it "
        "refuses that), json_schema, json_object, or none (the JSON asked for in the prompt alone)."),
        json_schema_extra=_LMS)
    seed: int = Field(0, description="Seed of the --limit sample.")
    follow_rules: int = Field(0, ge=0, le=16, description="Answer through FollowRules: each model held to the rules "
                              "it reads from the system prompt, up to N answers an item (0: its own answers).")

    # A misspelt model or suite is a usage error, found before any model loads; a local path may be written by an
    # earlier stage of a recipe, so only its form is checked here.
    @field_validator("models")
    @classmethod
    def _known_model_specs(cls, models: list[str]) -> list[str]:
        for spec in models:
            try:
                ModelSpec.parse(spec, must_exist=False)
            except LMSpecError as error:
                raise ValueError(str(error)) from None
        return models

    @field_validator("suite")
    @classmethod
    def _known_suite(cls, suite: str) -> str:
        if suite not in SUITES and Path(suite).suffix != ".jsonl":
            raise ValueError(f"unknown suite {suite!r}: use {', '.join(SUITES)}, or a path to a .jsonl suite file")
        return suite


class EvalResult(EvalLog):
    """What `run_eval` returns: the log it wrote to `out/log.json` (report.md and plot.png are rendered from it)."""


def build_tasks(config: EvalConfig) -> list[Task]:
    from rnr_dspy.evals.rnr_suite import rnr_task

    judge = (make_lm(config.judge_lm, api_base=config.api_base, api_key=config.api_key, cache=False,
                     timeout=config.request_timeout, num_retries=config.num_retries,
                     structured_output=config.structured_output)
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
                                       api_key=config.api_key, timeout=config.request_timeout,
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
