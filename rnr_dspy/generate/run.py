"""`rnr-dspy generate` as a library call: seeds → groups → role and rules → user turns → judged responses → data.

Every step's result is appended to `generated.jsonl` under a content hash of its inputs before the next step
runs, so a run resumes where it stopped and a finished run makes no LM call. An LM failure becomes a record with
its error; a later run generates it again when a new try may clear it (`rnr_dspy.generate.failures`), any failure
with `retry_failed`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from rnr_dspy.errors import ConfigError, SeedError
from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.export import write_datasets
from rnr_dspy.generate.flow import GenerateProgress, open_flow
from rnr_dspy.generate.result import GenerateResult
from rnr_dspy.generate.run_dir import claim_run_dir
from rnr_dspy.generate.seeds import prepare_groups
from rnr_dspy.generate.store import RunStore
from rnr_dspy.generate.themes import THEMES_FILE
from rnr_dspy.generate.workers import run_in_workers
from rnr_dspy.models.lm import lm_id
from rnr_dspy.program.parses import ParseTracker
from rnr_dspy.program.rnr_program import load_program
from rnr_dspy.runtime.atomic import write_json
from rnr_dspy.runtime.parallel import parallel_map
from rnr_dspy.runtime.progress import Progress, ProgressEvent
from rnr_dspy.runtime.tracking import Ledger

__all__ = ["run_generate"]

_COUNTS_FILE = "data/counts.json"  # the datasets' counts, and the record lines they were exported from


def run_generate(config: GenerateConfig, progress: Progress | None = None) -> GenerateResult:
    """Generate (or resume) the run in `config.out`; write its datasets and `generate_report.json`.

    Progress: one `generate` phase over the prompts, with `passed`, `failed`, `errors` and `tokens` as stats.
    Raises `RunDirError` when another run holds `config.out`, or it holds a run of other settings (see
    `rnr_dspy.generate.run_dir`).
    """
    if config.program is not None:  # a file that is no program, or one of other settings, fails before the run
        # directory is touched
        load_program(config.make_program(None), config.program, config,
                     accept_other_settings=config.accept_program_settings)
    with claim_run_dir(config):
        return _generate(config, progress)


def _generate(config: GenerateConfig, progress: Progress | None) -> GenerateResult:
    started = time.perf_counter()
    if config.program is not None and not config.program.is_file():
        raise ConfigError(f"program: {config.program} is not a file (a program.json written by rnr-dspy compile)")
    groups, seed_report = prepare_groups(config, themes_file=config.out / THEMES_FILE)
    if not groups:
        raise SeedError(f"no seed left to generate from: {json.dumps(seed_report)}")
    store = RunStore(config.out / "generated.jsonl")
    ledger = Ledger(config.out / "usage.json")
    run = open_flow(config, groups, store, ledger, _as_events(progress))
    if progress:  # the total is known from the start
        progress(ProgressEvent(phase="generate", done=0, total=run.state.total))
    parses = ParseTracker()
    variants = [(group, rule_set) for group in range(len(groups)) for rule_set in range(config.rule_sets)]
    if config.workers > 1:  # the groups an earlier run finished are counted here, without starting a worker
        run_in_workers(run, [variant for variant in variants if not run.finished(groups[variant[0]], variant[1])],
                       parses)
    else:
        with run.context(ledger, parses):
            for _ in parallel_map(lambda variant: run.group(groups[variant[0]], variant[1]), variants,
                                  config.num_threads):
                pass
    counts = _exported(config, store) or _export(config, store, seed_report, run.reached())
    store.close()
    result = GenerateResult.model_validate({
        **counts, **run.failures(), "seeds": seed_report, "parse": parses.summary(),
        "torn_lines_dropped": store.torn_lines,
        "this_run": {**ledger.summary(), "wall_seconds": round(time.perf_counter() - started, 2)},
        "lm": lm_id(run.teacher), "judge_lm": run.provenance.judge_lm, "program": run.provenance.program,
        "config": config.model_dump(mode="json"), "notes": config.notes,
    })
    ledger.write(wall_seconds=result.this_run["wall_seconds"])
    write_json(config.out / "generate_report.json", result.model_dump(mode="json"))
    return result


def _exported(config: GenerateConfig, store: RunStore) -> dict[str, Any] | None:
    """The counts of the datasets an earlier run exported from this very record (none appended since), if any."""
    try:
        exported = json.loads((config.out / _COUNTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = store.appended == 0 and exported.get("records") == store.index.lines and config.push_to_hub is None
    return exported.get("counts") if same else None


def _export(config: GenerateConfig, store: RunStore, seed_report: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    counts = write_datasets(store, config.out / "data", config, seed_report, push_to_hub=config.push_to_hub,
                            keys=keys)
    write_json(config.out / _COUNTS_FILE, {"records": store.index.lines, "counts": counts})
    return counts


def _as_events(progress: Progress | None) -> Callable[[GenerateProgress], None] | None:
    if progress is None:
        return None
    return lambda state: progress(ProgressEvent(phase="generate", done=state.done, total=state.total,
                                                stats=state.model_dump(exclude={"done", "total"}, exclude_none=True)))


