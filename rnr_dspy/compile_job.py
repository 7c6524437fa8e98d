"""`rnr-dspy compile` as a library call: seeds → examples → score before → optimize → score after → save."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from rnr_dspy.adapter import StructuredAdapter
from rnr_dspy.data import SHIPPED_SEEDS, SeedColumns, group_seeds, load_seeds
from rnr_dspy.errors import SeedError
from rnr_dspy.lm import lm_id, make_lm
from rnr_dspy.modules import RNRProgram
from rnr_dspy.optimizers.metrics import rule_adherence, tally, verdicts_for
from rnr_dspy.optimizers.presets import Preset, compile_program
from rnr_dspy.tracking import ParseTracker, usage_summary
from rnr_dspy.types import Rule

__all__ = ["CompileConfig", "EvalSummary", "Progress", "evaluate_program", "make_examples", "run_compile"]

Progress = Callable[[str, int, int], None]
"""Called as `progress(phase, done, total)`."""


class CompileConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    out: Path = Field(description="Directory for program.json and compile_report.json.")
    lm: str = Field("embedded", description="Teacher LM spec: embedded, local:PATH, or a DSPy model string.")
    judge_lm: str | None = Field(None, description="Judge LM spec for rules without a check (default: the teacher).")
    api_base: str | None = None
    api_key: SecretStr | None = Field(None, exclude=True)
    seeds: str = Field(SHIPPED_SEEDS, description="Seed file, hub dataset id, or 'shipped'.")
    columns: SeedColumns = Field(default_factory=SeedColumns)
    limit: int | None = Field(None, ge=1, description="Use at most this many seeds.")
    k: int = Field(4, ge=1, le=32, description="Instructions per group (one role per group).")
    train_size: int = Field(12, ge=1)
    val_size: int = Field(6, ge=1)
    optimizer: Preset = Preset.bootstrap
    max_demos: int = Field(2, ge=0, le=16)
    num_threads: int = Field(1, ge=1, le=64)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(1024, ge=16)
    seed: int = 0


class EvalSummary(BaseModel):
    score: float
    pass_rate: float
    items: int
    failed_items: int
    errors: list[str] = []


def make_examples(config: CompileConfig) -> tuple[list[dspy.Example], list[dspy.Example], dict[str, Any]]:
    """Train and held-out validation examples (one per group of seeds), and a summary of the seed load."""
    seed_set = load_seeds(config.seeds, columns=config.columns, limit=config.limit)
    groups = group_seeds(seed_set.seeds, config.k, shuffle_seed=config.seed)
    if len(groups) < 2:
        raise SeedError(f"{len(seed_set.seeds)} seed(s) make {len(groups)} group(s) of k={config.k}; compile needs "
                        "at least 2 (one to train on, one held out): add seeds or lower --k")
    examples = [
        dspy.Example(instructions=[s.prompt for s in group], user=group[0].prompt, seed_ids=[s.id for s in group])
        .with_inputs("instructions", "user")
        for group in groups
    ]
    val_size = min(config.val_size, max(1, len(examples) // 3))
    valset, trainset = examples[:val_size], examples[val_size : val_size + config.train_size]
    seeds = {"source": seed_set.source, "loaded": len(seed_set.seeds), "groups": len(groups),
             "problems": [str(problem) for problem in seed_set.problems]}
    return trainset, valset, seeds


def evaluate_program(program: dspy.Module, examples: list[dspy.Example], *, num_threads: int = 1,
                     progress: Progress | None = None, phase: str = "evaluate") -> EvalSummary:
    """Mean rule adherence and pass rate over `examples`. An item whose output did not parse scores 0 and is
    listed in `errors`; other errors (an unreachable LM) propagate."""
    context = dspy.settings.config.copy()
    done = 0

    def run(example: dspy.Example) -> tuple[float, bool, str | None]:
        with dspy.context(**{k: context[k] for k in ("lm", "adapter", "callbacks", "usage_tracker") if k in context}):
            try:
                pred = program(**example.inputs())
            except AdapterParseError as error:
                return 0.0, False, f"{example.seed_ids[0]}: {type(error).__name__}: {str(error)[:200]}"
        rules = [rule if isinstance(rule, Rule) else Rule.model_validate(rule) for rule in pred.rules]
        passed = tally(verdicts_for(rules, pred.response, pred.verdicts)).passed
        return float(rule_adherence(example, pred)), passed, None

    results = []
    with ThreadPoolExecutor(max_workers=num_threads) as pool:
        for result in pool.map(run, examples):
            results.append(result)
            done += 1
            if progress:
                progress(phase, done, len(examples))
    errors = [error for _, _, error in results if error]
    count = len(results)
    return EvalSummary(
        score=sum(score for score, _, _ in results) / count, pass_rate=sum(passed for _, passed, _ in results) / count,
        items=count, failed_items=len(errors), errors=errors,
    )


def run_compile(config: CompileConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Compile the RNR program; write `program.json` and `compile_report.json` under `config.out`; return the
    report."""
    started = time.perf_counter()
    trainset, valset, seeds = make_examples(config)
    key = config.api_key.get_secret_value() if config.api_key else None
    settings = {"api_base": config.api_base, "api_key": key, "temperature": config.temperature,
                "max_tokens": config.max_tokens}
    teacher = make_lm(config.lm, **settings)
    judge = make_lm(config.judge_lm, **settings) if config.judge_lm else teacher
    tracker = ParseTracker()
    program = RNRProgram(judge_lm=judge)
    with dspy.track_usage() as usage, dspy.context(lm=teacher, adapter=StructuredAdapter(), callbacks=[tracker]):
        before = evaluate_program(program, valset, num_threads=config.num_threads, progress=progress, phase="before")
        compiled = compile_program(program, trainset, metric=_counting(rule_adherence, progress, len(trainset)),
                                   preset=config.optimizer, max_demos=config.max_demos)
        after = evaluate_program(compiled, valset, num_threads=config.num_threads, progress=progress, phase="after")
    config.out.mkdir(parents=True, exist_ok=True)
    compiled.save(str(config.out / "program.json"))
    report = {
        "score_before": before.score, "score_after": after.score,
        "pass_rate_before": before.pass_rate, "pass_rate_after": after.pass_rate,
        "before": before.model_dump(), "after": after.model_dump(),
        **usage_summary(usage),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "optimizer": config.optimizer.value, "lm": lm_id(teacher), "judge_lm": lm_id(judge),
        "train_examples": len(trainset), "val_examples": len(valset),
        "demos": {name: len(predictor.demos) for name, predictor in compiled.named_predictors()},
        "parse": tracker.summary(), "seeds": seeds, "config": config.model_dump(mode="json"),
    }
    (config.out / "compile_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def _counting(metric: Callable[..., Any], progress: Progress | None, total: int) -> Callable[..., Any]:
    calls = 0

    def counted(example: Any, pred: Any, trace: Any = None) -> Any:
        nonlocal calls
        calls += 1
        if progress:
            progress("optimize", min(calls, total), total)
        return metric(example, pred, trace)

    return counted
