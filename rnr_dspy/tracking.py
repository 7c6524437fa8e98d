"""Count what a run costs (calls, tokens, price per LM) and how often each stage's output parsed."""

from __future__ import annotations

import datetime
import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from dspy.clients import base_lm
from dspy.utils.callback import BaseCallback
from dspy.utils.usage_tracker import UsageTracker

__all__ = ["Ledger", "ParseTracker"]


class ParseTracker(BaseCallback):
    """Per signature (stage): how many LM replies were parsed, and how many failed to parse."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outermost = threading.local()
        self._stage_of_call: dict[str, str] = {}
        self.parsed: dict[str, int] = defaultdict(int)
        self.failed: dict[str, int] = defaultdict(int)
        self.examples: dict[str, list[str]] = defaultdict(list)

    def on_adapter_parse_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        # DSPy wraps `parse` once per adapter class, so an adapter subclass that calls its parent's parse reports
        # nested parses of one reply: only the outermost one counts.
        if getattr(self._outermost, "call_id", None) is not None:
            return
        self._outermost.call_id = call_id
        signature = inputs.get("signature")
        with self._lock:
            self._stage_of_call[call_id] = getattr(signature, "__name__", str(signature))

    def on_adapter_parse_end(self, call_id: str, outputs: Any, exception: BaseException | None = None) -> None:
        if getattr(self._outermost, "call_id", None) != call_id:
            return
        self._outermost.call_id = None
        with self._lock:
            stage = self._stage_of_call.pop(call_id)
            self.parsed[stage] += 1
            if exception is not None:
                self.failed[stage] += 1
                if len(self.examples[stage]) < 3:
                    self.examples[stage].append(str(exception)[:300])

    def summary(self) -> dict[str, dict[str, Any]]:
        return {
            stage: {"replies": total, "parse_failures": self.failed[stage],
                    "parse_success": round(1 - self.failed[stage] / total, 4) if total else None,
                    "failure_examples": self.examples[stage]}
            for stage, total in sorted(self.parsed.items())
        }


class Ledger(UsageTracker):
    """A `dspy` usage tracker (set it as `usage_tracker` in `dspy.context`) that keeps running totals of calls,
    tokens and cost per LM as the calls happen. Cache hits cost nothing and are not counted.

    DSPy hands a tracker each call's tokens but not its price; the price (LiteLLM's, for priced providers) is read
    off DSPy's call history, each entry once by its id, so a history that drops its oldest entries loses nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.tokens = 0
        self.started = datetime.datetime.now().isoformat()
        self._priced: set[str] = {entry.get("uuid", "") for entry in base_lm.GLOBAL_HISTORY}
        self._cost: float | None = None

    def add_usage(self, lm: str, usage_entry: dict[str, Any]) -> None:
        with self._lock:
            super().add_usage(lm, usage_entry)
            self.tokens += _tokens(usage_entry, "prompt_tokens") + _tokens(usage_entry, "completion_tokens")
            self._collect_costs()

    def _collect_costs(self) -> None:
        # Entries are recorded just after their usage is reported: the newest few are enough to look at.
        for entry in base_lm.GLOBAL_HISTORY[-_RECENT:]:
            key = entry.get("uuid")
            if key is None or key in self._priced:
                continue
            self._priced.add(key)
            if entry.get("cost") is not None:
                self._cost = (self._cost or 0.0) + entry["cost"]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            self._collect_costs()
            per_lm = {lm: {"calls": len(entries),
                           "input_tokens": sum(_tokens(e, "prompt_tokens") for e in entries),
                           "output_tokens": sum(_tokens(e, "completion_tokens") for e in entries)}
                      for lm, entries in self.usage_data.items()}
            cost = self._cost
        return {"lm_calls": sum(v["calls"] for v in per_lm.values()),
                "input_tokens": sum(v["input_tokens"] for v in per_lm.values()),
                "output_tokens": sum(v["output_tokens"] for v in per_lm.values()),
                "tokens": self.tokens, "per_lm": per_lm, "cost_usd": round(cost, 6) if cost is not None else None}

    def write(self, path: Path, **extra: Any) -> dict[str, Any]:
        """Append this run to the ledger at `path` (`usage.json`) and refresh the totals."""
        ledger = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": []}
        ledger["runs"].append({"started": self.started, **self.summary(), **extra})
        runs = ledger["runs"]
        costs = [run["cost_usd"] for run in runs if run.get("cost_usd") is not None]
        ledger["total"] = {"lm_calls": sum(run["lm_calls"] for run in runs),
                           "tokens": sum(run["tokens"] for run in runs),
                           "cost_usd": round(sum(costs), 6) if costs else None}
        path.write_text(json.dumps(ledger, indent=2), encoding="utf-8")
        return ledger


_RECENT = 256


def _tokens(entry: dict[str, Any], key: str) -> int:
    return int(entry.get(key) or 0)
