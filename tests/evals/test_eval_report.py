"""report.md and plot.png are rendered from a stored log alone; `rnr-dspy report LOG` re-renders them."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.evals.log import read_log
from rnr_dspy.evals.report import render_report

LOG = Path(__file__).parent / "fixtures" / "eval_log.json"


def test_side_by_side_table_with_deltas_against_the_first_model():
    report = render_report(read_log(LOG))
    assert "| A | `base` (fake/base) | lm |" in report and "| B | `trained` (fake/trained) | lm |" in report
    assert "| metric | A | B | Δ B−A |" in report
    # The trained fake prefixes "Sure.", which the format rule asks for: 0 -> 1.
    assert "| format | 0.000 [0.00, 0.00] n=1 | 1.000 [1.00, 1.00] n=1 | +1.000 |" in report
    assert "| checkable_pass_rate | 0.000 [0.00, 0.00] n=3 | 0.333 [0.00, 1.00] n=3 | +0.333 |" in report


def test_unknowns_and_the_missing_judge_are_labelled():
    report = render_report(read_log(LOG))
    assert "> **Note:** no judge LM (--judge-lm) was given" in report
    assert "| tone | n/a (unknown 1) | n/a (unknown 1) | – |" in report


def test_both_suites_and_their_failures_are_reported():
    report = render_report(read_log(LOG))
    assert "## tiny" in report and "## ifeval" in report
    assert "| prompt_strict |" in report and "| instruction_loose |" in report
    assert "- `t-1`: r1 (format) broken" in report


def test_report_command_rerenders_report_and_plot(tmp_path):
    log = tmp_path / "log.json"
    shutil.copy(LOG, log)
    result = CliRunner().invoke(app, ["report", str(log)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == render_report(read_log(LOG))
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_file_that_is_not_an_eval_log_exits_1_naming_it(tmp_path):
    bad = tmp_path / "log.json"
    bad.write_text(json.dumps({"runs": [{"spec": 3}]}), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(bad)])
    assert result.exit_code == 1 and "is not an eval log: runs.0.spec" in " ".join(result.output.split())


@pytest.mark.parametrize("text", ['{"foo": 1}', "{}", '{"runs": []}', "[1, 2]", "\xff\xfe not json"])
def test_a_json_that_is_no_eval_log_is_refused_and_nothing_is_written(tmp_path, text):
    bad = tmp_path / "other.json"
    bad.write_bytes(text.encode("latin-1"))
    result = CliRunner().invoke(app, ["report", str(bad), "--out", str(tmp_path / "report")])
    assert result.exit_code == 1 and "is not an eval log" in " ".join(result.output.split())
    assert not (tmp_path / "report").exists()
