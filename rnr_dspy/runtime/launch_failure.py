"""A stage run under `accelerate launch` whose worker was killed: the launcher reports a worker that the kernel
killed (SIGKILL, most often for want of memory) only as its own exit code 1, naming the signal in its output
("Signals.SIGKILL", "exitcode: -9"). `run_launched` passes that output through, reads it, and also checks the
kernel's count of out-of-memory kills, so that such a run is reported as killed, not as a plain failure.

Example:
    >>> code, peak = run_launched(["accelerate", "launch", "train.py"])  # doctest: +SKIP
    >>> code  # a worker was killed: -SIGKILL, as if the stage itself had been  # doctest: +SKIP
    -9
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from rnr_dspy.runtime.peak_memory import run_measured

__all__ = ["oom_kills", "run_launched", "worker_killed"]

# How torchrun (under accelerate launch) and Python report a worker that died of SIGKILL.
_KILLED = re.compile(r"Signals\.SIGKILL|exit ?code\s*:?\s*-9\b|signal 9\b", re.IGNORECASE)
_TAIL = 64 * 1024  # characters of the launcher's output kept to read
# The kernel's count of OOM kills: the whole machine's, and this container's (cgroup v2).
_OOM_COUNTERS = (Path("/proc/vmstat"), Path("/sys/fs/cgroup/memory.events"))


def oom_kills() -> int | None:
    """Processes the kernel has killed for want of memory so far (None where no counter can be read)."""
    counts = []
    for path in _OOM_COUNTERS:
        try:
            text = path.read_text()
        except OSError:
            continue
        found = re.search(r"^oom_kill (\d+)$", text, re.MULTILINE)
        if found:
            counts.append(int(found.group(1)))
    return sum(counts) if counts else None


def worker_killed(code: int, output: str, kills_before: int | None, kills_after: int | None) -> bool:
    """Whether a launcher that exited with `code` lost a worker to SIGKILL: its `output` says so, or the kernel
    killed a process for want of memory while it ran."""
    if code == 0:
        return False
    oom = kills_before is not None and kills_after is not None and kills_after > kills_before
    return oom or bool(_KILLED.search(output))


def run_launched(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[int, int]:
    """`run_measured` for a launcher: its exit code and peak RSS, the code -SIGKILL when a worker was killed. Its
    error output still reaches this process's (as to a terminal where this one writes to one)."""
    env = dict(os.environ if env is None else env)
    if sys.stderr.isatty():  # the stage's progress display stays as it would be on the terminal
        env.update(TTY_COMPATIBLE="1", TTY_INTERACTIVE="1")
    read, write = os.pipe()
    tail: list[str] = []
    relay = threading.Thread(target=_relay, args=(read, tail), name="launcher-stderr", daemon=True)
    relay.start()
    kills_before = oom_kills()
    try:
        code, peak = run_measured(command, env=env, stderr=write)
    finally:
        os.close(write)  # the relay reads to the end of the output, then stops
        relay.join()
    if worker_killed(code, "".join(tail), kills_before, oom_kills()):
        return -signal.SIGKILL, peak
    return code, peak


def _relay(read: int, tail: list[str]) -> None:
    """Copy the launcher's error output to this process's as it comes, keeping its last `_TAIL` characters."""
    out = getattr(sys.stderr, "buffer", None)
    with os.fdopen(read, "rb", buffering=0) as stream:
        while chunk := stream.read(65536):
            if out is not None:
                out.write(chunk)
                out.flush()
            tail.append(chunk.decode(errors="replace"))
            while len(tail) > 1 and sum(map(len, tail)) > _TAIL:
                tail.pop(0)
