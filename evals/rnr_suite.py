"""The role-and-rule suite: items read from JSONL (the shipped benchmark or a user's file), one system prompt each
(a role and its rules, rendered as in training) and a user turn; each answer scored rule by rule.

Example:
    >>> task = rnr_task(limit=10)  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any

import dspy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rnr_dspy.evals.metrics import Metric, grouped, mean_metric, ratio_metric
from rnr_dspy.evals.rule_scorer import rule_scorer
from rnr_dspy.evals.task import Sample, ScoredSample, SuiteError, Task
from rnr_dspy.rules import Rule, TurnType, render_system_prompt

__all__ = ["BenchItem", "load_rnr_items", "rnr_metrics", "rnr_task", "shipped_bench_path"]

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

    def to_sample(self) -> Sample:
        return Sample(id=self.id, user=self.user, system=render_system_prompt(self.role, self.rules),
                      metadata={"domain": self.domain, "turn_type": self.turn_type,
                                "rules": [rule.model_dump(exclude={"check_error"}) for rule in self.rules]})


def shipped_bench_path() -> Path:
    return Path(str(files("rnr_dspy.evals") / "data" / "rnr_bench.jsonl"))


def load_rnr_items(path: str | Path) -> list[BenchItem]:
    """Read and validate every line; raises `SuiteError` naming each bad line (file:line: field: problem)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SuiteError(f"cannot read suite file {path}: {error}") from error
    items: list[BenchItem] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = BenchItem.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            problems.append(f"{path}:{number}: not JSON: {error.msg}")
            continue
        except ValidationError as error:
            problems.extend(f"{path}:{number}: {_where(e['loc'])}: {e['msg']}" for e in error.errors())
            continue
        if item.id in seen:
            problems.append(f"{path}:{number}: id: {item.id!r} already used on line {seen[item.id]}")
            continue
        seen[item.id] = number
        items.append(item)
    if problems:
        shown = "\n".join(problems[:MAX_ERRORS_SHOWN])
        more = f"\n… and {len(problems) - MAX_ERRORS_SHOWN} more" if len(problems) > MAX_ERRORS_SHOWN else ""
        raise SuiteError(f"{path}: {len(problems)} problem(s); {len(items)} valid item(s)\n{shown}{more}")
    if not items:
        raise SuiteError(f"suite file {path} has no items")
    return items


def rnr_task(path: str | Path | None = None, *, judge_lm: dspy.BaseLM | None = None, limit: int | None = None,
             name: str | None = None, seed: int = 0) -> Task:
    """The role-and-rule suite as a `Task`; without a `judge_lm`, judge-only rules are left unknown (and noted).
    `seed` seeds the bootstrap intervals of its metrics."""
    source = Path(path) if path is not None else shipped_bench_path()
    items = load_rnr_items(source)[:limit]
    judge_only = sum(not rule.checkable for item in items for rule in item.rules)
    notes = [NO_JUDGE_NOTE] if judge_only and judge_lm is None else []
    return Task(name=name or ("rnr" if path is None else source.stem), dataset=[item.to_sample() for item in items],
                scorer=rule_scorer(judge_lm), metrics=partial(rnr_metrics, seed=seed), notes=notes,
                settings={"source": str(source), "judge_only_rules": judge_only})


def rnr_metrics(scored: Sequence[ScoredSample], *, seed: int = 0) -> dict[str, Metric]:
    """Pass rate (all rules followed), pass rate over the checkable rules, rule adherence, and adherence per rule
    kind (`kind:*`) and pass rate per turn type (`turn:*`); `seed` seeds the bootstrap intervals."""
    verdicts = [s.score.metadata.get("verdicts", []) for s in scored]
    metrics = {
        "pass_rate": mean_metric((s.score.value for s in scored), seed=seed),
        "checkable_pass_rate": mean_metric((s.score.metadata.get("checkable_pass") for s in scored), seed=seed),
        "adherence": _adherence(verdicts, seed),
    }
    kinds = sorted({v["kind"] for item in verdicts for v in item})
    metrics |= {f"kind:{kind}": _adherence([[v for v in item if v["kind"] == kind] for item in verdicts], seed)
                for kind in kinds}
    turns = grouped(((s.sample.metadata.get("turn_type", "?"), s.score.value) for s in scored), seed=seed)
    return metrics | {f"turn:{turn}": metric for turn, metric in turns.items()}


def _adherence(verdicts: Sequence[Sequence[dict[str, Any]]], seed: int = 0) -> Metric:
    parts = [(sum(v["followed"] is True for v in item), sum(v["followed"] is not None for v in item))
             for item in verdicts]
    unknown = sum(v["followed"] is None for item in verdicts for v in item)
    return ratio_metric(parts, seed=seed).model_copy(update={"unknown": unknown})


def _where(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "item"
