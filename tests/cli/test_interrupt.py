"""Ctrl-C stops `rnr-dspy compile` and `rnr-dspy generate` at once (exit 130, a message), and a generate run
interrupted so resumes where it stopped."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "helpers" / "slow_cli.py"
# Each LM call takes LATENCY seconds, so what is still queued when Ctrl-C comes would take a minute and more.
LATENCY = 1.0


def _sigint_default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted_run(tmp_path, ready, *arguments):
    """Start `rnr-dspy ARGUMENTS` on the slow fake LM, send SIGINT once `ready(stderr so far)`; return the exit
    code, the seconds from SIGINT to exit, and stderr."""
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        # As in a terminal: a test run started in the background (`cmd &`) would pass SIGINT on ignored.
        process = subprocess.Popen([sys.executable, str(SCRIPT), str(LATENCY), *arguments],
                                   stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, "COLUMNS": "200"},
                                   preexec_fn=_sigint_default)
        deadline = time.monotonic() + 60
        while not ready(log.read_text()) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, log.read_text()
        time.sleep(1.5 * LATENCY)  # inside an LM call, with more work queued
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        process.wait(timeout=60)
    return process.returncode, time.monotonic() - sent, log.read_text()


def test_ctrl_c_stops_generate_at_once_and_a_second_run_resumes(tmp_path):
    out = tmp_path / "run"
    record = out / "generated.jsonl"
    arguments = ["--out", str(out), "--limit", "12", "--k", "4", "--num-threads", "2"]
    code, seconds, stderr = _interrupted_run(tmp_path, lambda _: record.exists() and record.read_text().count("\n")
                                             >= 3, "generate", *arguments)
    assert code == 130 and seconds < 5, stderr
    assert "interrupted" in stderr and "run the same command again to resume" in stderr
    kept = [json.loads(line)["key"] for line in record.read_text().splitlines()]
    assert 3 <= len(kept) < 27 and not (out / "data" / "sft.jsonl").exists()

    finished = subprocess.run([sys.executable, str(SCRIPT), "0", "generate", *arguments], capture_output=True,
                              text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    keys = [json.loads(line)["key"] for line in record.read_text().splitlines()]
    assert keys[: len(kept)] == kept and len(keys) == len(set(keys))  # kept, and nothing generated twice
    report = json.loads((out / "generate_report.json").read_text())
    whole = tmp_path / "whole"
    subprocess.run([sys.executable, str(SCRIPT), "0", "generate", *arguments[2:], "--out", str(whole)],
                   capture_output=True, text=True, check=True)
    uninterrupted = json.loads((whole / "generate_report.json").read_text())
    assert report["sft_rows"] == uninterrupted["sft_rows"]
    assert report["this_run"]["lm_calls"] < uninterrupted["this_run"]["lm_calls"]  # only what was missing


def test_ctrl_c_stops_compile_at_once(tmp_path):
    code, seconds, stderr = _interrupted_run(tmp_path, lambda log: "before: 0/" in log, "compile", "--out",
                                             str(tmp_path / "c"), "--limit", "24", "--k", "3", "--num-threads", "2")
    assert code == 130 and seconds < 5, stderr
    assert "interrupted" in stderr and not (tmp_path / "c" / "program.json").exists()
