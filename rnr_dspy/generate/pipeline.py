"""`rnr-dspy generate` as a library call: seeds → groups → role and rules → user turns → judged responses → data.

Every stage's result is appended to `generated.jsonl` under a content hash of its inputs before the next stage
runs, so a run resumes where it stopped and a finished run makes no LM call. An LM failure becomes a record with
its error; it is generated again only with `retry_failed`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import dspy
from pydantic import BaseModel

from rnr_dspy.adapter import StructuredAdapter
from rnr_dspy.data import Seed
from rnr_dspy.errors import ConfigError, SeedError
from rnr_dspy.generate.config import GenerateConfig
from rnr_dspy.generate.export import write_datasets
from rnr_dspy.generate.hashing import content_hash
from rnr_dspy.generate.records import PromptRecord, Provenance, SystemRecord, TurnsRecord
from rnr_dspy.generate.respond import answer_prompt
from rnr_dspy.generate.result import GenerateResult
from rnr_dspy.generate.seeds import prepare_groups
from rnr_dspy.generate.store import RunStore
from rnr_dspy.models.lm import lm_id, make_lm
from rnr_dspy.modules import RNRProgram
from rnr_dspy.parallel import parallel_map
from rnr_dspy.progress import Progress, ProgressEvent
from rnr_dspy.rules import TurnType, render_system_prompt
from rnr_dspy.rules.sampling import sample_rules
from rnr_dspy.tracking import Ledger

__all__ = ["run_generate"]

_FIRST_ERRORS = 3


class GenerateProgress(BaseModel):
    """The run's counts, reported as the `stats` of its progress events."""

    done: int = 0
    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    tokens: int = 0


def run_generate(config: GenerateConfig, progress: Progress | None = None) -> GenerateResult:
    """Generate (or resume) the run in `config.out`; write its datasets and `generate_report.json`.

    Progress: one `generate` phase over the prompts, with `passed`, `failed`, `errors` and `tokens` as stats.
    """
    started = time.perf_counter()
    if config.program is not None and not config.program.is_file():
        raise ConfigError(f"program: {config.program} is not a file (a program.json written by rnr-dspy compile)")
    groups, seed_report = prepare_groups(config)
    if not groups:
        raise SeedError(f"no seed left to generate from: {json.dumps(seed_report)}")
    settings = config.lm_settings(temperature=config.temperature, max_tokens=config.max_tokens,
                                  num_retries=config.num_retries)
    teacher = make_lm(config.lm, **settings)
    use_judge = config.use_judge
    judge = make_lm(config.judge_lm, **settings) if config.judge_lm and use_judge else teacher
    program = RNRProgram(judge_lm=judge, use_judge=use_judge, checks_only=config.checks_only)
    if config.program is not None:
        program.load(str(config.program))
    store = RunStore(config.out / "generated.jsonl")
    per_group = 3 * config.user_turns
    ledger = Ledger()
    run = _Run(config, program, store, ledger, Provenance(
        seed_ids=[], program=content_hash(program.dump_state()), lm=lm_id(teacher),
        judge_lm=lm_id(judge) if use_judge else "none"),
        GenerateProgress(total=sum(len(group) + per_group for group in groups)), _as_events(progress))
    if progress:  # the total is known from the start
        progress(ProgressEvent(phase="generate", done=0, total=run.state.total))
    with dspy.context(lm=teacher, adapter=StructuredAdapter(), usage_tracker=ledger):
        for _ in parallel_map(run.group, groups, config.num_threads):
            pass
    counts = write_datasets(store, config.out / "data", config, seed_report, push_to_hub=config.push_to_hub)
    errors = [f"{record['stage']}: {record['error']}" for record in store.records() if record["status"] == "error"]
    result = GenerateResult.model_validate({
        **counts, "first_errors": errors[:_FIRST_ERRORS], "seeds": seed_report,
        "torn_lines_dropped": store.torn_lines,
        "this_run": {**ledger.summary(), "wall_seconds": round(time.perf_counter() - started, 2)},
        "lm": lm_id(teacher), "judge_lm": run.provenance.judge_lm, "program": run.provenance.program,
        "config": config.model_dump(mode="json"),
    })
    ledger.write(config.out / "usage.json", wall_seconds=result.this_run["wall_seconds"])
    (config.out / "generate_report.json").write_text(json.dumps(result.model_dump(mode="json"), indent=2),
                                                     encoding="utf-8")
    return result


