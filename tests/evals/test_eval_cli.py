"""`rnr-dspy eval` end to end with a fake model under test (no LM is loaded)."""

import json
import sys
from pathlib import Path

import dspy
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from echo_model import EchoEngine

from rnr_dspy.cli import app
from rnr_dspy.evals import run as run_module
from rnr_dspy.evals.solvers import LMGenerator

TINY = Path(__file__).parent / "suites" / "tiny.jsonl"


@pytest.fixture
def fake_models(monkeypatch):
    made = []

    def make(spec, **settings):
        made.append((spec, settings))
        return LMGenerator(dspy.LM(f"fake/{spec}", engine=EchoEngine(), cache=False), max_tokens=settings["max_tokens"])

    monkeypatch.setattr(run_module, "make_generator", make)
    return made


def test_two_models_side_by_side_write_log_report_and_plot(tmp_path, fake_models):
    result = CliRunner().invoke(app, ["eval", "--models", "fake/base", "--models", "fake/trained", "--suite",
                                      str(TINY), "--out", str(tmp_path), "--max-tokens", "32", "--api-key",
                                      "sk-secret"])
    assert result.exit_code == 0, result.output
    log = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))
    assert [run["spec"] for run in log["runs"]] == ["fake/base", "fake/trained"]
    samples = log["runs"][0]["suites"][0]["samples"]
    assert len(samples) == 3 and samples[0]["generation"]["text"] == "How long should I rest a steak?"
    assert samples[0]["score"]["metadata"]["verdicts"][0]["reason"]
    assert "| metric | A | B | Δ B−A |" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "plot.png").is_file()
    assert "sk-secret" not in (tmp_path / "log.json").read_text(encoding="utf-8")
    assert [settings["max_tokens"] for _, settings in fake_models] == [32, 32]
    assert "no judge LM" in _flat(result.output)
    assert _flat(result.output).count("answers: 3 LM calls answered") == 2  # each model's calls, on the console
    assert log["runs"][1]["usage"]["answers"]["lm_calls"] == 3


def test_the_summary_and_report_show_each_split_beside_the_other(tmp_path, fake_models):
    # The echo model repeats each user turn: s-1 and s-2, s-5 follow their rules, s-3 and s-4 do not.
    result = CliRunner().invoke(app, ["eval", "--suite", str(TINY.parent / "splits.jsonl"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    output = _flat(result.output)
    in_distribution = output[output.index("splits in-distribution:") : output.index("splits held-out:")]
    held_out = output[output.index("splits held-out:") : output.index("wrote ")]
    assert in_distribution.startswith("splits in-distribution: checkable_pass_rate 0.500 [")
    assert ", adherence 0.500 [" in in_distribution and ", pass_rate 0.500 [" in in_distribution
    assert held_out.startswith("splits held-out: checkable_pass_rate 0.667 [") and ", pass_rate 0.667 [" in held_out
    assert "| held-out A |" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_malformed_suite_file_exits_1_naming_the_line(tmp_path, fake_models):
    result = CliRunner().invoke(app, ["eval", "--suite", str(TINY.parent / "malformed.jsonl"),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 1 and "malformed.jsonl:3: not JSON" in _flat(result.output)
    assert not fake_models, "no model is loaded for a suite that does not load"


@pytest.mark.parametrize(("option", "value"), [("--suite", "rnrr"), ("--models", "embeded")])
def test_a_misspelt_suite_or_model_is_a_usage_error(tmp_path, fake_models, option, value):
    result = CliRunner().invoke(app, ["eval", option, value, "--out", str(tmp_path)])
    assert result.exit_code == 2 and f"{value!r}" in _flat(result.output) and option in _flat(result.output)
    assert not fake_models and not (tmp_path / "log.json").exists()


def test_a_model_that_does_not_load_exits_1_naming_it(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--models", "local:/nowhere/model.gguf", "--suite", str(TINY),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 1 and "/nowhere/model.gguf" in _flat(result.output)


def test_bad_option_values_are_usage_errors(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--batch-size", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "batch-size" in _flat(result.output)


def _flat(text):
    return " ".join(text.split())


def test_models_evaluated_apart_are_compared_as_if_evaluated_together(tmp_path, fake_models):
    suite = str(TINY.parent / "splits.jsonl")
    for name, models in (("together", ["fake/base", "fake/trained"]), ("base", ["fake/base"]),
                         ("trained", ["fake/trained"]), ("fewer", ["fake/trained"])):
        arguments = ["eval", "--suite", suite, "--out", str(tmp_path / name), *(["--limit", "2"] if name == "fewer"
                                                                               else [])]
        result = CliRunner().invoke(app, arguments + [arg for model in models for arg in ("--models", model)])
        assert result.exit_code == 0, result.output
    logs = [str(tmp_path / name / "log.json") for name in ("base", "trained")]
    result = CliRunner().invoke(app, ["report", *logs, "--out", str(tmp_path / "merged")])
    assert result.exit_code == 0, result.output

    def tables(name):
        return [line for line in (tmp_path / name / "report.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("|")]

    assert tables("merged") == tables("together") and "| metric | A | B | Δ B−A |" in tables("merged")
    assert json.loads((tmp_path / "merged/log.json").read_text())["config"]["merged_from"] == logs

    fewer = CliRunner().invoke(app, ["report", logs[0], str(tmp_path / "fewer/log.json"), "--out",
                                     str(tmp_path / "bad")])
    assert fewer.exit_code == 1 and "items differ" in _flat(fewer.output) and not (tmp_path / "bad").exists()
    nowhere = CliRunner().invoke(app, ["report", *logs])
    assert nowhere.exit_code == 2 and "--out" in _flat(nowhere.output)
