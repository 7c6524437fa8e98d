"""How often each stage's LM replies parsed (`ParseTracker`), by the stage's signature."""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import dspy

__all__ = ["ParseTracker", "counted_parse", "stage_name"]

_SETTING = "rnr_parse_tracker"  # the DSPy setting that holds the counting tracker

_EXAMPLES = 3  # failed replies kept per stage


def stage_name(signature: Any) -> str:
    """The name of the stage a signature asks for: its class name, or, for a copy DSPy makes (a `StringSignature`:
    a loaded program's saved instructions, Refine's added hint), the project signature with the same outputs whose
    inputs it has."""
    name = getattr(signature, "__name__", None) or str(signature)  # a signature's text is costly to build
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


class ParseTracker:
    """Per signature (stage): how many LM replies were parsed, and how many failed to parse.

    It counts the replies `StructuredAdapter` parses inside `counting()`, in that thread and in the threads that
    take its DSPy settings (`parallel_map`, DSPy's own). Not a DSPy callback: any callback sends every module,
    adapter and LM call of a run through DSPy's slow path (a fifth of a served run's CPU).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.parsed: dict[str, int] = defaultdict(int)
        self.failed: dict[str, int] = defaultdict(int)
        self.examples: dict[str, list[str]] = defaultdict(list)

    def counting(self) -> AbstractContextManager[None]:
        """The DSPy context in which it counts parses."""
        return dspy.context(**{_SETTING: self})

    def count(self, signature: Any, error: Exception | None = None) -> None:
        """Count one parsed reply of `signature`'s stage, failed with `error` if given."""
        stage = stage_name(signature)
        with self._lock:
            self.parsed[stage] += 1
            if error is not None:
                self.failed[stage] += 1
                if len(self.examples[stage]) < _EXAMPLES:
                    self.examples[stage].append(str(error)[:300])

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


@contextmanager
def counted_parse(signature: Any) -> Iterator[None]:
    """Count the parse of a reply to `signature` done in the block with the tracker counting in this context."""
    tracker = dspy.settings.get(_SETTING)
    try:
        yield
    except Exception as error:
        if tracker is not None:
            tracker.count(signature, error)
        raise
    if tracker is not None:
        tracker.count(signature)
