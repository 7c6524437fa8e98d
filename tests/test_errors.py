import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rnr_dspy.errors import describe_validation_error, validation_problems


class Columns(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruction: str | None = None
    output: str | None = None


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lm: str = "embedded"
    max_tokens: int = Field(1024, ge=1)
    api_base: str | None = None
    columns: Columns = Columns()
    history: list[Columns] = []


def error_of(values):
    with pytest.raises(ValidationError) as caught:
        Stage.model_validate(values)
    return caught.value


def test_every_problem_is_named_by_its_field_with_the_value_given():
    error = error_of({"max_tokens": "many", "columns": {"output": 3}})
    assert describe_validation_error(error, source="gen.yaml") == (
        "gen.yaml: max_tokens: Input should be a valid integer, unable to parse string as an integer (got 'many'); "
        "columns.output: Input should be a valid string (got 3)")


def test_an_unknown_field_is_answered_with_the_nearest_valid_names():
    problems = validation_problems(error_of({"max_token": 5, "columns": {"instrucion": "q"}}), model=Stage)
    assert sorted(problems) == ["columns.instrucion: unknown setting; did you mean instruction?",
                                "max_token: unknown setting; did you mean max_tokens?"]


def test_an_unknown_field_far_from_any_lists_the_valid_ones():
    problems = validation_problems(error_of({"history": [{"zzz": 1}]}), model=Stage)
    assert problems == ["history.0.zzz: unknown setting; valid settings: instruction, output"]


def test_fields_take_a_prefix_and_a_rendering_such_as_flag_names():
    error = error_of({"max_tokens": 0})
    assert describe_validation_error(error, field_prefix="generate.") == (
        "generate.max_tokens: Input should be greater than or equal to 1 (got 0)")
    assert describe_validation_error(error, field_name=lambda f: "--" + f.replace("_", "-")) == (
        "--max-tokens: Input should be greater than or equal to 1 (got 0)")


def test_a_value_shown_is_cut_short_and_a_password_in_it_is_masked():
    error = error_of({"lm": 5, "api_base": ["http://me:PW@host/v1"], "columns": {"output": "x" * 500}})
    long = error_of({"columns": {"output": ["x" * 500]}})
    message = describe_validation_error(error_of({"max_tokens": "http://me:PW@host/v1"}))
    assert "PW" not in message and "http://me:***@host/v1" in message
    assert len(describe_validation_error(long)) < 200
    assert "lm: Input should be a valid string (got 5)" in describe_validation_error(error)
