"""A run's flow through the program: each group's steps (system prompt, user turns, answers) read from the run's
store when a record of the same inputs is there, else generated and appended, its progress counted."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dspy
from pydantic import BaseModel, Field

from rnr_dspy.generate.config import LEGACY_ANSWER_KEYS, GenerateConfig
from rnr_dspy.generate.failures import is_transient
from rnr_dspy.generate.outside import OtherThemes, OutsideIndex
from rnr_dspy.generate.records import GroupRecord, Outcome, PromptRecord, Provenance, SystemRecord, TurnsRecord
from rnr_dspy.generate.store import RunStore
from rnr_dspy.models.lm import lm_id, make_lm
from rnr_dspy.models.served import LMWait, reporting_lm_failures, reporting_lm_waits
from rnr_dspy.program.answer import Answer
from rnr_dspy.program.parses import ParseTracker
from rnr_dspy.program.rnr_program import RNRProgram, load_program
from rnr_dspy.rules import SystemPrompt, TurnType
from rnr_dspy.runtime.hashing import content_hash, sampling_seed
from rnr_dspy.runtime.tracking import Ledger
from rnr_dspy.seeds.data import Seed

__all__ = ["GenerateProgress", "RunFlow", "open_flow"]

_FIRST_ERRORS = 3


class GenerateProgress(BaseModel):
    """The run's counts, reported as the `stats` of its progress events."""

    done: int = 0
    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    tokens: int = 0
    waiting: str | None = Field(default=None, description="Why the run is waiting (a served LM retrying after an "
                                "error), until the next row is done.")


def _system_settings(config: GenerateConfig) -> list[Any]:
    """The program settings a group's system prompt is keyed by (with its instructions and provenance)."""
    return [config.role_source, config.rule_source, config.checks_only]


def _answer_settings(config: GenerateConfig) -> list[Any]:
    """The settings a prompt's answer is keyed by: the answer settings (not the seed: a run of another seed is
    another run, `rnr_dspy.generate.run_dir`), whether a judge decides, and the responder prompt. A setting the keys
    of earlier versions left out joins them only where it is not its default (the responder prompt: the teacher's;
    an answer setting added later: generate's), so that those runs' rows stay theirs."""
    answer = config.answer.model_dump(mode="json")
    settings = [*(answer[name] for name in LEGACY_ANSWER_KEYS.values()), not config.use_judge]
    if not config.is_default("responder_prompt"):
        settings.append(config.responder_prompt)
    added = config.answer_settings_added()
    return [*settings, added] if added else settings


def open_flow(config: GenerateConfig, groups: list[list[Seed]], store: RunStore, ledger: Ledger | None,
              progress: Callable[[GenerateProgress], None] | None = None, flow: type[RunFlow] | None = None) -> RunFlow:
    """The run's flow (of class `flow`, default `RunFlow`): its LMs and program built from `config`."""
    teacher = make_lm(config.lm, **config.lm_kwargs())
    judge = make_lm(config.judge_lm, **config.lm_kwargs()) if config.judge_lm and config.use_judge else teacher
    program = config.make_program(judge, config.answer)
    if config.program is not None:
        load_program(program, config.program)
    provenance = Provenance(seed_ids=[], program=content_hash(program.dump_state()), lm=lm_id(teacher),
                            judge_lm=lm_id(judge) if config.use_judge else "none")
    state = GenerateProgress(total=config.rule_sets * sum(len(group) + config.turns_per_group for group in groups))
    return (flow or RunFlow)(config, teacher, program, groups, store, ledger, provenance, state, progress)


