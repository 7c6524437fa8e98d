"""What the viewer's eval tab shows of an eval log: every item of every suite with every model's answer side by
side, its verdicts, and whether a model gained or lost the item against the baseline (the first model)."""

from __future__ import annotations

from typing import Any

from rnr_dspy.evals.comparable import model_letter
from rnr_dspy.evals.log import EvalLog, SuiteLog
from rnr_dspy.evals.task import ScoredSample

__all__ = ["eval_view", "headline_metric", "paired_changes"]

Unit = tuple[float, float] | None


def eval_view(log: EvalLog) -> dict[str, Any]:
    """The eval tab: the models, each suite's headline metric, and one entry per item of each suite."""
    tasks = list(dict.fromkeys(suite.task for run in log.runs for suite in run.suites))
    items = []
    headlines = {}
    for task in tasks:
        suites = [run.suite(task) for run in log.runs]
        base = suites[0]
        headline = headline_metric(base) if base is not None else None
        headlines[task] = headline
        changes = [paired_changes(_units(base, headline), _units(suite, headline)) for suite in suites[1:]]
        by_id = [{s.sample.id: s for s in suite.samples} if suite else {} for suite in suites]
        for sample_id in dict.fromkeys(s.sample.id for suite in suites if suite for s in suite.samples):
            scored = [found.get(sample_id) for found in by_id]
            sample = next(s for s in scored if s is not None).sample
            items.append({
                "suite": task, "id": sample_id, "system": sample.system, "user": sample.user,
                "split": sample.metadata.get("split"), "turn_type": sample.metadata.get("turn_type"),
                "domain": sample.metadata.get("domain"), "kinds": _kinds(sample.metadata),
                "answers": [_answer(s) for s in scored],
                "changes": [None] + [found.get(sample_id) for found in changes],
            })
    models = [{"name": model_letter(i), "spec": run.spec, "model_id": run.model_id, "backend": run.backend}
              for i, run in enumerate(log.runs)]
    return {"models": models, "headlines": headlines, "items": items}


def headline_metric(suite: SuiteLog) -> str | None:
    """The metric gained and lost items are counted on: the pass rate where the suite pairs it, else the first
    metric it pairs (IFEval: prompt-level strict accuracy)."""
    return "pass_rate" if "pass_rate" in suite.units else next(iter(suite.units), None)


def paired_changes(base: dict[str, Unit] | None, other: dict[str, Unit] | None) -> dict[str, int | None]:
    """Per item both logs hold: 1 gained (better than the baseline), -1 lost, 0 the same, None when either model
    left it undecided; the items paired as `rnr_dspy.evals.metrics.paired_delta` pairs them for the report's ↑/↓."""
    if base is None or other is None:
        return {}
    changes: dict[str, int | None] = {}
    for item, base_unit in base.items():
        if item not in other:
            continue
        other_unit = other[item]
        if base_unit is None or other_unit is None or base_unit[1] <= 0 or other_unit[1] <= 0:
            changes[item] = None
            continue
        difference = other_unit[0] / other_unit[1] - base_unit[0] / base_unit[1]
        changes[item] = (difference > 0) - (difference < 0)
    return changes


def _units(suite: SuiteLog | None, metric: str | None) -> dict[str, Unit] | None:
    return suite.units.get(metric) if suite is not None and metric is not None else None


def _kinds(metadata: dict[str, Any]) -> list[str]:
    """Rule kinds of a benchmark item; an IFEval item's instruction groups (`punctuation` of `punctuation:…`)."""
    if "rules" in metadata:
        return list(dict.fromkeys(rule.get("kind", "other") for rule in metadata["rules"]))
    return list(dict.fromkeys(name.split(":", 1)[0] for name in metadata.get("instruction_id_list", [])))


def _answer(scored: ScoredSample | None) -> dict[str, Any] | None:
    if scored is None:
        return None
    meta = scored.score.metadata
    if "verdicts" in meta:
        verdicts = [[v.get("rule_id"), v.get("followed"), v.get("reason", ""), v.get("method", ""), v.get("text", "")]
                    for v in meta["verdicts"]]
    else:  # IFEval: one verdict per instruction, strict (loose beside it)
        verdicts = [[name, strict, f"strict {_ok(strict)}, loose {_ok(loose)}", "check", name]
                    for name, strict, loose in zip(meta.get("instructions", []), meta.get("strict", []),
                                                   meta.get("loose", []), strict=False)]
    return {"text": scored.generation.text, "error": scored.generation.error,
            "truncated": scored.generation.truncated, "tokens": scored.generation.output_tokens,
            "score": scored.score.value, "explanation": scored.score.explanation, "verdicts": verdicts}


def _ok(followed: bool | None) -> str:
    return "followed" if followed else "broken" if followed is False else "unknown"

