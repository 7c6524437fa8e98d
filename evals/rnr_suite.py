"""The role-and-rule suite: items read from JSONL (the shipped benchmark or a user's file), one system prompt each
(a role and its rules, rendered as in training) and a user turn; each answer scored rule by rule, and the headline
metrics reported for the whole suite and per split (in-distribution and held-out rule types, `evals.splits`).

Example:
    >>> task = rnr_task(limit=10)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import dspy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rnr_dspy.errors import validation_problems
from rnr_dspy.evals.metrics import Metric, Unit, grouped, ratio_metric, units_of
from rnr_dspy.evals.rule_scorer import rule_scorer
from rnr_dspy.evals.sampling import spread_sample
from rnr_dspy.evals.splits import SPLITS, Split, metric_name, split_of
from rnr_dspy.evals.task import Sample, ScoredSample, SuiteError, Task
from rnr_dspy.rules import Rule, TurnType, render_system_prompt
from rnr_dspy.runtime.jsonl import LineProblem, read_jsonl

__all__ = ["BenchItem", "load_rnr_items", "rnr_metrics", "rnr_task", "rnr_units", "shipped_bench_path"]

MAX_ERRORS_SHOWN = 20
NO_JUDGE_NOTE = ("no judge LM (--judge-lm) was given: judge-only rules are reported as unknown. The pass rate "
                 "counts only decided items (a checkable rule broken, or every rule checkable and followed); the "
                 "checkable pass rate scores the checkable rules of every item")


class BenchItem(BaseModel):
    """One benchmark line: a role, its 2-6 rules (`check: null` = judge-only), and a user turn of a known type."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    domain: str = ""
    turn_type: TurnType
    role: str = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    user: str = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _rules_are_valid_and_named(cls, rules: list[Rule]) -> list[Rule]:
        for index, rule in enumerate(rules):
            if rule.check_error:
                raise ValueError(f"rule {index + 1}: {rule.check_error}")
        named = [rule if rule.id else rule.model_copy(update={"id": f"r{i}"}) for i, rule in enumerate(rules, 1)]
        ids = [rule.id for rule in named]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rule ids repeat: {ids}")
        return named

    @property
    def split(self) -> Split:
        return split_of(self.rules)

    def to_sample(self) -> Sample:
        return Sample(id=self.id, user=self.user, system=render_system_prompt(self.role, self.rules),
                      metadata={"domain": self.domain, "turn_type": self.turn_type, "split": self.split,
                                "rules": [rule.model_dump(exclude={"check_error"}) for rule in self.rules]})


def shipped_bench_path() -> Path:
    return Path(str(files("rnr_dspy.evals") / "data" / "rnr_bench.jsonl"))


def load_rnr_items(path: str | Path) -> list[BenchItem]:
    """Read and validate every line; raises `SuiteError` naming each bad line (file:line: field: problem)."""
    path = Path(path)
    items: list[BenchItem] = []
    problems: list[tuple[int, str]] = []
    bad_lines: list[LineProblem] = []
    seen: dict[str, int] = {}
    try:
        for number, row in read_jsonl(path, bad_lines):
            try:
                item = BenchItem.model_validate(row)
            except ValidationError as error:
                problems.extend((number, f"{path}:{number}: {problem}")
                                for problem in validation_problems(error, model=BenchItem))
                continue
            if item.id in seen:
                problems.append((number, f"{path}:{number}: id: {item.id!r} already used on line {seen[item.id]}"))
                continue
            seen[item.id] = number
            items.append(item)
    except OSError as error:
        raise SuiteError(f"cannot read suite file {path}: {error}") from error
    problems += [(problem.line, str(problem)) for problem in bad_lines]
    if problems:
        shown = "\n".join(text for _, text in sorted(problems, key=lambda problem: problem[0])[:MAX_ERRORS_SHOWN])
        more = f"\n… and {len(problems) - MAX_ERRORS_SHOWN} more" if len(problems) > MAX_ERRORS_SHOWN else ""
        raise SuiteError(f"{path}: {len(problems)} problem(s); {len(items)} valid item(s)\n{shown}{more}")
    if not items:
        raise SuiteError(f"suite file {path} has no items")
    return items


