"""The token and cost ledger of a run (`usage.json`): calls and tokens per LM for each run of the directory, and
their totals. Cache hits cost nothing and are not counted."""

from __future__ import annotations

import datetime
import json
import threading
from pathlib import Path
from typing import Any

from dspy.clients import base_lm
from dspy.utils.usage_tracker import UsageTracker

__all__ = ["Ledger"]


class Ledger(UsageTracker):
    """A `dspy` usage tracker (set it as `usage_tracker` in `dspy.context`) that also keeps a running total."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.tokens = 0
        self.started = datetime.datetime.now().isoformat()
        self._history_start = len(base_lm.GLOBAL_HISTORY)

    def add_usage(self, lm: str, usage_entry: dict[str, Any]) -> None:
        with self._lock:
            super().add_usage(lm, usage_entry)
            self.tokens += int(usage_entry.get("prompt_tokens") or 0) + int(usage_entry.get("completion_tokens") or 0)

    def summary(self) -> dict[str, Any]:
        with self._lock:
            per_lm = {lm: {"calls": len(entries),
                           "input_tokens": sum(int(e.get("prompt_tokens") or 0) for e in entries),
                           "output_tokens": sum(int(e.get("completion_tokens") or 0) for e in entries)}
                      for lm, entries in self.usage_data.items()}
        # Providers that price their calls report a cost per response (LiteLLM); local models report none.
        costs = [entry["cost"] for entry in base_lm.GLOBAL_HISTORY[self._history_start :] if entry.get("cost")]
        return {"lm_calls": sum(v["calls"] for v in per_lm.values()), "tokens": self.tokens, "per_lm": per_lm,
                "cost_usd": round(sum(costs), 6) if costs else None}

    def write(self, path: Path, **extra: Any) -> dict[str, Any]:
        """Append this run to the ledger at `path` and refresh the totals."""
        ledger = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": []}
        ledger["runs"].append({"started": self.started, **self.summary(), **extra})
        runs = ledger["runs"]
        costs = [run["cost_usd"] for run in runs if run.get("cost_usd") is not None]
        ledger["total"] = {"lm_calls": sum(run["lm_calls"] for run in runs),
                           "tokens": sum(run["tokens"] for run in runs),
                           "cost_usd": round(sum(costs), 6) if costs else None}
        path.write_text(json.dumps(ledger, indent=2), encoding="utf-8")
        return ledger
