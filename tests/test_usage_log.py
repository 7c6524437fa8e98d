import json
import os
import signal
import subprocess
import sys
import textwrap

from dspy.clients import base_lm

from rnr_dspy.runtime.tracking import Ledger
from rnr_dspy.runtime.usage_log import UsageLog, summarize_usage

CALL = {"prompt_tokens": 10, "completion_tokens": 5}


class _Client:
    def __init__(self):
        self.history = []


def test_each_call_is_on_disk_as_it_happens(tmp_path):
    ledger = Ledger(tmp_path / "usage.json")
    ledger.add_usage("fake/model", CALL)
    ledger.add_usage("fake/model", CALL)
    summary = summarize_usage(tmp_path / "usage.jsonl")  # nothing was written at the end yet
    assert summary["runs"][0]["lm_calls"] == 2 and summary["runs"][0]["status"] == "unfinished"
    assert summary["total"] == {"lm_calls": 2, "tokens": 30, "cost_usd": None}


def test_a_killed_runs_calls_count_in_every_later_total(tmp_path):
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from rnr_dspy.runtime.tracking import Ledger
        ledger = Ledger(Path({str(tmp_path / "usage.json")!r}))
        for _ in range(123):
            ledger.add_usage("hosted/model", {CALL!r})
        print("ready", flush=True)
        time.sleep(600)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    later = Ledger(tmp_path / "usage.json")
    later.add_usage("hosted/model", CALL)
    usage = later.write(wall_seconds=1.0)
    assert [(run["lm_calls"], run["status"]) for run in usage["runs"]] == [(123, "unfinished"), (1, "finished")]
    assert usage["total"]["lm_calls"] == 124 and usage["runs"][1]["wall_seconds"] == 1.0
    assert json.loads((tmp_path / "usage.json").read_text()) == usage


def test_a_torn_last_line_is_cut_off_and_reported(tmp_path):
    Ledger(tmp_path / "usage.json").add_usage("m/x", CALL)
    with (tmp_path / "usage.jsonl").open("a") as handle:
        handle.write('{"run": "x", "lm": "m/x", "cal')
    usage = Ledger(tmp_path / "usage.json").write()
    assert usage["total"]["lm_calls"] == 1 and "torn last line" in usage["problems"][0]


def test_a_damaged_line_is_reported_with_file_and_line_and_the_rest_counts(tmp_path):
    ledger = Ledger(tmp_path / "usage.json")
    ledger.add_usage("m/x", CALL)
    with (tmp_path / "usage.jsonl").open("ab") as handle:
        handle.write(b'{"run": "\xff"}\n')
    ledger.add_usage("m/x", CALL)
    usage = ledger.write()
    assert usage["total"]["lm_calls"] == 2
    assert usage["problems"] == [f"{tmp_path / 'usage.jsonl'}:3: not UTF-8 (invalid start byte at byte 9)"]


def test_a_usage_json_cut_short_by_a_kill_is_kept_aside_and_never_fails_a_run(tmp_path):
    (tmp_path / "usage.json").write_text('{"runs": [{"started": "2025-01-01", "lm_calls": 4')
    ledger = Ledger(tmp_path / "usage.json")
    ledger.add_usage("m/x", CALL)
    usage = ledger.write()
    assert usage["total"]["lm_calls"] == 1
    assert "usage.json could not be read" in usage["problems"][0] and ledger.problems == usage["problems"]
    assert (tmp_path / "usage.json.damaged").read_text().startswith('{"runs": [{"started"')


def test_a_usage_json_from_before_the_call_log_is_carried_over(tmp_path):
    old = {"runs": [{"started": "2025-01-01T10:00:00", "lm_calls": 3, "input_tokens": 30, "output_tokens": 15,
                     "tokens": 45, "per_lm": {"m/x": {"calls": 3, "input_tokens": 30, "output_tokens": 15}},
                     "cost_usd": 0.5, "wall_seconds": 9.0}],
           "total": {"lm_calls": 3, "tokens": 45, "cost_usd": 0.5}}
    (tmp_path / "usage.json").write_text(json.dumps(old))
    usage = Ledger(tmp_path / "usage.json").write()
    first = usage["runs"][0]
    assert (first["started"], first["lm_calls"], first["cost_usd"], first["wall_seconds"]) == (
        "2025-01-01T10:00:00", 3, 0.5, 9.0)
    assert usage["total"] == {"lm_calls": 3, "tokens": 45, "cost_usd": 0.5}


def test_a_price_that_arrives_after_the_last_call_is_counted_once(tmp_path):
    ledger = Ledger(tmp_path / "usage.json")
    ledger.add_usage("m/x", CALL)
    base_lm.record_history(_Client(), {"uuid": "priced-late", "cost": 0.5})
    assert ledger.summary()["cost_usd"] == 0.5
    assert ledger.write()["total"]["cost_usd"] == 0.5


def test_a_ledger_made_without_a_path_still_writes_its_totals_and_prices_once(tmp_path):
    ledger = Ledger()
    ledger.add_usage("m/x", CALL)
    base_lm.record_history(_Client(), {"uuid": "late-price", "cost": 0.25})  # priced after the call's usage
    usage = ledger.write(tmp_path / "usage.json")
    assert usage["runs"][0]["per_lm"] == {"m/x": {"calls": 1, "input_tokens": 10, "output_tokens": 5}}
    assert usage["total"]["cost_usd"] == 0.25
    assert UsageLog(tmp_path / "usage.json").write_summary()["total"]["lm_calls"] == 1


def test_a_call_after_the_summary_is_logged_too(tmp_path):
    log = UsageLog(tmp_path / "usage.json")
    log.append({"run": "r", "lm": "fake/model", "calls": 1, "input_tokens": 1, "output_tokens": 1})
    assert log.write_summary()["total"]["lm_calls"] == 1
    log.append({"run": "r", "lm": "fake/model", "calls": 1, "input_tokens": 1, "output_tokens": 1})
    assert log.write_summary()["total"]["lm_calls"] == 2
