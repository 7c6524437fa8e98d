"""`ServedLM`: a `dspy.LM` for a model behind HTTP (vLLM, llama.cpp's server, a hosted API) whose every wait is
bounded and reported.

- Each request gives up after `timeout` seconds without an answer (DSPy's own default waits 600 s).
- A failure worth retrying (429, 5xx, a timeout, a dropped connection) is retried `retries` times with backoff
  (1, 2, 4 … s); a server's Retry-After is honoured up to `MAX_RETRY_WAIT` seconds, never hours. Each wait is
  reported to the listener of `reporting_lm_waits` (a stage shows it as its status).
- `api_base` may name several servers of the model: each try goes to the one with the fewest requests
  outstanding, a retry to another one (without waiting), a failing server is set aside for a while
  (`rnr_dspy.models.server_pool`); `max_in_flight` bounds the requests outstanding on each.
- After `TRIP_AFTER` calls in a row failed every try, the model counts as down for the rest of the run: later
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
from dspy.lm15 import Request
from dspy.utils.exceptions import is_retryable_lm_error

from rnr_dspy.models.connections import DEFAULT_CONNECTIONS, WiderEngines
from rnr_dspy.models.reply_cache import share_cache_between
from rnr_dspy.models.response_format import StructuredOutput, StructuredOutputs
from rnr_dspy.models.server_auth import explain_auth_error, sent_key
from rnr_dspy.models.server_pool import TRIP_AFTER, ServerPool, describe_servers, split_api_base

__all__ = ["DEFAULT_RETRIES", "DEFAULT_TIMEOUT", "TRIP_AFTER", "LMWait", "ServedLM", "reporting_lm_failures",
           "reporting_lm_waits"]

_ROUTES_LOCK = threading.Lock()

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 2
MAX_RETRY_WAIT = 60.0


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
    """A `dspy.LM` with bounded, reported retries, spread over the model's servers (see the module docstring).

    Args:
        model: a DSPy model string, e.g. `hosted_vllm/Qwen/Qwen2.5-7B-Instruct`.
        num_retries: retries of a request that failed with a retryable error.
        timeout: seconds a request may wait for its answer.
        api_base: the server's address, or several (a list, or one comma-separated string).
        max_in_flight: requests outstanding on each server at most (None: as many as the callers send).
        structured_output: the `response_format` its requests carry: auto, json_schema, json_object or none (see
            `rnr_dspy.models.response_format`).
        **kwargs: the rest of `dspy.LM`'s settings (`api_key`, `temperature`, …).
    """

    def __init__(self, model: str, *, num_retries: int = DEFAULT_RETRIES, timeout: float = DEFAULT_TIMEOUT,
                 api_base: str | list[str] | None = None, max_in_flight: int | None = None,
                 structured_output: StructuredOutput = "auto", **kwargs: Any) -> None:
        servers = split_api_base(api_base)
        # DSPy's own retry loop stays off: it waits silently, and as long as any Retry-After says.
        super().__init__(model, num_retries=0, timeout=timeout, api_base=servers[0] if servers else None, **kwargs)
        self.retries = num_retries
        self._pool = ServerPool(servers or [""], max_in_flight=max_in_flight)
        self._engine_store = WiderEngines(max(max_in_flight or 0, DEFAULT_CONNECTIONS))
        self._routes: dict[str, dspy.LM] = {}  # copies of this LM addressed to its other servers
        share_cache_between(servers)  # replicas of one model answer alike: a reply cached from one serves all
        self._formats = StructuredOutputs(structured_output, served_at_api_base=bool(servers))

    @property
    def supports_response_schema(self) -> bool:
        return True if self._formats.declares_schema else super().supports_response_schema

    @property
    def supported_params(self) -> set[str]:
        params = super().supported_params
        return params | {"response_format"} if self._formats.declares_schema else params

    def dump_state(self) -> dict[str, Any]:
        return {**super().dump_state(), "num_retries": self.retries}

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in super().__getstate__().items() if name != "_routes"}

    def __setstate__(self, state: dict[str, Any]) -> None:  # a copy gets engines and routes of its own, as wide
        super().__setstate__(state)
        self._engine_store = WiderEngines(max(self._pool.max_in_flight or 0, DEFAULT_CONNECTIONS))
        self._routes = {}

    @property
    def endpoint(self) -> str:
        """The server (or servers) requests go to, without credentials."""
        return describe_servers(self._pool.urls)

    def _route(self, server: str, prompt: Any) -> tuple[dspy.LM, dict[str, str]]:
        """The LM that sends a try to `server` and the call setting that addresses it: this LM as it is for its own
        server; for another, `api_base`, or, for a `dspy.lm15.Request` (eval's answers: it takes no call
        settings), a kept copy of this LM addressed there."""
        if not server or server == self.kwargs.get("api_base"):
            return self, {}
        if not isinstance(prompt, Request):
            return self, {"api_base": server}
        with _ROUTES_LOCK:
            if server not in self._routes:
                self._routes[server] = self.copy(api_base=server)
            return self._routes[server], {}

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        avoid, failed = None, 0
        while True:
            server = self._pool.lease(self.model, avoid)
            sent, form = self._formats.prepare(server, kwargs)
            try:
                lm, address = self._route(server, prompt)
                result = dspy.LM.__call__(lm, prompt, messages=messages, **address, **sent)
            except Exception as error:
                if self._formats.refused(error, server, form, sent):  # asked again at once, in the form it takes
                    _report_failure(self.model)
                    self._pool.release(server, answered=True)
                    continue
                failed += 1
                time.sleep(self._after_failure(error, failed, server))
                avoid = server
            else:
                self._pool.release(server, answered=True)
                return result

    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        avoid, failed = None, 0
        while True:
            server = await asyncio.to_thread(self._pool.lease, self.model, avoid)
            sent, form = self._formats.prepare(server, kwargs)
            try:
                lm, address = self._route(server, prompt)
                result = await dspy.LM.acall(lm, prompt, messages=messages, **address, **sent)
            except Exception as error:
                if self._formats.refused(error, server, form, sent):
                    _report_failure(self.model)
                    self._pool.release(server, answered=True)
                    continue
                failed += 1
                await asyncio.sleep(self._after_failure(error, failed, server))
                avoid = server
            else:
                self._pool.release(server, answered=True)
                return result

    def _after_failure(self, error: Exception, failed: int, server: str) -> float:
        """Count the failed try and return the wait before the next; re-raises `error` when there is none."""
        _report_failure(self.model)
        retryable = is_retryable_lm_error(error)
        self._pool.release(server, answered=not retryable)
        if not retryable:
            explain_auth_error(error, self.model, self.endpoint, key_given=sent_key(self.kwargs))
            raise error
        tries = self.retries + 1
        timeout = self.kwargs["timeout"]
        timed_out = "timed out" in str(error)
        reason = f"{type(error).__name__}: no answer within {timeout:g} s" if timed_out else _first_line(error)
        if failed == tries:
            self._pool.gave_up(f"{tries} tries, the last: {reason}")
            _say_what_was_tried(error, tries, timeout, timed_out)
            raise error
        if self._pool.alternative(server):
            return 0.0  # another server takes the retry now
        hinted = getattr(error, "retry_after", None)
        backoff = 2.0 ** (failed - 1)
        seconds = min(MAX_RETRY_WAIT, float(hinted) if isinstance(hinted, (int, float)) and hinted >= 0 else backoff)
        listener = _listener.get()
        if listener is not None:
            listener(LMWait(self.model, describe_servers([server]), failed, tries, seconds, reason))
        return seconds


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
