"""The servers behind one served model, and which one takes the next request.

A model may be served by several replicas (vLLM's data-parallel replicas, several hosts): `api_base` lists them.
Each request goes to the server with the fewest requests outstanding (ties in turn), at most `max_in_flight` at a
time on each. A server whose tries failed `TRIP_AFTER` times in a row is set aside for `SET_ASIDE_SECONDS`, then
tried again with one request; the run goes on on the others. The whole pool counts as down once `TRIP_AFTER` calls
in a row failed every try: later calls fail at once, so a run against dead servers ends in bounded time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rnr_dspy.errors import LMError
from rnr_dspy.models.reply_cache import endpoint_key

__all__ = ["SET_ASIDE_SECONDS", "TRIP_AFTER", "ServerPool", "describe_servers", "split_api_base"]

TRIP_AFTER = 3
SET_ASIDE_SECONDS = 30.0


def split_api_base(api_base: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """The servers `api_base` names: a list, or one string of comma-separated addresses."""
    if api_base is None:
        return []
    parts = api_base.split(",") if isinstance(api_base, str) else list(api_base)
    return [part.strip() for part in parts if part and part.strip()]


def describe_servers(urls: list[str]) -> str:
    """The servers for a message, without credentials (`""`, no `api_base`: the provider's default endpoint)."""
    return ", ".join(endpoint_key(url) for url in urls if url) or "the provider's default endpoint"


@dataclass
class _Server:
    url: str
    outstanding: int = 0
    failed_tries: int = 0  # in a row
    set_aside_until: float = 0.0


class ServerPool:
    """Least-outstanding routing over `urls`, with set-aside of failing servers (see the module docstring).

    Shared by an LM and all its copies (rollouts, deep copies): one count of what is in flight.
    """

    def __init__(self, urls: list[str], max_in_flight: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.servers = [_Server(url) for url in urls]
        self.max_in_flight = max_in_flight
        self._clock = clock
        # Leased and released around every request of a few hundred threads: held briefly, waited on only when a
        # server is full (`_waiting`), so a release wakes no one in the usual run.
        self._changed = threading.Condition(threading.Lock())
        self._waiting = 0
        self._turn = 0
        self._failed_calls = 0
        self._last = ""

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def lease(self, model: str, avoid: str | None = None) -> str:
        """A server for the next try (not `avoid`, the one that just failed, while another can take it); waits
        while every server has `max_in_flight` requests outstanding. Raises `LMError` once the pool is down."""
        with self._changed:
            while True:
                self._check(model)
                server = self._pick(avoid)
                if server is not None:
                    server.outstanding += 1
                    return server.url
                self._waiting += 1
                try:
                    self._changed.wait(timeout=1.0)
                finally:
                    self._waiting -= 1

    def release(self, url: str, answered: bool) -> None:
        """The try on `url` ended: answered, or failed with an error worth retrying elsewhere."""
        with self._changed:
            server = next(server for server in self.servers if server.url == url)
            server.outstanding -= 1
            if answered:
                server.failed_tries = 0
                server.set_aside_until = 0.0
                self._failed_calls = 0
            else:
                server.failed_tries += 1
                if len(self.servers) > 1 and server.failed_tries >= TRIP_AFTER:
                    server.set_aside_until = self._clock() + SET_ASIDE_SECONDS
            if self._waiting:
                self._changed.notify_all()

    def alternative(self, url: str) -> bool:
        """Whether a server other than `url` could take a retry now (then it need not wait)."""
        with self._changed:
            now = self._clock()
            return any(server.url != url and server.set_aside_until <= now for server in self.servers)

    def gave_up(self, reason: str) -> None:
        """A call failed every try."""
        with self._changed:
            self._failed_calls += 1
            self._last = reason

    def _check(self, model: str) -> None:
        if self._failed_calls >= TRIP_AFTER:
            raise LMError(f"{model} at {describe_servers(self.urls)} is not answering: {self._failed_calls} calls in a "
                          f"row failed ({self._last}); no more calls to it in this run. Check the server, then re-run "
                          "the same command (it generates the failed rows again)")

    def _pick(self, avoid: str | None) -> _Server | None:
        if len(self.servers) == 1:  # never set aside: it takes every try while it has room
            only = self.servers[0]
            return only if only.outstanding < self._limit(only) else None
        now = self._clock()
        ready = [server for server in self.servers if server.set_aside_until <= now]
        if not ready:  # every server is set aside: the one back soonest is tried rather than none
            ready = [min(self.servers, key=lambda server: server.set_aside_until)]
        if avoid is not None and len(ready) > 1:
            ready = [server for server in ready if server.url != avoid]
        ready = [server for server in ready if server.outstanding < self._limit(server)]
        if not ready:
            return None
        self._turn += 1
        count = len(self.servers)
        # Least outstanding first; among equals, the next in turn (so idle servers share the load evenly).
        return min(ready, key=lambda server: (server.outstanding,
                                              (self.servers.index(server) - self._turn) % count))

    def _limit(self, server: _Server) -> float:
        if len(self.servers) > 1 and server.failed_tries >= TRIP_AFTER:
            return 1  # back from being set aside: one request until it answers again
        return self.max_in_flight or float("inf")

    def __deepcopy__(self, memo: dict[int, Any]) -> ServerPool:
        return self

    def __getstate__(self) -> dict[str, Any]:  # a pickled LM (DSPy's save_program) starts with a fresh pool
        return {"urls": self.urls, "max_in_flight": self.max_in_flight}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["urls"], state["max_in_flight"])  # type: ignore[misc]