class RunFlow:
    """Runs groups through the program against the run's store, counting what each step gave."""

    def __init__(self, config: GenerateConfig, teacher: dspy.BaseLM, program: RNRProgram, groups: list[list[Seed]],
                 store: RunStore, ledger: Ledger | None, provenance: Provenance, state: GenerateProgress,
                 progress: Callable[[GenerateProgress], None] | None) -> None:
        self.config, self.teacher, self.program, self.groups = config, teacher, program, groups
        self.store, self.ledger = store, ledger
        self.provenance, self.state, self._progress = provenance, state, progress
        self._lock = threading.Lock()
        self._reached: set[str] = set()  # the key of every record this run's flow read or wrote
        self.failed_groups = 0
        self._outside_index = OutsideIndex(groups)

    @contextmanager
    def context(self, usage_tracker: Any, parses: ParseTracker) -> Iterator[None]:
        """The DSPy settings and listeners its groups run under (`usage_tracker`: DSPy's, counting each call)."""
        # No LM history: the run's record is its history, and DSPy's would hold the last 10,000 replies in memory.
        with (dspy.context(lm=self.teacher, adapter=self.config.adapter(), usage_tracker=usage_tracker,
                           disable_history=True),
              parses.counting(), reporting_lm_waits(self.waiting), reporting_lm_failures(usage_tracker.failed)):
            yield

    def finished(self, seeds: list[Seed], rule_set: int = 0) -> bool:
        """Whether an earlier run finished the group (its `rule_set`-th system prompt) with nothing to generate
        again; if so, its outcomes are counted."""
        return self._finished(seeds, self._system_key(seeds, rule_set)[1])

    def _finished(self, seeds: list[Seed], system_key: str) -> bool:
        done = self._done(content_hash("group", system_key))
        if done is not None:
            self.merge([*done.keys, done.key])
            self.count(*done.outcomes, skipped=len(seeds) + self.config.turns_per_group - len(done.outcomes))
        return done is not None

    def _system_key(self, seeds: list[Seed], rule_set: int) -> tuple[Provenance, str]:
        provenance = self.provenance.model_copy(update={"seed_ids": [seed.id for seed in seeds]})
        return provenance, content_hash("system", [seed.prompt for seed in seeds], provenance.model_dump(),
                                        _system_settings(self.config), *([rule_set] if rule_set else []))

    def group(self, seeds: list[Seed], rule_set: int = 0) -> None:
        """Run the program's own `forward` on the group (its `rule_set`-th system prompt), every step through the
        run's store."""
        provenance, system_key = self._system_key(seeds, rule_set)
        if self._finished(seeds, system_key):
            return
        instructions = [seed.prompt for seed in seeds]
        memo = _StoreMemo(self, provenance, system_key)
        lm = dspy.settings.lm
        if rule_set:  # another sample of the LM's steps: its rules (when it writes them) and turns differ too
            # Seeded from the group, so that another run of the same settings draws the same sample.
            lm = lm.copy(rollout_id=rule_set, temperature=max(lm.kwargs.get("temperature") or 0.0, 0.7),
                         seed=sampling_seed(self.config.seed, system_key, rule_set))
        try:
            with dspy.context(lm=lm):
                self.program(instructions=instructions, theme=seeds[0].theme or "", seed=system_key, memo=memo,
                             outside=self._outside(seeds))
        except _SystemStepError:
            memo.outcomes += ["error"] * len(instructions)
            self.count(*["error"] * len(instructions))
            with self._lock:
                self.failed_groups += 1
        else:
            marker = GroupRecord(key=content_hash("group", system_key), keys=memo.keys, outcomes=memo.outcomes)
            self.store.append(marker.model_dump(mode="json"))
            self._reached.add(marker.key)
        self.count(skipped=len(seeds) + self.config.turns_per_group - len(memo.outcomes))

    def _done(self, key: str) -> GroupRecord | None:
        """The group's record when its flow went through and none of its records is to be generated again."""
        if key not in self.store:
            return None
        marker = GroupRecord.model_validate(self.store.get(key))
        entries = [self.store.entry(record) for record in marker.keys]
        redo = any(entry is None or entry.to_redo(retry_failed=self.config.retry_failed) for entry in entries)
        return None if redo else marker

    def _outside(self, seeds: list[Seed]) -> OtherThemes:
        """The requests of every theme the group has none of (candidates for its out-of-scope turn)."""
        return self._outside_index.of(seeds)

    def merge(self, keys: list[str], failed_groups: int = 0) -> None:
        """Count records another process's flow reached, and groups whose system prompt failed there."""
        with self._lock:
            self._reached.update(keys)
            self.failed_groups += failed_groups

    def reached(self) -> set[str]:
        """The keys of the records this run's flow reached (others were left behind by an earlier run)."""
        return set(self._reached)

    def failures(self) -> dict[str, Any]:
        """What failed among the records this run reached: the first errors, the rows missing (failed prompts, and
        a failed group's turns) of those set out, and the failures only `retry_failed` generates again."""
        failed = self.store.records(keys=self.reached(), status="error")
        unanswered_turns = self.config.turns_per_group * self.failed_groups
        return {"first_errors": [f"{record['stage']}: {record['error']}" for record in failed][:_FIRST_ERRORS],
                "missing_rows": self.state.errors + unanswered_turns,
                "planned_rows": self.state.total + unanswered_turns,
                "needs_retry_failed": sum(not is_transient(record["error"]) for record in failed)}

    def step(self, model: type[Any], key: str, work: Callable[[], dict[str, Any]], **fields: Any) -> Any:
        """The stored record of `key`, or a new one from `work()` (its LM error recorded, not raised)."""
        entry = self.store.entry(key)
        if entry is not None and not entry.to_redo(retry_failed=self.config.retry_failed):
            self._reached.add(key)
            return model.model_validate(self.store.get(key))
        tries = (self.store.get(key) or {}).get("tries", 0) + 1
        lm = dspy.settings.lm
        if entry is not None and not entry.transient:
            # A retry samples afresh: the same request would be answered from the cache with the same failure.
            # One that got no answer (a dropped connection, a 5xx) is sent as it was: nothing of it is cached.
            lm = lm.copy(rollout_id=tries, temperature=0.7, seed=sampling_seed(self.config.seed, key, tries))
        try:
            with dspy.context(lm=lm):
                result = work()
            record = model(key=key, status="ok", tries=tries, **fields, **result)
        except Exception as error:  # an LM or parse failure of this row only; recorded, never cached as success
            record = model(key=key, status="error", tries=tries, error=f"{type(error).__name__}: {error}", **fields)
        self.store.append(record.model_dump(mode="json"))
        self._reached.add(key)
        return record

    def waiting(self, wait: LMWait | str) -> None:
        with self._lock:
            self.state.waiting = str(wait)
            if self._progress is not None:
                self._progress(self.state.model_copy())

    def count(self, *outcomes: Outcome, skipped: int = 0) -> None:
        with self._lock:
            self.state.waiting = None
            for outcome in outcomes:
                self.state.done += 1
                field = {"passed": "passed", "failed": "failed", "error": "errors"}[outcome]
                setattr(self.state, field, getattr(self.state, field) + 1)
            self.state.total -= skipped
            self.state.tokens = self.ledger.tokens
            if self._progress is not None:
                self._progress(self.state.model_copy())