def _as_events(progress: Progress | None) -> Callable[[GenerateProgress], None] | None:
    if progress is None:
        return None
    return lambda state: progress(ProgressEvent(phase="generate", done=state.done, total=state.total,
                                                stats=state.model_dump(exclude={"done", "total"})))


class _Run:
    def __init__(self, config: GenerateConfig, program: RNRProgram, store: RunStore, ledger: Ledger,
                 provenance: Provenance, state: GenerateProgress,
                 progress: Callable[[GenerateProgress], None] | None) -> None:
        self.config, self.program, self.store, self.ledger = config, program, store, ledger
        self.provenance, self.state, self._progress = provenance, state, progress
        self._lock = threading.Lock()

    def group(self, seeds: list[Seed]) -> None:
        provenance = self.provenance.model_copy(update={"seed_ids": [seed.id for seed in seeds]})
        instructions = [seed.prompt for seed in seeds]
        rules_from = [self.config.rule_source, self.config.checks_only]
        system_key = content_hash("system", instructions, provenance.model_dump(), rules_from)
        system = self._stage(SystemRecord, system_key, lambda: self._system(instructions, seeds[0].theme or "",
                                                                            system_key),
                             provenance=provenance, instructions=instructions)
        prompts: list[tuple[TurnType, str]] = [("in_scope", text) for text in instructions]
        if system.status == "ok" and self.config.user_turns:
            turns = self._stage(TurnsRecord, content_hash("turns", system_key), lambda: {
                "turns": self.program.turn_generator(system_prompt=system.system_prompt).turns}, system_key=system_key)
            prompts += turns.turns
        for turn_type, user in prompts:
            if system.status != "ok":
                self._count("error")
                continue
            self._prompt(system, turn_type, user, provenance)
        self._count(None, skipped=len(seeds) + 3 * self.config.user_turns - len(prompts))

    def _system(self, instructions: list[str], theme: str, key: str) -> dict[str, Any]:
        role = self.program.role_generator(instructions=instructions).role
        if self.config.rule_source == "sampled":
            rules = sample_rules(instructions, theme, seed=key)
        else:
            rules = self.program.rule_generator(role=role, instructions=instructions).rules
        return {"role": role, "rules": rules, "system_prompt": render_system_prompt(role, rules)}

    def _prompt(self, system: SystemRecord, turn_type: TurnType, user: str, provenance: Provenance) -> None:
        config = self.config
        settings = [config.attempts, config.strategy, config.response_temperature, config.response_max_tokens,
                    config.repair, config.hindsight, config.judge_lm == "none"]
        key = content_hash("prompt", system.system_prompt, user, turn_type, provenance.model_dump(), settings)
        record = self._stage(PromptRecord, key, lambda: {"attempts": answer_prompt(
            self.program.responder, self.program.judge, config, system_prompt=system.system_prompt, user=user,
            rules=system.rules, turn_type=turn_type, role=system.role, key=key)},
            system_key=system.key, provenance=provenance, turn_type=turn_type, system_prompt=system.system_prompt,
            rules=system.rules, user=user)
        if record.status == "error":
            self._count("error")
        else:
            self._count("passed" if record.chosen() is not None else "failed")

    def _stage(self, model: type[Any], key: str, work: Callable[[], dict[str, Any]], **fields: Any) -> Any:
        """The stored record of `key`, or a new one from `work()` (its LM error recorded, not raised)."""
        stored = self.store.get(key)
        if stored is not None and (stored["status"] != "error" or not self.config.retry_failed):
            return model.model_validate(stored)
        tries = (stored or {}).get("tries", 0) + 1
        # A retry samples afresh: the same request would be answered from the cache with the same failure.
        lm = dspy.settings.lm.copy(rollout_id=tries, temperature=0.7) if tries > 1 else dspy.settings.lm
        try:
            with dspy.context(lm=lm):
                result = work()
            record = model(key=key, status="ok", tries=tries, **fields, **result)
        except Exception as error:  # an LM or parse failure of this row only; recorded, never cached as success
            record = model(key=key, status="error", tries=tries, error=f"{type(error).__name__}: {error}", **fields)
        self.store.append(record.model_dump(mode="json"))
        return record

    def _count(self, outcome: str | None, skipped: int = 0) -> None:
        with self._lock:
            if outcome is not None:
                self.state.done += 1
                field = {"passed": "passed", "failed": "failed", "error": "errors"}[outcome]
                setattr(self.state, field, getattr(self.state, field) + 1)
            self.state.total -= skipped
            self.state.tokens = self.ledger.tokens
            if self._progress is not None:
                self._progress(self.state.model_copy())
