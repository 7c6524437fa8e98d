"""A real `rnr-dspy generate` process killed with SIGKILL mid-run, then run again to completion."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "helpers" / "slow_generate.py"


def _generate(out, latency, *extra):
    return [sys.executable, str(SCRIPT), str(latency), "--out", str(out), "--limit", "12", "--k", "4", *extra]


def _keys(path):
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_a_killed_run_resumes_with_no_lost_and_no_duplicated_rows(tmp_path):
    reference = tmp_path / "reference"
    subprocess.run(_generate(reference, 0), check=True, capture_output=True, env={**os.environ, "COLUMNS": "200"})
    killed = tmp_path / "killed"
    record = killed / "generated.jsonl"
    process = subprocess.Popen(_generate(killed, 0.05), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while (not record.exists() or record.read_text().count("\n") < 6) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = record.read_text().count("\n")
    assert 6 <= written and not (killed / "data" / "sft.jsonl").exists()

    subprocess.run(_generate(killed, 0), check=True, capture_output=True)
    keys = [json.loads(line)["key"] for line in record.read_text().splitlines()]
    assert len(keys) == len(set(keys))  # nothing generated twice
    assert sorted(_keys(killed / "data" / "sft.jsonl")) == sorted(_keys(reference / "data" / "sft.jsonl"))
    report = json.loads((killed / "generate_report.json").read_text())
    assert report["sft_rows"] == 21 and report["this_run"]["lm_calls"] < 51  # only the missing part was generated
