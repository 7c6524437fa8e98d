"""Values built once: per key, by one thread while the others asking wait (`built_once`), and per process
(`per_process`).

`functools.lru_cache` builds on every thread that misses: at the start of a run, a few hundred threads asking for
the same signature's schema built it a few hundred times over (a few percent of a run's CPU)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

__all__ = ["built_once", "per_process"]

Value = TypeVar("Value")


def built_once(maxsize: int) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Cache `build(*key)` for at most `maxsize` keys (the oldest is dropped first); a key missing is built by one
    thread at a time, and a hit takes no lock."""

    def wrap(build: Callable[..., Value]) -> Callable[..., Value]:
        built: dict[tuple[Hashable, ...], Value] = {}
        lock = threading.Lock()

        @wraps(build)
        def get(*key: Any) -> Value:
            try:
                return built[key]
            except KeyError:
                pass
            with lock:
                if key not in built:
                    if len(built) >= maxsize:
                        del built[next(iter(built))]
                    built[key] = build(*key)
                return built[key]

        return get

    return wrap


def per_process(make: Callable[[], Value]) -> Callable[[], Value]:
    """`make()`, called at first use in each process: a forked child makes its own (it has none of its parent's
    threads, so an executor of the parent's would queue work for threads that do not exist there)."""
    made: list[Value] = []
    lock = threading.Lock()

    def forget() -> None:
        nonlocal lock
        made.clear()
        lock = threading.Lock()  # it may have been held by another thread of the parent at the fork

    @wraps(make)
    def get() -> Value:
        if not made:
            with lock:
                if not made:
                    made.append(make())
        return made[0]

    os.register_at_fork(after_in_child=forget)
    return get
