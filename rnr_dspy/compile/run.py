"""`rnr-dspy compile` as a library call: seeds → examples → score before → optimize → score after → save.

Example:
    >>> from rnr_dspy.compile import CompileConfig, run_compile
    >>> result = run_compile(CompileConfig(out="runs/compile", limit=24))  # doctest: +SKIP
    >>> result.score_before, result.score_after  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import dspy

from rnr_dspy.compile.config import CompileConfig
from rnr_dspy.compile.result import CompileResult
from rnr_dspy.errors import SeedError
from rnr_dspy.models.lm import lm_id, make_lm
from rnr_dspy.optimizers.context import check_fits
from rnr_dspy.optimizers.evaluate import EvalSummary, evaluate_program
from rnr_dspy.optimizers.failures import FailedExamples
from rnr_dspy.optimizers.metrics import rnr_feedback, rnr_score
from rnr_dspy.optimizers.presets import Preset, compile_program
from rnr_dspy.program.parses import ParseTracker
from rnr_dspy.program.rnr_program import save_program
from rnr_dspy.runtime.atomic import staged, write_json
from rnr_dspy.runtime.hashing import content_hash
from rnr_dspy.runtime.progress import Progress, ProgressEvent
from rnr_dspy.runtime.tracking import Ledger
from rnr_dspy.seeds.data import group_seeds, load_seeds

__all__ = ["choose_program", "make_examples", "run_compile"]

def make_examples(config: CompileConfig) -> tuple[list[dspy.Example], list[dspy.Example], dict[str, Any]]:
    """Train and held-out validation examples (one per group of seeds), and a summary of the seed load."""
    seed_set = load_seeds(config.seeds, columns=config.columns, limit=config.limit)
    groups = group_seeds(seed_set.seeds, config.k, shuffle_seed=config.seed)
    if len(groups) < 2:
        raise SeedError(f"{len(seed_set.seeds)} seed(s) make {len(groups)} group(s) of k={config.k}; compile needs "
                        "at least 2 (one to train on, one held out): add seeds or lower --k")
    # A group's theme and a seed of its own reach the program as they do in generate: composed roles name the
    # theme, sampled rules differ from group to group.
    examples = [
        dspy.Example(instructions=[s.prompt for s in group], user=group[0].prompt, theme=group[0].theme or "",
                     seed=content_hash("group", [s.prompt for s in group]), seed_ids=[s.id for s in group])
        .with_inputs("instructions", "user", "theme", "seed")
        for group in groups
    ]
    val_size = min(config.val_size, max(1, len(examples) // 3))
    valset, trainset = examples[:val_size], examples[val_size : val_size + config.train_size]
    seeds = {"source": seed_set.source, "loaded": len(seed_set.seeds), "groups": len(groups),
             "problems": [str(problem) for problem in seed_set.problems]}
    return trainset, valset, seeds


def run_compile(config: CompileConfig, progress: Progress | None = None) -> CompileResult:
    """Compile the RNR program; write `program.json` and `compile_report.json` under `config.out`."""
    started = time.perf_counter()
    trainset, valset, seeds = make_examples(config)
    settings = config.lm_kwargs()
    teacher = make_lm(config.lm, **settings)
    judge = make_lm(config.judge_lm, **settings) if config.judge_lm and config.use_judge else teacher
    reflection = make_lm(config.reflection_lm, **settings) if config.reflection_lm else None
    tracker, ledger = ParseTracker(), Ledger()
    program = config.make_program(judge)
    with dspy.context(lm=teacher, adapter=config.adapter(), usage_tracker=ledger), tracker.counting():
        before = evaluate_program(program, valset, num_threads=config.num_threads, progress=progress, phase="before")
        check_fits(teacher.history, context_window=config.context_window, max_tokens=config.max_tokens,
                   demos=config.max_demos if config.optimizer in (Preset.bootstrap, Preset.mipro) else 0)
        counter, failures = _MetricCalls(progress, _expected_metric_calls(config, len(trainset))), FailedExamples()
        # The held-out valset is never shown to the optimizer; mipro and gepa split the trainset themselves.
        compiled = compile_program(
            program, trainset, preset=config.optimizer, metric=counter.wrap(rnr_score),
            feedback_metric=counter.wrap(rnr_feedback), max_demos=config.max_demos,
            max_rounds=config.max_rounds,
            num_threads=config.num_threads, auto=config.auto, reflection_lm=reflection,
            max_metric_calls=config.max_metric_calls, seed=config.seed, failures=failures,
        )
        counter.finish()
        after = evaluate_program(compiled, valset, num_threads=config.num_threads, progress=progress, phase="after")
    kept, reason = choose_program(before, after, config.optimizer)
    saved = compiled if kept == "optimized" else program  # compile_program never changes its input
    config.out.mkdir(parents=True, exist_ok=True)
    with staged(config.out / "program.json") as staging:
        save_program(saved, staging, config)
    result = CompileResult.model_validate({
        "kept": kept, "kept_reason": reason,
        "score_before": before.score, "score_after": after.score,
        "pass_rate_before": before.pass_rate, "pass_rate_after": after.pass_rate,
        "adherence_before": before.adherence, "adherence_after": after.adherence,
        "per_kind_adherence": {kind: {"before": before.per_kind.get(kind), "after": after.per_kind.get(kind)}
                               for kind in sorted(before.per_kind.keys() | after.per_kind.keys())},
        "before": before.model_dump(), "after": after.model_dump(),
        **ledger.summary(),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "optimizer": config.optimizer.value, "lm": lm_id(teacher),
        "judge_lm": lm_id(judge) if config.use_judge else "none",
        "train_examples": len(trainset), "val_examples": len(valset),
        "demos": {name: len(predictor.demos) for name, predictor in saved.named_predictors()},
        "parse": tracker.summary(), "optimize_failures": failures.summary(), "seeds": seeds,
        "config": config.model_dump(mode="json"), "notes": config.notes,
    })
    write_json(config.out / "compile_report.json", result.model_dump(mode="json"))
    return result


def choose_program(before: EvalSummary, after: EvalSummary,
                   optimizer: Preset) -> tuple[Literal["baseline", "optimized"], str]:
    """Which program to save: the optimized one only when it scores above the baseline on the held-out groups
    (a tie keeps the baseline, which has no demos to mislead), and why."""
    if optimizer is Preset.none:
        return "baseline", "optimizer none: the baseline program, unchanged"
    change = (f"score {before.score:.3f} → {after.score:.3f}, pass rate {before.pass_rate:.2f} → "
              f"{after.pass_rate:.2f}, unknown verdicts {before.unknown_verdicts} → {after.unknown_verdicts}, "
              f"failed items {before.failed_items} → {after.failed_items} on {after.items} held-out groups")
    if after.score > before.score:
        return "optimized", f"the optimized program scored higher ({change})"
    return "baseline", f"the optimized program did not score higher, so the baseline was saved ({change})"


def _expected_metric_calls(config: CompileConfig, train_examples: int) -> int | None:
    """The optimizer's metric calls, where known up front: bootstrap makes at most one per example and round,
    gepa at most its budget; mipro's and gepa's `auto` budgets depend on what they find."""
    if config.optimizer is Preset.none:
        return 0
    if config.optimizer is Preset.bootstrap:
        return train_examples * config.max_rounds
    if config.optimizer is Preset.gepa and config.max_metric_calls:
        return config.max_metric_calls
    return None


class _MetricCalls:
    """Wraps the metrics so that each call is reported as progress of the `optimize` phase."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self.progress, self.total, self.calls = progress, total, 0
        self._lock = threading.Lock()
        self._report(0)

    def wrap(self, metric: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            with self._lock:
                self.calls += 1
                calls = self.calls
            self._report(calls)
            return metric(*args)

        return counted

    def finish(self) -> None:
        """The phase is over: its total is the calls made (bootstrap may stop early, once it has its demos)."""
        self.total = self.calls
        self._report(self.calls)

    def _report(self, calls: int) -> None:
        if self.progress:
            total = max(self.total, calls) if self.total is not None else None
            self.progress(ProgressEvent(phase="optimize", done=calls, total=total))
