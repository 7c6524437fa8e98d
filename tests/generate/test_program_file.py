"""A --program file is read before the run starts: one that is no saved program fails at once, naming it."""

import json

import dspy
import pytest

from rnr_dspy.errors import ConfigError
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.program.rnr_program import RNRProgram


@pytest.mark.parametrize("text", ["not json", "[1, 2]", json.dumps({"foo": {"bar": 1}}), ""])
def test_a_program_file_that_is_no_program_fails_before_the_run_starts(tmp_path, engine, text):
    program = tmp_path / "program.json"
    program.write_text(text)
    with pytest.raises(ConfigError, match=r"program\.json is not a program saved by rnr-dspy compile"):
        run_generate(GenerateConfig(out=tmp_path / "run", program=program, limit=4))
    assert not engine.requests and not (tmp_path / "run").exists()


def test_the_program_file_is_read_as_written(tmp_path, engine):
    program = tmp_path / "program.json"
    RNRProgram().save(str(program))
    assert run_generate(GenerateConfig(out=tmp_path / "run", program=program, limit=4, turn_source="lm")).sft_rows == 7


def _compiled(tmp_path, **settings):
    from rnr_dspy.compile import CompileConfig
    from rnr_dspy.program.rnr_program import save_program

    config = CompileConfig(out=tmp_path / "compile", **settings)
    program = config.make_program(None)
    program.role_generator.generate.demos = [dspy.Example(seed_instructions=["Bake bread."],
                                                          role="You are a compiled coach.")]
    path = tmp_path / "program.json"
    save_program(program, path, config)
    return path


def test_program_json_records_the_program_settings_that_built_it(tmp_path):
    recorded = json.loads(_compiled(tmp_path, rule_source="lm", judge_lm="none").read_text())
    assert recorded["rnr_program_settings"] == {
        "judge_lm": "none", "checks_only": False, "role_source": "lm", "rule_source": "lm", "user_turns": True,
        "turn_source": "composed", "responder_prompt": "chat"}  # the embedded teacher's defaults, resolved


def test_generate_refuses_a_program_compiled_under_other_settings_naming_each(tmp_path, engine):
    program = _compiled(tmp_path, rule_source="lm")
    with pytest.raises(ConfigError, match=r"rule_source: 'lm' when compiled, 'sampled' now.*--accept-program-settings"):
        run_generate(GenerateConfig(out=tmp_path / "run", program=program, limit=4))
    assert not engine.requests and not (tmp_path / "run").exists()
    accepted = GenerateConfig(out=tmp_path / "run", program=program, limit=4, accept_program_settings=True)
    assert run_generate(accepted).sft_rows
    assert run_generate(GenerateConfig(out=tmp_path / "same", program=program, limit=4, rule_source="lm")).sft_rows


def test_dry_run_shows_the_compiled_program_under_the_stages_settings(tmp_path, engine):
    from typer.testing import CliRunner

    from rnr_dspy.cli import app

    program = _compiled(tmp_path)
    result = CliRunner().invoke(app, ["generate", "--dry-run", "--out", str(tmp_path / "o"), "--limit", "4",
                                      "--program", str(program)])
    assert result.exit_code == 0, result.output
    assert "You are a compiled coach." in result.output and not engine.requests
    refused = CliRunner().invoke(app, ["generate", "--dry-run", "--out", str(tmp_path / "o"), "--limit", "4",
                                       "--program", str(program), "--rule-source", "lm"])
    assert refused.exit_code == 2 and "rule_source" in refused.output
