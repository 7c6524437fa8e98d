"""A --program file is read before the run starts: one that is no saved program fails at once, naming it."""

import json

import pytest

from rnr_dspy.errors import ConfigError
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.program import RNRProgram


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
