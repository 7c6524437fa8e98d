"""What an eval spent on LMs: the calls, failed calls and tokens of each model's answers and of the judge's
verdicts, counted as generate counts them (`rnr_dspy.runtime.tracking.Ledger`), kept in the log per model.

Example:
    >>> usage = EvalUsage()
    >>> with usage.counting("answers"):  # doctest: +SKIP
    ...     lm("Hi")
    >>> usage.summary()["answers"]["lm_calls"]  # doctest: +SKIP
    1
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import dspy

from rnr_dspy.models.served import reporting_lm_failures
from rnr_dspy.runtime.tracking import Ledger

__all__ = ["EvalUsage", "describe_usage"]

Role = Literal["answers", "judge"]


class EvalUsage:
    """One model's eval: a ledger for its answers (the model under test, its load probe included) and one for the
    judge's verdicts on them."""

    def __init__(self) -> None:
        self.ledgers: dict[Role, Ledger] = {"answers": Ledger(), "judge": Ledger()}

    @contextmanager
    def counting(self, role: Role) -> Iterator[None]:
        """Count every LM call made in this block (and in threads that copy its context) under `role`; a served
        LM's failed requests too."""
        ledger = self.ledgers[role]
        with dspy.context(usage_tracker=ledger), reporting_lm_failures(ledger.failed):
            yield

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per role: `lm_calls`, `failed_lm_calls`, `input_tokens`, `output_tokens`, `tokens`, `per_lm`,
        `cost_usd` (see `Ledger.summary`)."""
        return {role: ledger.summary() for role, ledger in self.ledgers.items()}


def describe_usage(usage: dict[str, dict[str, Any]]) -> str:
    """One line, e.g. `answers: 12 LM calls answered, 1 failed, 340 tokens; judge: 6 LM calls answered, 90 tokens`;
    empty for a log without usage."""
    parts = []
    for role, counts in usage.items():
        calls, failed = counts.get("lm_calls", 0), counts.get("failed_lm_calls", 0)
        if not calls and not failed:
            continue
        failures = f", {failed} failed" if failed else ""
        parts.append(f"{role}: {calls} LM calls answered{failures}, {counts.get('tokens', 0)} tokens")
    return "; ".join(parts)