def rnr_task(path: str | Path | None = None, *, judge_lm: dspy.BaseLM | None = None, limit: int | None = None,
             name: str | None = None, seed: int = 0) -> Task:
    """The role-and-rule suite as a `Task`; without a `judge_lm`, judge-only rules are left unknown (and noted).
    With `limit`, a seeded sample spread over splits, turn types and domains (see `spread_sample`)."""
    source = Path(path) if path is not None else shipped_bench_path()
    every = load_rnr_items(source)
    items = spread_sample(every, key=lambda item: (item.split, item.turn_type, item.domain), limit=limit, seed=seed)
    judge_only = sum(not rule.checkable for item in items for rule in item.rules)
    notes = [NO_JUDGE_NOTE] if judge_only and judge_lm is None else []
    settings: dict[str, Any] = {"source": str(source), "judge_only_rules": judge_only}
    if len(items) < len(every):
        settings["sample"] = (f"a sample of {len(items)} of {len(every)}, spread over turn types and domains, "
                              f"seed {seed}")
    return Task(name=name or ("rnr" if path is None else source.stem), dataset=[item.to_sample() for item in items],
                scorer=rule_scorer(judge_lm), metrics=rnr_metrics, units=rnr_units, notes=notes, settings=settings)


def rnr_metrics(scored: Sequence[ScoredSample]) -> dict[str, Metric]:
    """Pass rate (all rules followed; items left undecided by unknown verdicts are counted apart), pass rate over
    the checkable rules, rule adherence; the same three per split (`split:<split>:*`, `evals.splits`), adherence
    per rule kind (`kind:*`) and pass rate per turn type (`turn:*`)."""
    verdicts = [s.score.metadata.get("verdicts", []) for s in scored]
    metrics = _headline(scored)
    for split in SPLITS:
        part = [s for s in scored if s.sample.metadata.get("split") == split]
        if part:
            metrics |= {metric_name(split, name): metric for name, metric in _headline(part).items()}
    kinds = sorted({v["kind"] for item in verdicts for v in item})
    metrics |= {f"kind:{kind}": _adherence([[v for v in item if v["kind"] == kind] for item in verdicts])
                for kind in kinds}
    turns = grouped((s.sample.metadata.get("turn_type", "?"), s.score.value) for s in scored)
    return metrics | {f"turn:{turn}": metric for turn, metric in turns.items()}


def rnr_units(scored: Sequence[ScoredSample]) -> dict[str, list[Unit]]:
    """Each item's pass/fail (all rules; checkable rules) and its rules followed of those decided."""
    return {
        "pass_rate": units_of(s.score.value for s in scored),
        "checkable_pass_rate": units_of(s.score.metadata.get("checkable_pass") for s in scored),
        "adherence": [_followed(s.score.metadata.get("verdicts", [])) for s in scored],
    }


def _followed(verdicts: Sequence[dict[str, Any]]) -> Unit:
    decided = sum(v["followed"] is not None for v in verdicts)
    return (sum(v["followed"] is True for v in verdicts), decided) if decided else None


def _headline(scored: Sequence[ScoredSample]) -> dict[str, Metric]:
    units = rnr_units(scored)
    return {
        "pass_rate": ratio_metric(units["pass_rate"]).model_copy(update={"unknown": units["pass_rate"].count(None)}),
        "checkable_pass_rate": ratio_metric(units["checkable_pass_rate"]).model_copy(
            update={"unknown": units["checkable_pass_rate"].count(None)}),
        "adherence": _adherence([s.score.metadata.get("verdicts", []) for s in scored]),
    }


def _adherence(verdicts: Sequence[Sequence[dict[str, Any]]]) -> Metric:
    unknown = sum(v["followed"] is None for item in verdicts for v in item)
    return ratio_metric([_followed(item) for item in verdicts]).model_copy(update={"unknown": unknown})

