"""Count what a run costs: calls, tokens and price per LM (`Ledger`)."""

from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from dspy.clients import base_lm
from dspy.utils.usage_tracker import UsageTracker

from rnr_dspy.runtime.usage_log import UsageLog

__all__ = ["Ledger"]


class Ledger(UsageTracker):
    """A `dspy` usage tracker (set it as `usage_tracker` in `dspy.context`) that keeps running totals of calls,
    tokens and cost per LM as the calls happen. Cache hits cost nothing and are not counted.

    Given a run directory's `usage.json` path, it also appends each call to `usage.jsonl` beside it as the call
    happens, so a killed run's calls still count; `write()` marks the run finished and rebuilds `usage.json`.

    DSPy hands a tracker each call's tokens but not its price; the price (LiteLLM's, for priced providers) is read
    off DSPy's call history, each entry once by its id, so a history that drops its oldest entries loses nothing.
    """

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.tokens = 0
        self.started = datetime.datetime.now().isoformat()
        self._priced: set[str] = {entry.get("uuid", "") for entry in base_lm.GLOBAL_HISTORY}
        self._cost: float | None = None
        self._failed: dict[str, int] = defaultdict(int)
        self._log = UsageLog(path) if path is not None else None
        if self._log is not None:
            self._log.append({"run": self.started, "started": self.started})

    def failed(self, lm: str) -> None:
        """Count a request to `lm` that was sent and failed (DSPy reports answered calls only)."""
        with self._lock:
            self._failed[lm] += 1

    def add_usage(self, lm: str, usage_entry: dict[str, Any]) -> None:
        with self._lock:
            super().add_usage(lm, usage_entry)
            tokens = {"input_tokens": _tokens(usage_entry, "prompt_tokens"),
                      "output_tokens": _tokens(usage_entry, "completion_tokens")}
            self.tokens += tokens["input_tokens"] + tokens["output_tokens"]
            cost = self._collect_costs()
            if self._log is not None and usage_entry:
                self._log.append({"run": self.started, "lm": lm, "calls": 1, **tokens})
            if self._log is not None and cost is not None:
                self._log.append({"run": self.started, "cost_usd": cost})

    def _collect_costs(self) -> float | None:
        """Add the prices recorded since the last look; returns what was added (None: nothing priced)."""
        added: float | None = None
        # Entries are recorded just after their usage is reported: the newest few are enough to look at.
        for entry in base_lm.GLOBAL_HISTORY[-_RECENT:]:
            key = entry.get("uuid")
            if key is None or key in self._priced:
                continue
            self._priced.add(key)
            if entry.get("cost") is not None:
                added = (added or 0.0) + entry["cost"]
        if added is not None:
            self._cost = (self._cost or 0.0) + added
        return added

    def summary(self) -> dict[str, Any]:
        with self._lock:
            added = self._collect_costs()
            if self._log is not None and added is not None:
                self._log.append({"run": self.started, "cost_usd": added})
            per_lm = {lm: {"calls": len(entries),
                           "input_tokens": sum(_tokens(e, "prompt_tokens") for e in entries),
                           "output_tokens": sum(_tokens(e, "completion_tokens") for e in entries)}
                      for lm, entries in self.usage_data.items()}
            for lm, failed in self._failed.items():
                per_lm.setdefault(lm, {"calls": 0, "input_tokens": 0, "output_tokens": 0})["failed_calls"] = failed
            cost = self._cost
        return {"lm_calls": sum(v["calls"] for v in per_lm.values()),
                "failed_lm_calls": sum(self._failed.values()),
                "input_tokens": sum(v["input_tokens"] for v in per_lm.values()),
                "output_tokens": sum(v["output_tokens"] for v in per_lm.values()),
                "tokens": self.tokens, "per_lm": per_lm, "cost_usd": round(cost, 6) if cost is not None else None}

    def write(self, path: Path | None = None, **extra: Any) -> dict[str, Any]:
        """Mark this run finished (with `extra`, e.g. its wall time) and rebuild `usage.json`; returns it.

        `path` is for a ledger made without one: its calls so far are logged at once.
        """
        if self._log is not None and path is not None and path != self._log.summary_path:
            raise ValueError(f"this ledger writes {self._log.summary_path}, not {path}")
        if self._log is None:
            if path is None:
                raise ValueError("Ledger.write needs the path of usage.json: this ledger was made without one")
            totals = self.summary()  # before the log exists, so its prices are logged once, below
            self._log = UsageLog(path)
            self._log.append({"run": self.started, "started": self.started})
            for lm, counts in totals["per_lm"].items():
                self._log.append({"run": self.started, "lm": lm, **counts})
            if self._cost is not None:
                self._log.append({"run": self.started, "cost_usd": self._cost})
        self.summary()  # logs prices that arrived after the last call
        finished = datetime.datetime.now().isoformat()
        self._log.append({"run": self.started, "finished": finished, **extra})
        return self._log.write_summary()

    @property
    def problems(self) -> list[str]:
        """What was wrong with the run directory's usage files when the ledger opened them (a torn last line cut off,
        an unreadable usage.json kept aside); damaged lines are listed under `problems` in the usage.json written."""
        return list(self._log.problems) if self._log is not None else []


_RECENT = 256


def _tokens(entry: dict[str, Any], key: str) -> int:
    return int(entry.get(key) or 0)
