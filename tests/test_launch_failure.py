"""A worker of `accelerate launch` killed with SIGKILL is reported as killed, with the settings to change, though
the launcher itself exits 1: found in its output (passed through) or in the kernel's OOM-kill count."""

import re
import sys
import textwrap

import pytest

import rnr_dspy.recipe as recipe_module
import rnr_dspy.runtime.launch_failure as launch_failure
from rnr_dspy.errors import RnrError
from rnr_dspy.recipe import Launch
from rnr_dspy.runtime.launch_failure import run_launched, worker_killed

# What torchrun prints (under accelerate launch) when the kernel killed one of its workers; then it exits 1.
TORCHRUN_KILLED = """\
W1207 04:10:00.000000 1234 multiprocessing/api.py:900] Sending process 1236 closing signal SIGTERM
E1207 04:10:01.000000 1234 multiprocessing/api.py:874] failed (exitcode: -9) local_rank: 1 (pid: 1237) of binary: py
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
============================================================
rnr_dspy.cli FAILED
------------------------------------------------------------
Root Cause (first observed failure):
[0]:
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 1237)
  error_file: <N/A>
  traceback : Signal 9 (SIGKILL) received by PID 1237
============================================================
"""
A_BUG = "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: a bug in the stage\n"


def _launcher(tmp_path, said, code=1):
    """A fake launcher: writes `said` to its error output and exits with `code`, whatever it is asked to run."""
    script = tmp_path / "fake_launch.py"
    script.write_text(textwrap.dedent(f"""\
        import sys
        sys.stderr.write({said!r})
        sys.exit({code})
    """))
    return [sys.executable, str(script)]


@pytest.mark.parametrize(("code", "said", "killed"), [
    (1, TORCHRUN_KILLED, True), (1, "exitcode: -9", True), (1, "died with <Signals.SIGKILL: 9>", True),
    (1, A_BUG, False), (0, TORCHRUN_KILLED, False), (1, "exitcode: -90", False),
])
def test_a_killed_worker_is_told_from_the_launchers_output(code, said, killed):
    assert worker_killed(code, said, None, None) is killed


def test_an_oom_kill_while_the_launcher_ran_counts_as_a_killed_worker():
    assert worker_killed(1, A_BUG, 3, 4) and not worker_killed(1, A_BUG, 3, 3) and not worker_killed(0, "", 3, 4)


def test_the_launchers_output_is_passed_through_and_read(tmp_path, capfd):
    assert run_launched(_launcher(tmp_path, TORCHRUN_KILLED))[0] == -9
    assert run_launched(_launcher(tmp_path, A_BUG))[0] == 1
    assert run_launched(_launcher(tmp_path, "all good", code=0))[0] == 0
    assert "Signal 9 (SIGKILL) received" in capfd.readouterr().err


@pytest.mark.parametrize(("said", "reason"), [
    (TORCHRUN_KILLED, r"killed \(SIGKILL\), most often by the kernel when memory ran out \(under `launch`, a "
                      r"worker process.*num_processes.*per_device_train_batch_size.*max_length"),
    (A_BUG, re.escape("exit code 1")),
])
def test_a_launched_train_stage_whose_worker_was_killed_says_so(tmp_path, monkeypatch, said, reason):
    from rnr_dspy.train import TrainConfig

    monkeypatch.setattr(launch_failure, "oom_kills", lambda: None)  # other processes' OOM kills do not count here
    monkeypatch.setattr(recipe_module, "_launched", lambda launch: _launcher(tmp_path, said))
    config = TrainConfig(data=[tmp_path], out=tmp_path / "model")
    with pytest.raises(RnrError, match=rf"stage train failed \({reason}"):
        recipe_module._in_process_of_its_own("train", tmp_path, config, Launch(num_processes=2))
