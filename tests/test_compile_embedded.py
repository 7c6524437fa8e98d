"""`rnr-dspy compile` end to end on the real embedded model, at the smallest useful size."""

import json

import pytest
from typer.testing import CliRunner

from rnr_dspy import RNRProgram
from rnr_dspy.cli import app

pytestmark = pytest.mark.embedded


def test_compile_on_the_embedded_model_writes_a_loadable_program_and_an_honest_report(tmp_path):
    result = CliRunner().invoke(app, ["compile", "--out", str(tmp_path), "--limit", "8", "--k", "4",
                                      "--train-size", "1", "--val-size", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "compile_report.json").read_text())
    assert 0.0 <= report["score_before"] <= 1.0 and 0.0 <= report["score_after"] <= 1.0
    assert report["lm_calls"] >= 6 and report["tokens"] > 1000
    assert report["lm"] == "local/smollm2-135m-instruct"
    # The embedded teacher takes registry rules drawn by code and no judge, as generate does (noted in the report):
    # compile optimizes the flow that makes the data.
    assert report["config"]["rule_source"] == "sampled" and "rule_source=sampled" in report["notes"][0]
    assert "GenerateRules" not in report["parse"] and "ChooseRuleChecks" not in report["parse"]
    for stage in ("GenerateRole", "RespondFollowingRules"):
        assert report["parse"][stage]["replies"] >= 2
    assert report["kept"] in ("baseline", "optimized") and report["kept_reason"]
    RNRProgram().load(str(tmp_path / "program.json"))
