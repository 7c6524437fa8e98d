"""Models are compared only when evaluated alike: `report` refuses logs made under other settings unless told to
compare them anyway, and the report then says how they differ."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.evals.comparable import backend_kind, differences
from rnr_dspy.evals.log import LogError, merge_logs, read_log, write_log
from rnr_dspy.evals.report import render_report

LOG = Path(__file__).parent / "fixtures" / "eval_log.json"
SETTINGS = {"max_tokens": 512, "suite": "tiny.jsonl", "limit": None, "seed": 0, "judge_lm": None}


def _one_model_log(index, **changes):
    log = read_log(LOG)
    run = log.runs[index]
    run.settings = {**SETTINGS, **changes.pop("settings", {})}
    for key, value in changes.items():
        setattr(run, key, value)
    return log.model_copy(update={"runs": [run], "config": dict(run.settings)})


def test_models_evaluated_alike_have_no_differences():
    base, trained = _one_model_log(0, precision="Q8_0"), _one_model_log(1, precision="Q8_0")
    merged = merge_logs({"base.json": base, "trained.json": trained})
    assert differences(merged.runs) == [] and "mismatches" not in merged.config
    assert "Warning" not in render_report(merged)


@pytest.mark.parametrize(("changes", "named"), [
    ({"settings": {"max_tokens": 96}}, "max_tokens 96, A has 512"),
    ({"backend": "transformers, batch 8"}, "back end transformers, A has lm"),
    ({"precision": "float32"}, "precision float32, A has Q8_0"),
    ({"settings": {"limit": 12}}, "limit 12, A has none"),
])
def test_logs_made_under_other_settings_are_refused_unless_allowed(changes, named):
    logs = {"base.json": _one_model_log(0, precision="Q8_0"),
            "other.json": _one_model_log(1, **{"precision": "Q8_0", **changes})}
    with pytest.raises(LogError, match="--allow-mismatch") as refused:
        merge_logs(logs)
    assert named in str(refused.value)
    merged = merge_logs(logs, allow_mismatch=True)
    assert any(named in mismatch for mismatch in merged.config["mismatches"])
    assert f"> **Warning: not compared like for like.** B `trained`: {named}" in render_report(merged)


def test_another_version_of_the_suite_is_a_mismatch():
    base, changed = _one_model_log(0), _one_model_log(1)
    changed.runs[0].suites[0].samples[0].sample.user = "Another question entirely?"
    with pytest.raises(LogError, match=re.escape("1 tiny items ask other things than in base.json")):
        merge_logs({"base.json": base, "changed.json": changed})


def test_an_older_log_without_per_model_settings_is_compared_by_its_config():
    base, trained = _one_model_log(0), _one_model_log(1)
    trained.runs[0].settings = {}
    trained.config = {**SETTINGS, "max_tokens": 96}
    with pytest.raises(LogError, match="max_tokens 96, A has 512"):
        merge_logs({"base.json": base, "trained.json": trained})


def test_one_eval_that_mixed_back_ends_warns_in_its_report():
    log = read_log(LOG)
    log.runs[1].backend = "transformers, batch 8"
    assert "> **Warning: not compared like for like.** B `trained`: back end transformers, A has lm" in \
        render_report(log)


def test_batching_is_not_a_back_end():
    assert backend_kind("transformers, batch 8") == backend_kind("transformers, batch 2") == "transformers"


def test_report_refuses_mismatched_logs_and_compares_them_with_allow_mismatch(tmp_path):
    paths = [write_log(_one_model_log(0), tmp_path / "base.json"),
             write_log(_one_model_log(1, settings={"max_tokens": 96}), tmp_path / "short.json")]
    arguments = ["report", *map(str, paths), "--out", str(tmp_path / "merged")]
    refused = CliRunner().invoke(app, arguments)
    assert refused.exit_code == 1 and "--allow-mismatch" in refused.output
    assert not (tmp_path / "merged").exists()
    allowed = CliRunner().invoke(app, [*arguments, "--allow-mismatch"])
    assert allowed.exit_code == 0, allowed.output
    assert "compared anyway" in allowed.output
    assert "max_tokens 96, A has 512" in (tmp_path / "merged" / "report.md").read_text(encoding="utf-8")
