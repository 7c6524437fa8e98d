"""A stage's peak resident memory: of a child process from the kernel's rusage, of this process since a mark."""

import sys

from rnr_dspy.runtime.peak_memory import PeakMeter, run_measured

MIB = 2**20


def _allocating(mib):
    return [sys.executable, "-c", f"import time; x = bytearray({mib} * 2**20); x[::4096] = b'1' * len(x[::4096]); "
            "time.sleep(0.6)"]


def test_a_child_process_peak_is_its_own_largest_rss():
    held = bytearray(300 * MIB)  # this process's own memory is not the child's
    held[::4096] = b"1" * len(held[::4096])
    small_code, small = run_measured(_allocating(10))
    code, large = run_measured(_allocating(300))
    assert (small_code, code) == (0, 0)
    assert 10 * MIB < small < 150 * MIB and large - small > 250 * MIB


def test_the_workers_a_stage_starts_are_counted_with_it():
    worker = " ".join(_allocating(200)).split(" -c ", 1)[1]
    parent = (f"import subprocess, sys; subprocess.run([sys.executable, '-c', {worker!r}], check=True)")
    code, peak = run_measured([sys.executable, "-c", parent])
    assert code == 0 and peak > 200 * MIB


def test_a_failing_child_reports_its_exit_code():
    code, _ = run_measured([sys.executable, "-c", "raise SystemExit(3)"])
    assert code == 3


def test_the_peak_since_a_mark_forgets_what_came_before_it():
    meter = PeakMeter()
    held = bytearray(200 * MIB)
    held[::4096] = b"1" * len(held[::4096])
    del held
    meter.mark()
    assert meter.since_mark  # Linux resets the high-water mark
    assert meter.peak() < meter_baseline() + 150 * MIB
    again = bytearray(100 * MIB)
    again[::4096] = b"1" * len(again[::4096])
    assert meter.peak() >= 100 * MIB


def meter_baseline():
    for line in open("/proc/self/status").read().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_without_a_resettable_mark_the_process_peak_so_far_is_reported(tmp_path):
    meter = PeakMeter(proc=tmp_path / "missing")
    meter.mark()
    assert not meter.since_mark and meter.peak() > 10 * MIB


def test_a_terminated_runner_ends_the_stage_it_runs_instead_of_orphaning_it(tmp_path):
    import os
    import signal
    import subprocess
    import time

    started = tmp_path / "stage.pid"
    stage = f"import os, time; open({str(started)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    runner = subprocess.Popen([sys.executable, "-c", "import sys; "
                               "from rnr_dspy.runtime.peak_memory import run_measured; "
                               f"sys.exit(run_measured([sys.executable, '-c', {stage!r}])[0])"])
    deadline = time.monotonic() + 30
    while not (started.exists() and started.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    stage_pid = int(started.read_text())
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=30) != 0
    time.sleep(0.2)
    try:
        os.kill(stage_pid, 0)
    except ProcessLookupError:
        return
    os.kill(stage_pid, signal.SIGKILL)
    raise AssertionError("the stage ran on after its runner was terminated")
