"""One run directory holds one run: a changed configuration is refused (or, with force_new, replaces the earlier
run), the same configuration resumes, and a second process cannot write into a directory another one holds."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.generate.run_dir import LOCK_FILE, RunDirError, data_settings

SCRIPT = Path(__file__).parents[1] / "helpers" / "slow_generate.py"


def _config(out, **overrides):
    return GenerateConfig(**{"out": out, "limit": 8, "k": 4, "turn_source": "lm", **overrides})


# 14 prompts, one row each but for an out-of-scope turn whose rules ask for no refusal (an answer to it is no row).
ROWS = 13


def _prompts(out):
    rows = [json.loads(line) for line in (out / "data" / "sft.jsonl").read_text().splitlines()]
    return [row["messages"][1]["content"] for row in rows]


def test_a_changed_configuration_is_refused_and_the_run_left_as_it_was(tmp_path, engine):
    out = tmp_path / "run"
    run_generate(_config(out))
    before = (out / "generated.jsonl").read_bytes(), (out / "data" / "sft.jsonl").read_bytes()
    calls = len(engine.requests)
    with pytest.raises(RunDirError, match=r"other settings \(limit: 8 -> 12; seed: 0 -> 1\).*--force-new "
                       r"\(force_new: true in a config file or a recipe's generate section\)"):
        run_generate(_config(out, limit=12, seed=1))
    assert len(engine.requests) == calls
    assert ((out / "generated.jsonl").read_bytes(), (out / "data" / "sft.jsonl").read_bytes()) == before


def test_other_seeds_in_the_same_file_are_a_changed_configuration(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    dishes = ["rice", "pasta", "salmon", "lentil soup", "omelette", "curry", "pancakes", "stir fry"]
    seeds.write_text("".join(json.dumps({"instruction": f"How do I cook {dish} quickly?"}) + "\n" for dish in dishes))
    out = tmp_path / "run"
    run_generate(_config(out, seeds=str(seeds)))
    seeds.write_text(seeds.read_text().replace("quickly", "slowly"))
    with pytest.raises(RunDirError, match=r"seeds: 'sha256:\w+' -> 'sha256:\w+'"):
        run_generate(_config(out, seeds=str(seeds)))


def test_the_same_configuration_resumes_and_settings_that_do_not_shape_the_data_may_change(tmp_path, engine):
    out = tmp_path / "run"
    first = run_generate(_config(out))
    calls = len(engine.requests)
    again = run_generate(_config(out, num_threads=3, api_base="http://127.0.0.1:9/v1", request_timeout=5,
                                 num_retries=0, retry_failed=True))
    assert len(engine.requests) == calls and again.sft_rows == first.sft_rows == ROWS


def test_force_new_moves_the_earlier_run_aside_so_the_dataset_and_card_are_this_runs_alone(tmp_path, engine):
    out = tmp_path / "run"
    run_generate(_config(out))
    report = run_generate(_config(out, limit=4, force_new=True))
    assert report.sft_rows == 7 and len(_prompts(out)) == len(set(_prompts(out))) == 7
    assert "| SFT rows (`sft.jsonl`, TRL conversational) | 7 |" in (out / "data" / "README.md").read_text()
    (aside,) = out.glob("replaced-*")
    assert len(_prompts(aside)) == ROWS and (aside / "generated.jsonl").is_file()
    assert json.loads((out / "run_settings.json").read_text())["settings"]["limit"] == 4
    again = run_generate(_config(out, limit=4, force_new=True))  # same settings: resumed, nothing moved
    assert again.sft_rows == 7 and len(list(out.glob("replaced-*"))) == 1


def test_a_directory_whose_record_is_empty_takes_any_settings(tmp_path, engine):
    out = tmp_path / "run"
    out.mkdir()
    (out / "run_settings.json").write_text(json.dumps({"settings": {"lm": "other/model"}}))
    (out / "generated.jsonl").write_text("")
    assert run_generate(_config(out)).sft_rows == ROWS


def test_an_out_that_is_a_file_is_refused_with_the_settings_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    out.write_text("not a directory")
    with pytest.raises(ValidationError, match=r"out\n.*is a file; the output goes into a directory"):
        _config(out)
    assert out.read_text() == "not a directory"


def test_data_settings_leave_out_paths_threads_endpoints_and_keys(tmp_path):
    settings = data_settings(_config(tmp_path, api_key="sk-secret", api_base="http://h/v1", num_threads=4))
    assert {"out", "api_key", "api_base", "num_threads", "force_new", "request_timeout"}.isdisjoint(settings)
    assert settings["lm"] == "embedded" and settings["seeds"].startswith("sha256:")
    assert "sk-secret" not in json.dumps(settings)


def _start_slow_run(out):
    process = subprocess.Popen([sys.executable, str(SCRIPT), "0.3", "--out", str(out), "--limit", "8", "--k", "4"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = out / LOCK_FILE
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if lock.is_file() and lock.read_text().strip() == str(process.pid):
            return process
        time.sleep(0.05)
    process.kill()
    pytest.fail("the slow run never took the lock")


def test_a_second_run_into_a_directory_another_process_holds_fails_at_once(tmp_path, engine):
    out = tmp_path / "run"
    process = _start_slow_run(out)
    try:
        started = time.monotonic()
        with pytest.raises(RunDirError, match=rf"in use by another run \(process {process.pid}\)"):
            run_generate(_config(out))
        assert time.monotonic() - started < 5 and not engine.requests
    finally:
        process.kill()
        process.wait()


def test_a_run_killed_with_sigkill_leaves_no_lock_behind(tmp_path, engine):
    out = tmp_path / "run"
    process = _start_slow_run(out)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert run_generate(_config(out)).sft_rows == ROWS
