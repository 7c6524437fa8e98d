"""The eval log (`log.json`): every prompt, response, score and reason, per model and suite, with the metrics
computed at run time. Reports and plots are rendered from it alone.

Example:
    >>> log = read_log("runs/eval/log.json")  # doctest: +SKIP
    >>> log.runs[0].suites[0].metrics["pass_rate"].value  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rnr_dspy.errors import RnrError, validation_problems
from rnr_dspy.evals.comparable import answer_settings, differences, item_differences
from rnr_dspy.evals.metrics import Metric
from rnr_dspy.evals.task import ScoredSample
from rnr_dspy.runtime.atomic import write_text

__all__ = ["LOG_VERSION", "EvalLog", "LogError", "ModelRun", "SuiteLog", "merge_logs", "read_log", "write_log"]

LOG_VERSION = 1


class LogError(RnrError):
    """An eval log cannot be read."""


class SuiteLog(BaseModel):
    task: str
    metrics: dict[str, Metric]
    samples: list[ScoredSample]
    # Caveats to show with the numbers (e.g. judge-only rules left unknown for want of a judge).
    notes: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    # Per pairable metric, each sample's (successes, trials), None when undecided: what a paired comparison of
    # two models on the same items is computed from.
    units: dict[str, dict[str, tuple[float, float] | None]] = Field(default_factory=dict)
    generation_errors: int = 0
    wall_seconds: float = 0.0


class ModelRun(BaseModel):
    spec: str
    model_id: str
    backend: str
    # The weights' number format as run ("Q8_0", "float32"); empty where unknown (a served model, an older log).
    precision: str = ""
    # The eval settings this model was answered and scored under (`rnr_dspy.evals.comparable.ANSWER_SETTINGS`):
    # kept per model, so a log merged from several runs still says how each was made.
    settings: dict[str, Any] = Field(default_factory=dict)
    load_seconds: float = 0.0
    suites: list[SuiteLog] = Field(default_factory=list)
    # LM calls, failed calls and tokens of the model's answers and of the judge's verdicts (`rnr_dspy.evals.usage`);
    # empty in an older log.
    usage: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def suite(self, task: str) -> SuiteLog | None:
        return next((suite for suite in self.suites if suite.task == task), None)


class EvalLog(BaseModel):
    model_config = ConfigDict(extra="forbid")  # another JSON file is refused, not read as an empty log

    version: int = LOG_VERSION
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    # The settings of the run, API keys never included.
    config: dict[str, Any] = Field(default_factory=dict)
    runs: list[ModelRun] = Field(default_factory=list)


def write_log(log: EvalLog, path: str | Path) -> Path:
    return write_text(path, log.model_dump_json(indent=1))


def read_log(path: str | Path) -> EvalLog:
    path = Path(path)
    try:
        log = EvalLog.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LogError(f"cannot read eval log {path}: {error}") from error
    except UnicodeDecodeError as error:
        raise LogError(f"{path} is not an eval log: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except ValidationError as error:
        problems = validation_problems(error, model=EvalLog)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LogError(f"{path} is not an eval log: {problems[0]}{more}") from None
    if not any(run.suites for run in log.runs):
        raise LogError(f"{path} is not an eval log: it holds no model's results (runs)")
    return log


def merge_logs(logs: dict[str, EvalLog], *, allow_mismatch: bool = False) -> EvalLog:
    """One log of the models of several (keyed by where each came from), in order: the first log's first model
    stays the baseline. A model evaluated later is thus compared with the baseline's logged answers, item by
    item, without evaluating the baseline again.

    Raises `LogError` when a suite's items differ between two logs (another `--limit`, seed or suite file), or
    when a model was evaluated under other settings than the baseline (max tokens, back end, precision, suite
    version, judge: `rnr_dspy.evals.comparable`); with `allow_mismatch` the latter are merged anyway and listed
    in the merged config's `mismatches`, which the report prints."""
    if len(logs) == 1:
        return next(iter(logs.values()))
    (first_name, first), *others = logs.items()
    runs = []
    for log in logs.values():
        for run in log.runs:  # a log written before settings were kept per model has them in its config
            kept = run.settings or answer_settings(log.config)
            runs.append(run.model_copy(update={"settings": kept}))
    mismatches = differences(runs)
    for name, log in others:
        for run in log.runs:
            for suite in run.suites:
                base = next((s for r in first.runs if (s := r.suite(suite.task)) is not None), None)
                if base is not None and _item_ids(base) != _item_ids(suite):
                    raise LogError(f"{name}: its {suite.task} items differ from those of {first_name} (another "
                                   "--limit, seed or suite file); a comparison pairs the same items")
                if base is not None and (changed := item_differences(base, suite)):
                    mismatches.append(f"`{run.spec}` ({name}): {changed} {suite.task} items ask other things than "
                                      f"in {first_name} (another version of the suite)")
    if mismatches and not allow_mismatch:
        raise LogError("these logs were made under different settings, so their answers cannot be compared: "
                       + "; ".join(mismatches) + ". Evaluate them alike, or pass --allow-mismatch to compare "
                       "them anyway (the report then says so)")
    config = {**first.config, "merged_from": list(logs)} | ({"mismatches": mismatches} if mismatches else {})
    return EvalLog(config=config, runs=runs)


def _item_ids(suite: SuiteLog) -> list[str]:
    return sorted(scored.sample.id for scored in suite.samples)
