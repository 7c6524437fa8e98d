import json

import pytest
from fake_engine import fake_lm, scripted_engine
from typer.testing import CliRunner

from rnr_dspy.cli import app

runner = CliRunner()


@pytest.fixture
def engine(monkeypatch):
    engine = scripted_engine()
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm", lambda spec, **_: fake_lm(engine))
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
    assert "question_text" in result.stderr and "--columns.instruction" in result.stderr


def test_custom_instruction_column_is_used(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"q": f"Question number {i}?"}) + "\n" for i in range(8)))
    result = runner.invoke(app, ["compile", "--out", str(tmp_path / "o"), "--lm", "fake/model", "--seeds", str(seeds),
                                 "--columns.instruction", "q", "--k", "2", "--optimizer", "none"])
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


def test_a_bad_value_in_the_config_file_is_a_usage_error_naming_the_file_and_field(tmp_path):
    config = tmp_path / "compile.yaml"
    config.write_text("k: 0\n")
    result = runner.invoke(app, ["compile", "--config", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "compile.yaml: k:" in result.stderr
    assert not (tmp_path / "o").exists()


def test_judge_lm_none_leaves_judge_only_rules_unknown_instead_of_failing(tmp_path, monkeypatch):
    from rnr_dspy.models.lm import make_lm

    engine = scripted_engine()
    # The real factory for "none", which is not an LM spec: compile must not ask for it.
    monkeypatch.setattr("rnr_dspy.compile.run.make_lm",
                        lambda spec, **_: make_lm(spec) if spec == "none" else fake_lm(engine))
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--limit", "12", "--k", "3", "--judge-lm", "none",
                                 "--rule-source", "lm", "--optimizer", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "compile_report.json").read_text())
    assert report["judge_lm"] == "none" and report["before"]["unknown_verdicts"] > 0
    assert engine.calls_for("verdicts") == []


def test_the_out_set_in_the_config_file_is_the_one_reported(tmp_path, engine):
    config = tmp_path / "compile.yaml"
    config.write_text(f"out: {tmp_path / 'from-yaml'}\nlimit: 12\nk: 3\noptimizer: none\n")
    result = runner.invoke(app, ["compile", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'from-yaml' / 'program.json'}" in result.output
    assert "runs/compile" not in result.output and (tmp_path / "from-yaml" / "program.json").is_file()


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"rnr-dspy {version('rnr-dspy')}"


def test_progress_is_printed_as_lines_when_stderr_is_not_a_terminal(tmp_path, engine):
    result = runner.invoke(app, ["compile", "--out", str(tmp_path), "--limit", "20", "--k", "3", "--train-size", "2",
                                 "--val-size", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("before: 0/2 (0%)")  # the total is shown from the start
    assert any(line.startswith("optimize: 0/2 ") for line in lines)  # bootstrap: at most one call per example
    assert any(line.startswith("after: 2/2 (100%)") for line in lines)


def test_a_seed_id_with_markup_is_printed_literally_by_dry_run(tmp_path, engine):
    seeds = tmp_path / "seeds.jsonl"
    rows = [{"id": f"[/b]{i}", "instruction": f"Say [bold]{i}[/bold] twice.", "domain": "x"} for i in range(6)]
    seeds.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = runner.invoke(app, ["generate", "--dry-run", "--out", str(tmp_path / "o"), "--seeds", str(seeds),
                                 "--k", "3"])
    assert result.exit_code == 0, result.output
    assert "group 1: seeds [/b]" in result.output and "[bold]" in result.output and "[/bold] twice." in result.output


def test_a_column_named_like_markup_is_printed_literally_in_the_error(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"[/INST]": "a"}) + "\n")
    result = runner.invoke(app, ["compile", "--out", str(tmp_path / "o"), "--seeds", str(seeds)])
    assert result.exit_code == 1 and "['[/INST]']" in result.stderr


def test_a_yaml_error_is_printed_literally(tmp_path):
    config = tmp_path / "compile.yaml"
    config.write_text("k: [1, 2\n")
    result = runner.invoke(app, ["compile", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "expected ',' or ']'" in result.stderr
