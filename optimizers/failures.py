"""Optimizer runs that survive a reply that does not parse: the example fails (scores 0, keeps no demo) and is
counted, instead of DSPy's optimizer ending the run once its error budget is spent; a prompt that outgrew the LM's
context stops the run at once (see `rnr_dspy.optimizers.context`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback
from dspy.utils.exceptions import AdapterParseError

from rnr_dspy.optimizers.context import ContextOverflowError, is_context_overflow, overflow_error

__all__ = ["FailedExamples"]

_FAILED = "_rnr_failed"  # marks a prediction whose run ended in a reply that did not parse


class FailedExamples(BaseCallback):
    """Examples whose program run ended in an unparsable reply during an optimizer run, and the first context
    overflow seen. `guard` and `metric` wrap the program and metrics an optimizer gets; as a DSPy callback it also
    sees the overflows of the optimizer's own calls (MIPROv2's instruction proposals); `summary()` reports."""

    def __init__(self) -> None:
        self.count = 0
        self.examples: list[str] = []
        self.overflow: ContextOverflowError | None = None
        self._lock = threading.Lock()

    def guard(self, program: dspy.Module) -> dspy.Module:
        """`program` inside a module that turns an unparsable reply into a failed prediction (its `.program` is the
        optimized program once the optimizer returns)."""
        return _Guarded(program, self)

    def metric(self, metric: Callable[..., Any]) -> Callable[..., Any]:
        """`metric` that scores a failed prediction 0 (False while bootstrapping, when a trace is passed)."""

        def scored(example: Any, pred: Any, *rest: Any) -> Any:
            if _failure(pred) is None:
                return metric(example, pred, *rest)
            return False if rest and rest[0] is not None else 0.0

        return scored

    def feedback_metric(self, metric: Callable[..., Any]) -> Callable[..., Any]:
        """GEPA's `metric` that scores a failed prediction 0 with feedback saying that its output did not parse."""

        def scored(example: Any, pred: Any, *rest: Any) -> Any:
            failure = _failure(pred)
            if failure is None:
                return metric(example, pred, *rest)
            return dspy.Prediction(score=0.0, feedback=f"The program's output did not parse: {failure}")

        return scored

    def failed(self, inputs: dict[str, Any], error: AdapterParseError) -> dspy.Prediction:
        where = (inputs.get("seed_ids") or [inputs.get("seed") or "?"])[0]
        text = f"{where}: {type(error).__name__}: {' '.join(str(error).split())[:200]}"
        with self._lock:
            self.count += 1
            if len(self.examples) < 3:
                self.examples.append(text)
        return dspy.Prediction(**{_FAILED: text})

    def overflowed(self, error: BaseException) -> ContextOverflowError:
        with self._lock:
            if self.overflow is None:
                self.overflow = overflow_error(error)
            return self.overflow

    def on_lm_end(self, call_id: str, outputs: Any, exception: BaseException | None = None) -> None:
        if exception is not None and is_context_overflow(exception):
            self.overflowed(exception)

    def raise_overflow(self) -> None:
        """Raise the context overflow seen, if any (an optimizer may have swallowed it and gone on)."""
        if self.overflow is not None:
            raise self.overflow

    def summary(self) -> dict[str, Any]:
        return {"failed_examples": self.count, "failure_examples": list(self.examples)}

    def __deepcopy__(self, memo: dict[int, Any]) -> FailedExamples:
        return self  # one tally for the program and every copy an optimizer makes of it

    def __copy__(self) -> FailedExamples:
        return self


def _failure(pred: Any) -> str | None:
    return pred.get(_FAILED) if isinstance(pred, dspy.Prediction) else None


class _Guarded(dspy.Module):
    def __init__(self, program: dspy.Module, failures: FailedExamples) -> None:
        super().__init__()
        self.program = program
        self.failures = failures

    def forward(self, **inputs: Any) -> Any:
        self.failures.raise_overflow()  # no more calls once a prompt outgrew the context
        try:
            return self.program(**inputs)
        except AdapterParseError as error:
            return self.failures.failed(inputs, error)
        except Exception as error:
            if is_context_overflow(error):
                raise self.failures.overflowed(error) from error
            raise
