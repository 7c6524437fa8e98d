"""Run items on worker threads, and stop promptly on Ctrl-C.

`concurrent.futures` alone does not stop: a KeyboardInterrupt reaches the main thread while it waits, and leaving
the executor's `with` block then waits for every queued item to run. `parallel_map` cancels what has not started,
tells the running items to stop at their next LM call, and re-raises at once without waiting for them. What an item
had finished (a record appended to a run's store) stays, so an interrupted run resumes.

A map that runs every item on a thread of its own (a group's few answers, asked together) takes threads from one
pool the process keeps: a run starts such a map per group, and starting threads for each cost it a few percent of
its CPU (each new thread also scans every live one's exit lock).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import dspy
from dspy.utils.callback import BaseCallback

from rnr_dspy.runtime.once import per_process

__all__ = ["Stopped", "parallel_map", "stop_if_interrupted"]

Item = TypeVar("Item")
Result = TypeVar("Result")


class Stopped(KeyboardInterrupt):
    """Raised in a worker at its next LM call once the run was interrupted (a BaseException: nothing records it
    as an item's failure)."""


_STOP = "rnr_stop"  # the DSPy setting that holds the stop flags of the `parallel_map` calls an item runs under


def stop_if_interrupted() -> None:
    """Raise `Stopped` in an item of `parallel_map` once the run was interrupted. An adapter that calls it before
    each LM call says so with `stops_when_interrupted = True`; under any other adapter, a DSPy callback does it
    (any callback sends every module, adapter and LM call through DSPy's slower path)."""
    if any(stop.is_set() for stop in dspy.settings.get(_STOP, ())):
        raise Stopped("interrupted")


class _StopAtNextCall(BaseCallback):
    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        # DSPy swallows an Exception raised by a callback, but lets a BaseException through.
        stop_if_interrupted()


_STOP_AT_NEXT_CALL = _StopAtNextCall()  # one is enough for every enclosing map: it checks all their flags


def parallel_map(work: Callable[[Item], Result], items: Iterable[Item], num_threads: int = 1) -> Iterator[Result]:
    """`work(item)` for every item on `num_threads` threads, yielded in order; each runs in a copy of the caller's
    context (its `dspy.context` settings included).

    On KeyboardInterrupt (or an item's error) while waiting: items not yet started are cancelled, running ones stop
    at their next LM call, and the exception is raised without waiting for them.
    """
    stop = threading.Event()
    settings: dict[str, Any] = {_STOP: (*dspy.settings.get(_STOP, ()), stop)}  # a map inside an item: both stop it
    adapter = dspy.settings.adapter  # None: the project's modules choose the project's adapter, which checks
    callbacks = dspy.settings.get("callbacks", [])
    if adapter is not None and not getattr(adapter, "stops_when_interrupted", False) \
            and _STOP_AT_NEXT_CALL not in callbacks:
        settings["callbacks"] = [*callbacks, _STOP_AT_NEXT_CALL]

    def run(item: Item) -> Result:
        with dspy.context(**settings):
            return work(item)

    items = list(items)
    own = len(items) > num_threads  # fewer threads than items: a pool of its own bounds them
    pool = ThreadPoolExecutor(max_workers=max(1, num_threads)) if own else _shared_pool()
    futures = [pool.submit(contextvars.copy_context().run, run, item) for item in items]
    try:
        for future in futures:
            yield future.result()
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        if own:
            pool.shutdown(wait=False)
        raise
    if own:
        pool.shutdown(wait=True)


# As many threads as items ever ran at once; an idle one takes the next item. No bound is reached in practice: a
# map's items wait on nothing queued behind them, so maps inside items cannot starve each other.
@per_process
def _shared_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1 << 16, thread_name_prefix="parallel-map")
