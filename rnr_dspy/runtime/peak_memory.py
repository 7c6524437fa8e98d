"""Peak resident memory (RSS) of a recipe stage, for `run_state.json`.

A stage run as its own process is sampled while it runs: the peak of the summed RSS of the process and its
descendants (the workers of `accelerate launch` included), and the process's own high-water mark (`VmHWM`, which
also catches a spike between samples). The kernel's `ru_maxrss` of a child cannot be used: it keeps the RSS of
the parent copy the child was forked from. A stage run in this process is measured by resetting the process's
high-water mark before it (Linux's `/proc/self/clear_refs`); where that cannot be reset, the process's peak so
far is reported.

Example:
    >>> code, peak = run_measured(["python", "-c", "x = bytearray(200 * 2**20)"])  # doctest: +SKIP
    >>> code, peak > 200 * 2**20  # doctest: +SKIP
    (0, True)
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PeakMeter", "resident_bytes", "run_measured"]

_KIB = 1024
# ru_maxrss is in kilobytes on Linux, in bytes on macOS.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else _KIB
_PROC = Path("/proc")


def run_measured(command: Sequence[str], env: dict[str, str] | None = None,
                 interval: float = 0.2, stderr: int | None = None) -> tuple[int, int]:
    """Run `command` to its end; its exit code and its peak RSS in bytes (0 where /proc cannot be read). A SIGTERM
    sent to this process is passed on to the command, which ends it too. `stderr`: a file descriptor for the
    command's error output (default: this process's)."""
    process = subprocess.Popen(list(command), env=env, stderr=stderr)
    peak = 0
    finished = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not finished.wait(interval):
            tree = _tree(process.pid)
            total = sum(_status_kib(pid, "VmRSS") for pid in tree)
            peak = max(peak, total * _KIB, _status_kib(process.pid, "VmHWM") * _KIB)

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        with _terminate_passed_on(process):
            code = process.wait()
    except BaseException:  # Ctrl-C reaches the child too (same process group): let it finish, never orphan it
        process.wait()
        raise
    finally:
        finished.set()
        sampler.join()
    return code, peak


@contextmanager
def _terminate_passed_on(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """SIGTERM passed on to `process` while it runs: `kill` of the runner would otherwise end it alone, and its
    stage would run on, orphaned, holding the run directory's lock. (Ctrl-C reaches the whole process group.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        for task in _PROC.glob(f"{pids[index]}/task/*/children"):
            try:
                pids += [int(child) for child in task.read_text().split()]
            except OSError:
                pass  # the task ended
        index += 1
    return pids


def resident_bytes() -> int:
    """This process's resident memory now, in bytes; 0 where /proc cannot be read."""
    return _status_kib(os.getpid(), "VmRSS") * _KIB


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass  # the process ended
    return 0


class PeakMeter:
    """The peak RSS of this process from `mark()` on."""

    def __init__(self, proc: Path = Path("/proc/self")) -> None:
        self.proc = proc
        self.since_mark = False

    def mark(self) -> None:
        try:
            (self.proc / "clear_refs").write_text("5")  # 5: reset the peak RSS to the current RSS
            self.since_mark = True
        except OSError:
            self.since_mark = False

    def peak(self) -> int:
        """Bytes: since `mark()` where it could reset the mark, else the process's peak so far."""
        if self.since_mark:
            for line in (self.proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * _KIB
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _MAXRSS_UNIT
