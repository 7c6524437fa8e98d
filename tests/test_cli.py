import json

import pytest
from fake_engine import fake_lm, scripted_engine
from typer.testing import CliRunner

from rnr_dspy.cli import app

runner = CliRunner()


@pytest.fixture
def engine(monkeypatch):
    engine = scripted_engine()
    monkeypatch.setattr("rnr_dspy.compile_job.make_lm", lambda spec, **_: fake_lm(engine))
    return engine


def test_help_lists_compile():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "compile" in result.output


def test_compile_writes_program_and_report(tmp_path, engine):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--lm", "fake/model", "--limit", "20", "--k", "3",
                                 "--train-size", "2", "--val-size", "2"])
    assert result.exit_code == 0, result.output
    assert "score before 1.000" in result.output
    report = json.loads((tmp_path / "compile_report.json").read_text())
    assert report["train_examples"] == 2 and (tmp_path / "program.json").is_file()


def test_dry_run_prints_every_stage_and_calls_no_lm(tmp_path, engine):
    result = runner.invoke(app, ["compile", "--dry-run", "--out", str(tmp_path), "--limit", "12"])
    assert result.exit_code == 0, result.output
    for stage in ("GenerateRole", "GenerateRules", "RespondFollowingRules", "JudgeRuleAdherence"):
        assert stage in result.output
    assert engine.requests == [] and not (tmp_path / "program.json").exists()


def test_missing_seed_file_is_an_error_with_exit_1(tmp_path):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--seeds", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1
    assert "seed file not found" in result.stderr and "nope.jsonl" in result.stderr


def test_missing_instruction_column_names_the_columns_found(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text('{"question_text": "a"}\n')
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--seeds", str(seeds)])
    assert result.exit_code == 1
    assert "question_text" in result.stderr and "--instruction-column" in result.stderr


def test_custom_instruction_column_is_used(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"q": f"Question number {i}?"}) + "\n" for i in range(8)))
    result = runner.invoke(app, ["compile", "--out", str(tmp_path / "o"), "--lm", "fake/model", "--seeds", str(seeds),
                                 "--instruction-column", "q", "--k", "2", "--optimizer", "none"])
    assert result.exit_code == 0, result.output


def test_unknown_lm_spec_is_an_error_with_exit_1(tmp_path):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--lm", "gpt4", "--limit", "12"])
    assert result.exit_code == 1 and "unknown LM spec" in result.stderr


def test_invalid_option_value_is_a_usage_error_with_exit_2(tmp_path):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--k", "0"])
    assert result.exit_code == 2 and "--k" in result.stderr


def test_unknown_optimizer_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--optimizer", "magic"])
    assert result.exit_code == 2


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_unreachable_server_is_an_lm_error_with_exit_1(tmp_path):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--limit", "12", "--lm", "openai/some-model",
                                 "--api-base", "http://127.0.0.1:9/v1", "--api-key", "sk-unused"])
    assert result.exit_code == 1, result.output
    assert "LM error" in result.stderr and "sk-unused" not in result.stderr


def test_config_file_settings_apply_and_given_flags_override_them(tmp_path, engine):
    config = tmp_path / "compile.yaml"
    config.write_text("lm: fake/model\nlimit: 20\nk: 3\ntrain_size: 2\nval_size: 5\noptimizer: none\n")
    result = runner.invoke(app, ["compile", "--config", str(config), "--out", str(tmp_path / "o"), "--val-size", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "o" / "compile_report.json").read_text())
    assert report["config"]["k"] == 3 and report["optimizer"] == "none"
    assert report["val_examples"] == 2 and report["train_examples"] == 2


def test_a_bad_value_in_the_config_file_names_the_file_and_field(tmp_path):
    config = tmp_path / "compile.yaml"
    config.write_text("k: 0\n")
    result = runner.invoke(app, ["compile", "--config", str(config), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "compile.yaml" in result.stderr and "k:" in result.stderr
