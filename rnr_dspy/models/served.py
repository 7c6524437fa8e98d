"""`ServedLM`: a `dspy.LM` for a model behind HTTP (vLLM, llama.cpp's server, a hosted API) whose every wait is
bounded and reported.

- Each request gives up after `timeout` seconds without an answer (DSPy's own default waits 600 s).
- A failure worth retrying (429, 5xx, a timeout, a dropped connection) is retried `retries` times with backoff
  (1, 2, 4 … s); a server's Retry-After is honoured up to `MAX_RETRY_WAIT` seconds, never hours. Each wait is
  reported to the listener of `reporting_lm_waits` (a stage shows it as its status).
- After `TRIP_AFTER` calls in a row failed every try, the endpoint counts as down for the rest of the run: later
  calls fail at once with `LMError` instead of each waiting out its own timeouts, so a run against a dead server
  ends in bounded time, every row recorded with the reason.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.utils.exceptions import is_retryable_lm_error

from rnr_dspy.errors import LMError
from rnr_dspy.models.reply_cache import endpoint_key
from rnr_dspy.models.server_auth import explain_auth_error, sent_key

__all__ = ["DEFAULT_RETRIES", "DEFAULT_TIMEOUT", "LMWait", "ServedLM", "reporting_lm_failures", "reporting_lm_waits"]

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 2
MAX_RETRY_WAIT = 60.0
TRIP_AFTER = 3


@dataclass(frozen=True)
class LMWait:
    """A served LM waiting before it retries a failed request."""

    model: str
    endpoint: str
    failed_try: int
    tries: int
    seconds: float
    reason: str

    def __str__(self) -> str:
        return (f"{self.model} at {self.endpoint}: try {self.failed_try} of {self.tries} failed ({self.reason}); "
                f"retrying in {self.seconds:g} s")


_listener: contextvars.ContextVar[Callable[[LMWait], None] | None] = contextvars.ContextVar("rnr_lm_waits",
                                                                                          default=None)


@contextmanager
def reporting_lm_waits(listener: Callable[[LMWait], None]) -> Iterator[None]:
    """Report every retry wait of a `ServedLM` called in this context (and in threads that copy it)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


_failures: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar("rnr_lm_failures",
                                                                                        default=None)


@contextmanager
def reporting_lm_failures(listener: Callable[[str], None]) -> Iterator[None]:
    """Report the model of every request a `ServedLM` called in this context sent and saw fail (each try): DSPy's
    usage tracking counts answered calls only."""
    token = _failures.set(listener)
    try:
        yield
    finally:
        _failures.reset(token)


def _report_failure(model: str) -> None:
    listener = _failures.get()
    if listener is not None:
        listener(model)


class ServedLM(dspy.LM):
    """A `dspy.LM` with bounded, reported retries and a stalled-endpoint cut-off (see the module docstring).

    Args:
        model: a DSPy model string, e.g. `hosted_vllm/Qwen/Qwen2.5-7B-Instruct`.
        num_retries: retries of a request that failed with a retryable error.
        timeout: seconds a request may wait for its answer.
        **kwargs: the rest of `dspy.LM`'s settings (`api_base`, `api_key`, `temperature`, …).
    """

    def __init__(self, model: str, *, num_retries: int = DEFAULT_RETRIES, timeout: float = DEFAULT_TIMEOUT,
                 **kwargs: Any) -> None:
        # DSPy's own retry loop stays off: it waits silently, and as long as any Retry-After says.
        super().__init__(model, num_retries=0, timeout=timeout, **kwargs)
        self.retries = num_retries
        self._health = _Health()

    def dump_state(self) -> dict[str, Any]:
        return {**super().dump_state(), "num_retries": self.retries}

    @property
    def endpoint(self) -> str:
        base = self.kwargs.get("api_base") or self.kwargs.get("base_url")
        return endpoint_key(str(base)) if base else "the provider's default endpoint"

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        for failed in range(1, self.retries + 2):
            self._health.check(self)
            try:
                result = super().__call__(prompt, messages=messages, **kwargs)
            except Exception as error:
                _report_failure(self.model)
                time.sleep(self._wait_after(error, failed))
            else:
                self._health.answered()
                return result
        raise AssertionError("unreachable: the last try raises")

    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        for failed in range(1, self.retries + 2):
            self._health.check(self)
            try:
                result = await super().acall(prompt, messages=messages, **kwargs)
            except Exception as error:
                _report_failure(self.model)
                await asyncio.sleep(self._wait_after(error, failed))
            else:
                self._health.answered()
                return result
        raise AssertionError("unreachable: the last try raises")

    def _wait_after(self, error: Exception, failed: int) -> float:
        """The wait before the next try; re-raises `error` when there is none."""
        if not is_retryable_lm_error(error):
            explain_auth_error(error, self.model, self.endpoint, key_given=sent_key(self.kwargs))
            raise error
        tries = self.retries + 1
        timeout = self.kwargs["timeout"]
        timed_out = "timed out" in str(error)
        reason = f"{type(error).__name__}: no answer within {timeout:g} s" if timed_out else _first_line(error)
        if failed == tries:
            self._health.gave_up(f"{tries} tries, the last: {reason}")
            _say_what_was_tried(error, tries, timeout, timed_out)
            raise error
        hinted = getattr(error, "retry_after", None)
        backoff = 2.0 ** (failed - 1)
        seconds = min(MAX_RETRY_WAIT, float(hinted) if isinstance(hinted, (int, float)) and hinted >= 0 else backoff)
        listener = _listener.get()
        if listener is not None:
            listener(LMWait(self.model, self.endpoint, failed, tries, seconds, reason))
        return seconds


class _Health:
    """Consecutive calls that failed every try, shared by an LM and its copies (rollouts, deep copies)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failed_calls = 0
        self._last = ""

    def check(self, lm: ServedLM) -> None:
        with self._lock:
            if self._failed_calls >= TRIP_AFTER:
                raise LMError(f"{lm.model} at {lm.endpoint} is not answering: {self._failed_calls} calls in a row "
                              f"failed ({self._last}); no more calls to it in this run. Check the server, then "
                              "re-run the same command (it generates the failed rows again)")

    def answered(self) -> None:
        with self._lock:
            self._failed_calls = 0

    def gave_up(self, reason: str) -> None:
        with self._lock:
            self._failed_calls += 1
            self._last = reason

    def __deepcopy__(self, memo: dict[int, Any]) -> _Health:
        return self

    def __getstate__(self) -> dict[str, Any]:  # a pickled LM (DSPy's save_program) starts healthy
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


def _say_what_was_tried(error: Exception, tries: int, timeout: float, timed_out: bool) -> None:
    """Append to a failure's message what was tried and which setting to change. The HTTP client's own advice
    (retry with backoff: it "never retries for you") is dropped after the first line: the retries were done."""
    if not error.args:
        return
    text = str(error.args[0])
    if timed_out:
        error.args = (f"{text} [waited {timeout:g} s per try, {tries} tries; raise request_timeout "
                      "(--request-timeout) for a slow server]", *error.args[1:])
        return
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    fewer = "send fewer requests at once (--num-threads) or " if "RateLimit" in type(error).__name__ else ""
    error.args = (f"{first} [{tries} tries with backoff (a server's Retry-After honoured up to {MAX_RETRY_WAIT:g} "
                  f"s), all failed; {fewer}raise num_retries (--num-retries) for a busy server]", *error.args[1:])


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]
