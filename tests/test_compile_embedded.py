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
    # The embedded teacher chooses registry checks rather than writing rules (its default, noted in the report).
    assert report["config"]["checks_only"] is True and "checks_only=True" in report["notes"][0]
    for stage in ("GenerateRole", "ChooseRuleChecks", "RespondFollowingRules"):
        assert report["parse"][stage]["replies"] >= 2
    assert report["kept"] in ("baseline", "optimized") and report["kept_reason"]
    RNRProgram(checks_only=True).load(str(tmp_path / "program.json"))
