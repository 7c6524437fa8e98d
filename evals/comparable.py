"""Whether the models of an eval log can be compared: every setting that changes an answer or its score (max
tokens, suite and its sample, judge, back end, precision) must be the same for each of them, and so must the
items they answered. A difference is named, so a report can refuse it or print it beside the numbers.

Example:
    >>> differences(read_log("runs/eval/log.json").runs)  # doctest: +SKIP
    ['B `local:runs/x/model`: back end transformers, A has llama.cpp']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rnr_dspy.evals.log import ModelRun, SuiteLog

__all__ = [
    "ANSWER_SETTINGS", "answer_conditions", "answer_settings", "backend_kind", "differences", "item_differences",
    "model_letter",
]

# The eval settings, of those a log's config records, that change what a model answers or how it is scored.
ANSWER_SETTINGS = ("max_tokens", "suite", "limit", "seed", "judge_lm", "follow_rules")
# What a setting a log does not record was: logs written before the setting existed ran without it.
_UNRECORDED = {"follow_rules": 0}


def model_letter(index: int) -> str:
    """How reports and the viewer name the model at `index` of a log: A, B, … (the baseline is A)."""
    return chr(ord("A") + index) if index < 26 else f"M{index}"


def answer_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The answer settings of an eval log's config, as each of its models records them."""
    return {key: config.get(key) for key in ANSWER_SETTINGS}


def backend_kind(backend: str) -> str:
    """The back end without its batching ("transformers, batch 8" → "transformers"): batching does not change a
    greedy answer, the back end does."""
    return backend.split(",", 1)[0].strip()


def answer_conditions(run: ModelRun) -> dict[str, Any]:
    """What a run's answers and scores depend on: its settings, back end and precision ("?" when unrecorded)."""
    settings = {key: run.settings.get(key, _UNRECORDED.get(key)) for key in ANSWER_SETTINGS}
    return {**settings, "back end": backend_kind(run.backend), "precision": run.precision or "?"}


def differences(runs: list[ModelRun]) -> list[str]:
    """Each condition in which a run differs from the first (the baseline), one line per run: empty when every
    model was evaluated alike."""
    if not runs:
        return []
    baseline = answer_conditions(runs[0])
    found = []
    for index, run in enumerate(runs[1:], start=1):
        conditions = answer_conditions(run)
        changed = [f"{key} {_shown(conditions[key])}, A has {_shown(baseline[key])}"
                   for key in baseline if conditions[key] != baseline[key]]
        if changed:
            found.append(f"{model_letter(index)} `{run.spec}`: " + "; ".join(changed))
    return found


def item_differences(first: SuiteLog, other: SuiteLog) -> int:
    """How many items of the same id ask another thing (system prompt, user turn, rules, target) in `other`:
    another version of the suite."""
    asked = {scored.sample.id: scored.sample.model_dump(exclude={"id"}) for scored in first.samples}
    return sum(1 for scored in other.samples if scored.sample.id in asked
               and asked[scored.sample.id] != scored.sample.model_dump(exclude={"id"}))


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)
