"""Score a program on examples: rule adherence, pass rate, rule-set quality and adherence per rule kind."""

from __future__ import annotations

from collections import defaultdict

import dspy
from dspy.utils.exceptions import AdapterParseError
from pydantic import BaseModel

from rnr_dspy.optimizers.context import is_context_overflow, overflow_error
from rnr_dspy.optimizers.metrics import combined_score, judged_rules
from rnr_dspy.optimizers.rule_quality import RuleSetQuality, rule_set_quality
from rnr_dspy.rules import Rule, RuleVerdict, tally
from rnr_dspy.runtime.parallel import parallel_map
from rnr_dspy.runtime.progress import Progress, ProgressEvent

__all__ = ["EvalSummary", "evaluate_program"]


class EvalSummary(BaseModel):
    score: float
    """Mean of `rnr_score`: adherence times rule-set quality."""
    adherence: float
    pass_rate: float
    rule_quality: float
    per_kind: dict[str, float]
    """Share of rules followed, per rule kind, over rules with a known verdict."""
    items: int
    failed_items: int
    unknown_verdicts: int
    invalid_checks: int
    """Checks the LM proposed with an unknown name or bad parameters (their rules stayed judge-only)."""
    errors: list[str] = []


class _Item(BaseModel):
    rules: list[Rule] = []
    verdicts: list[RuleVerdict] = []
    error: str | None = None


def evaluate_program(program: dspy.Module, examples: list[dspy.Example], *, num_threads: int = 1,
                     progress: Progress | None = None, phase: str = "evaluate") -> EvalSummary:
    """Run `program` on every example. An item whose output did not parse scores 0 and is listed in `errors`; a
    prompt that outgrew the LM's context raises `ContextOverflowError`, naming the settings to change; other errors
    (an unreachable LM) propagate. Ctrl-C stops it at once (see `rnr_dspy.runtime.parallel`)."""

    def run(example: dspy.Example) -> _Item:
        try:
            pred = program(**example.inputs())
        except AdapterParseError as error:
            where = (example.get("seed_ids") or ["?"])[0]
            return _Item(error=f"{where}: {type(error).__name__}: {str(error)[:200]}")
        except Exception as error:
            if is_context_overflow(error):
                raise overflow_error(error) from error
            raise
        rules, verdicts = judged_rules(pred, example)
        return _Item(rules=rules, verdicts=verdicts)

    items = []
    if progress:
        progress(ProgressEvent(phase=phase, done=0, total=len(examples)))
    for item in parallel_map(run, examples, num_threads):
        items.append(item)
        if progress:
            progress(ProgressEvent(phase=phase, done=len(items), total=len(examples)))
    return _summarize(items)


def _summarize(items: list[_Item]) -> EvalSummary:
    count = len(items) or 1
    adherences = [tally(item.verdicts) for item in items]
    # An item that did not parse has no rules, and so no quality.
    qualities = [rule_set_quality(item.rules) if item.error is None else RuleSetQuality(0.0) for item in items]
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        kinds = {rule.id: rule.kind for rule in item.rules}
        for verdict in item.verdicts:
            if verdict.followed is not None:
                per_kind[kinds[verdict.rule_id]][0] += verdict.followed
                per_kind[kinds[verdict.rule_id]][1] += 1
    return EvalSummary(
        score=sum(combined_score(a, q) for a, q in zip(adherences, qualities, strict=True)) / count,
        adherence=sum(a.fraction for a in adherences) / count,
        pass_rate=sum(a.passed for a in adherences) / count,
        rule_quality=sum(q.score for q in qualities) / count,
        per_kind={kind: round(followed / known, 4) for kind, (followed, known) in sorted(per_kind.items())},
        items=len(items), failed_items=sum(item.error is not None for item in items),
        unknown_verdicts=sum(a.unknown for a in adherences),
        invalid_checks=sum(rule.check_error is not None for item in items for rule in item.rules),
        errors=[item.error for item in items if item.error],
    )