class _SystemStepError(Exception):
    """The group's system prompt is recorded as failed: none of its prompts can be answered."""


class _StoreMemo:
    """The program's memo in a run: each step's result is read from, or appended to, the run's store under a
    content hash of what determines it."""

    def __init__(self, run: RunFlow, provenance: Provenance, system_key: str) -> None:
        self.run, self.provenance, self.system_key = run, provenance, system_key
        self.keys: list[str] = []  # of the records the group's flow reached
        self.outcomes: list[Outcome] = []  # of its prompts, in the order they were answered
        self._lock = threading.Lock()  # a group's prompts are answered on several threads

    def __call__(self, step: str, work: Callable[[], Any], inputs: dict[str, Any]) -> Any:
        return getattr(self, f"_{step}")(work, **inputs)

    def _system(self, work: Callable[[], SystemPrompt], instructions: list[str], theme: str) -> SystemPrompt:
        def fields() -> dict[str, Any]:
            system = work()
            return {"role": system.role, "rules": system.rules, "system_prompt": system.render()}

        record = self.run.step(SystemRecord, self.system_key, fields, provenance=self.provenance,
                                instructions=instructions)
        self._keep(record.key)
        if record.status != "ok":
            raise _SystemStepError(record.error)
        return SystemPrompt(role=record.role, rules=record.rules)

    def _keep(self, key: str) -> None:
        with self._lock:
            self.keys.append(key)

    def _turns(self, work: Callable[[], list[tuple[TurnType, str]]],
               system: SystemPrompt) -> list[tuple[TurnType, str]]:
        record = self.run.step(TurnsRecord, content_hash("turns", self.system_key), lambda: {"turns": work()},
                                system_key=self.system_key)
        self._keep(record.key)
        return record.turns

    def _answer(self, work: Callable[[], Answer], system: SystemPrompt, turn_type: TurnType, user: str) -> Answer:
        system_prompt = system.render()
        key = content_hash("prompt", system_prompt, user, turn_type, self.provenance.model_dump(),
                           _answer_settings(self.run.config))
        record = self.run.step(PromptRecord, key, lambda: {"attempts": work().attempts},
                                system_key=self.system_key, provenance=self.provenance, turn_type=turn_type,
                                system_prompt=system_prompt, rules=system.rules, user=user)
        outcome: Outcome = ("error" if record.status == "error" else
                            "passed" if record.chosen() is not None else "failed")
        with self._lock:
            self.keys.append(record.key)
            self.outcomes.append(outcome)
        self.run.count(outcome)
        return Answer(turn_type=turn_type, user=user, attempts=record.attempts, error=record.error)
