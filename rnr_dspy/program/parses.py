"""How often each stage's LM replies parsed (`ParseTracker`, a DSPy callback), by the stage's signature."""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from typing import Any

from dspy.utils.callback import BaseCallback

__all__ = ["ParseTracker", "stage_name"]

_EXAMPLES = 3  # failed replies kept per stage


def stage_name(signature: Any) -> str:
    """The name of the stage a signature asks for: its class name, or, for a copy DSPy makes (a `StringSignature`:
    a loaded program's saved instructions, Refine's added hint), the project signature with the same outputs whose
    inputs it has."""
    name = getattr(signature, "__name__", str(signature))
    if name != "StringSignature":
        return name
    inputs, outputs = _fields(signature)
    matches = [(len(known_inputs), known) for (known_inputs, known_outputs), known in _signature_names().items()
               if known_outputs == outputs and set(known_inputs) <= set(inputs)]
    return max(matches)[1] if matches else name


def _fields(signature: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(getattr(signature, "input_fields", ())), tuple(getattr(signature, "output_fields", ()))


@functools.cache
def _signature_names() -> dict[tuple[tuple[str, ...], tuple[str, ...]], str]:
    import rnr_dspy.signatures as signatures

    return {_fields(getattr(signatures, name)): name for name in signatures.__all__}


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
            self._stage_of_call[call_id] = stage_name(signature)

    def on_adapter_parse_end(self, call_id: str, outputs: Any, exception: BaseException | None = None) -> None:
        if getattr(self._outermost, "call_id", None) != call_id:
            return
        self._outermost.call_id = None
        with self._lock:
            stage = self._stage_of_call.pop(call_id)
            self.parsed[stage] += 1
            if exception is not None:
                self.failed[stage] += 1
                if len(self.examples[stage]) < _EXAMPLES:
                    self.examples[stage].append(str(exception)[:300])

    def counts(self) -> dict[str, Any]:
        """What it counted, to be `merge`d into another tracker (a worker process's)."""
        with self._lock:
            return {"parsed": dict(self.parsed), "failed": dict(self.failed), "examples": dict(self.examples)}

    def merge(self, counts: dict[str, Any]) -> None:
        """Add another tracker's `counts()`."""
        with self._lock:
            for stage, number in counts["parsed"].items():
                self.parsed[stage] += number
            for stage, number in counts["failed"].items():
                self.failed[stage] += number
            for stage, examples in counts["examples"].items():
                self.examples[stage] = (self.examples[stage] + examples)[:_EXAMPLES]

    def summary(self) -> dict[str, dict[str, Any]]:
        return {
            stage: {"replies": total, "parse_failures": self.failed[stage],
                    "parse_success": round(1 - self.failed[stage] / total, 4) if total else None,
                    "failure_examples": self.examples[stage]}
            for stage, total in sorted(self.parsed.items())
        }
