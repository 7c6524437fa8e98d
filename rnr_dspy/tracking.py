"""Count what a run costs and how often each stage's output parsed."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from dspy.utils.callback import BaseCallback
from dspy.utils.usage_tracker import UsageTracker

__all__ = ["ParseTracker", "usage_summary"]


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


def usage_summary(tracker: UsageTracker) -> dict[str, Any]:
    """Calls that reached a model (cache hits excluded) and their tokens, from a `dspy.track_usage()` tracker."""
    entries = [entry for per_lm in tracker.usage_data.values() for entry in per_lm]
    input_tokens = sum(int(entry.get("prompt_tokens") or 0) for entry in entries)
    output_tokens = sum(int(entry.get("completion_tokens") or 0) for entry in entries)
    return {"lm_calls": len(entries), "input_tokens": input_tokens, "output_tokens": output_tokens,
            "tokens": input_tokens + output_tokens}
