"""Showing a stage's `ProgressEvent`s: bars with an ETA on a terminal, plain lines when stderr is a file or a pipe
(a log), so a long run is never silent. Meanwhile the libraries draw no bars of their own and their warnings come
as notes (`rnr_dspy.cli.quiet`).

Plain lines are printed when a phase starts, when it finishes, and at most every `interval` seconds in between:
    generate: 3/21 (14%) · pass 100% · 0 errors · 1,204 tokens · 0:00:12 elapsed, ETA 0:01:12
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from rnr_dspy.cli.quiet import library_output_as_notes
from rnr_dspy.runtime.progress import ProgressEvent

__all__ = ["ProgressDisplay", "describe_stats"]

Describe = Callable[[dict[str, Any]], str]


def describe_stats(stats: dict[str, Any]) -> str:
    """`key value` pairs, numbers rounded."""
    return " · ".join(f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}"
                      for key, value in stats.items())


class ProgressDisplay:
    """A `Progress` callback that draws the events it receives (use it as a context manager)."""

    def __init__(self, console: Console, describe: Describe = describe_stats, interval: float = 15.0) -> None:
        self.console, self.describe, self.interval = console, describe, interval
        self.live = console.is_terminal
        self._bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TextColumn("ETA"),
                              TimeRemainingColumn(), console=console, transient=False) if self.live else None
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._printed: dict[str, float] = {}
        self._notes = library_output_as_notes(console)

    def __enter__(self) -> ProgressDisplay:
        self._notes.__enter__()
        if self._bars is not None:
            self._bars.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bars is not None:
            self._bars.stop()
        self._notes.__exit__(kind, error, trace)

    def __call__(self, event: ProgressEvent) -> None:
        stats = self.describe(event.stats) if event.stats else ""
        if self._bars is not None:
            self._bar(event, stats)
        else:
            self._line(event, stats)

    def _bar(self, event: ProgressEvent, stats: str) -> None:
        assert self._bars is not None
        if event.phase not in self._tasks:
            self._tasks[event.phase] = self._bars.add_task(event.phase, total=event.total, stats=stats)
        self._bars.update(self._tasks[event.phase], completed=event.done, total=event.total, stats=stats)

    def _line(self, event: ProgressEvent, stats: str) -> None:
        # A phase starts with its first event; its end and its first line are always printed.
        now = time.monotonic()
        started = self._started.setdefault(event.phase, now)
        last = self._printed.get(event.phase)
        finished = event.total is not None and event.done >= event.total
        if last == _ENDED or not (last is None or finished or now - last >= self.interval):
            return
        self._printed[event.phase] = _ENDED if finished else now
        parts = [f"{event.done}/{event.total}" + (f" ({event.done / event.total:.0%})" if event.total else "")
                 if event.total is not None else str(event.done)]
        if stats:
            parts.append(stats)
        elapsed = now - started
        timing = f"{_clock(elapsed)} elapsed"
        if event.total and 0 < event.done < event.total:
            timing += f", ETA {_clock(elapsed / event.done * (event.total - event.done))}"
        parts.append(timing)
        self.console.print(Text(f"{event.phase}: " + " · ".join(parts)), soft_wrap=True)


_ENDED = float("inf")


def _clock(seconds: float) -> str:
    minutes, second = divmod(int(seconds), 60)
    hour, minute = divmod(minutes, 60)
    return f"{hour}:{minute:02d}:{second:02d}"
