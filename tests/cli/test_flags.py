"""Every setting of every stage config is a flag of its command, its help taken from the field, and reaches the
config the stage runs with; bad settings are usage errors naming the field."""

import enum
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel, SecretStr
from pydantic_core import PydanticUndefined
from rich.markup import escape
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.cli.flags import config_flags
from rnr_dspy.stages import STAGES

runner = CliRunner()
REQUIRED = {"train": ["--data", "runs/x"]}
# Settings that hold only beside another: that other flag.
ALONGSIDE = {"workers": ["--lm", "openai/served"]}  # workers are for a served LM
# Text settings validated for their form: a value of that form.
STRING_SAMPLES = {"suite": "my_suite.jsonl"}
MAPPING_SAMPLES = {"sft_config": ("max_steps=3", {"max_steps": 3}), "dpo_config": ("beta=0.2", {"beta": 0.2}),
                   "lora_config": ("r=8", {"r": 8}), "grpo_config": ("num_generations=4", {"num_generations": 4})}


@pytest.fixture
def captured(monkeypatch):
    """The config each stage would run with (the stage itself does not run)."""
    seen = {}
    for stage, spec in STAGES.items():
        def capture(config, progress=None, stage=stage):
            seen[stage] = config
            raise typer.Exit(0)

        monkeypatch.setattr(spec, "run", capture)
    return seen


def command_options(stage):
    group = typer.main.get_command(app)
    command = group.commands[stage]
    ctx = command.make_context(stage, ["--help"], resilient_parsing=True)
    return {opt: param for param in command.get_params(ctx) for opt in (*param.opts, *param.secondary_opts)}


def fields(cls, prefix=()):
    for name, field in cls.model_fields.items():
        inner = next((a for a in (field.annotation, *typing.get_args(field.annotation))
                      if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if inner is not None:
            yield from fields(inner, (*prefix, name))
        else:
            yield (*prefix, name), field


ALL_FIELDS = [(stage, path, field) for stage, spec in STAGES.items()
              for path, field in fields(spec.config)]


def flag_name(path):
    return "--" + ".".join(part.replace("_", "-") for part in path)


@pytest.mark.parametrize(("stage", "path", "field"), ALL_FIELDS, ids=lambda v: ".".join(v) if isinstance(v, tuple)
                         else v if isinstance(v, str) else "")
def test_every_field_is_a_flag_whose_help_is_the_field_description(stage, path, field):
    assert field.description, f"{stage} config field {'.'.join(path)} has no description"
    option = command_options(stage).get(flag_name(path))
    assert option is not None, f"rnr-dspy {stage} has no {flag_name(path)}"
    assert option.help == escape(field.description)


@pytest.mark.parametrize(("stage", "path", "field"), ALL_FIELDS, ids=lambda v: ".".join(v) if isinstance(v, tuple)
                         else v if isinstance(v, str) else "")
def test_every_field_given_as_a_flag_reaches_the_config(stage, path, field, captured):
    arguments, expected = sample(path, field)
    extra = [] if flag_name(path) in REQUIRED.get(stage, []) else REQUIRED.get(stage, [])
    extra = [*extra, *ALONGSIDE.get(path[-1], [])]
    result = runner.invoke(app, [stage, *extra, *arguments])
    assert result.exit_code == 0, result.output
    value = captured[stage]
    for part in path:
        value = getattr(value, part)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, enum.Enum):
        value = value.value
    assert value == expected


def sample(path, field):
    """Flag arguments that set the field to a value other than its default, and that value."""
    name = flag_name(path)
    annotation = field.annotation
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    inner = arguments[0] if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType) \
        and len(arguments) == 1 else annotation
    default = field.get_default(call_default_factory=True)
    if inner is bool:
        return ([f"--no-{name[2:]}"] if default else [name]), not default
    if typing.get_origin(inner) is dict:
        text, value = MAPPING_SAMPLES[path[-1]]
        return [name, text], value
    if typing.get_origin(inner) is list:
        element = typing.get_args(inner)[0]
        if typing.get_origin(element) is typing.Literal:
            values = [c for c in typing.get_args(element) if c not in (default or [])][:1] + list(default or [])[:1]
            return [arg for value in values for arg in (name, value)], values
        values = ["a/one", "b/two"]
        return [name, values[0], name, values[1]], [element(v) for v in values]
    choices = list(typing.get_args(inner)) if typing.get_origin(inner) is typing.Literal else (
        [member.value for member in inner] if isinstance(inner, type) and issubclass(inner, enum.Enum) else None)
    if choices:
        value = next(c for c in choices if c != getattr(default, "value", default))
        return [name, str(value)], value
    if inner in (int, float):
        low = next((m.ge for m in field.metadata if hasattr(m, "ge")), 0)
        high = next((m.le for m in field.metadata if hasattr(m, "le")), low + 100)
        value = inner(low + 1) if inner is int else (low + high) / 3
        value = value if value != default else value + 1
        return [name, str(value)], value
    if inner is Path:
        return [name, "some/dir"], Path("some/dir")
    assert inner in (str, SecretStr), f"no sample for {annotation}"
    value = STRING_SAMPLES.get(path[-1], "x-value")
    return [name, value], value


def test_every_option_of_every_command_has_help_and_no_switch_shows_bool():
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        ctx = command.make_context(name, ["--help"], resilient_parsing=True)
        for param in command.get_params(ctx):
            assert param.help, f"rnr-dspy {name} {param.opts[0]} has no help"
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "<bool>" not in result.output, name


@pytest.mark.parametrize(("stage", "choices"), [("compile", "bootstrap|mipro|gepa|none"),
                                                ("generate", "best_of_n|refine"), ("train", "skip|truncate"),
                                                ("eval", "auto|lm|transformers")])
def test_help_lists_the_choices(stage, choices):
    result = runner.invoke(app, [stage, "--help"], env={"COLUMNS": "200"})
    assert choices in result.output


@pytest.mark.parametrize("stage", list(STAGES))
def test_every_stage_has_a_seed_flag(stage):
    assert "--seed" in command_options(stage)


def test_generate_takes_the_rule_source_the_shipped_recipe_sets(captured):
    result = runner.invoke(app, ["generate", "--rule-source", "sampled"])
    assert result.exit_code == 0, result.output
    assert captured["generate"].rule_source == "sampled"


def test_a_flag_wins_over_the_config_file_and_mappings_merge_key_by_key(tmp_path, captured):
    config = tmp_path / "train.yaml"
    config.write_text("data: [a]\nlora: true\nsft_config: {max_steps: 5, learning_rate: 1.0e-4}\n"
                      "max_steps: 9\n")
    result = runner.invoke(app, ["train", "--config", str(config), "--sft-config", "max_steps=3", "--no-lora"])
    assert result.exit_code == 0, result.output
    config = captured["train"]
    assert config.sft_config == {"max_steps": 3, "learning_rate": 1e-4} and config.lora is False
    assert config.max_steps == 9 and config.data == [Path("a")]


def test_the_api_key_comes_from_the_environment(captured):
    result = runner.invoke(app, ["generate"], env={"RNR_DSPY_API_KEY": "sk-env"})
    assert result.exit_code == 0, result.output
    assert captured["generate"].api_key.get_secret_value() == "sk-env"


@pytest.mark.parametrize(("stage", "path", "field"), [
    (stage, path, field) for stage, path, field in ALL_FIELDS
    if any(hasattr(m, "ge") for m in field.metadata) and field.annotation in (int, int | None)])
def test_an_out_of_range_value_names_the_flag_the_user_gave(stage, path, field, tmp_path):
    low = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    extra = REQUIRED.get(stage, [])
    result = runner.invoke(app, [stage, *extra, flag_name(path), str(low - 1), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert f"error: {flag_name(path)}: Input should be greater than or equal to {low}" in result.stderr
    assert flag_name(path) in command_options(stage)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("text", "messages"), [
    ("answer: {atempts: 2}\n", ["generate.yaml: answer.atempts: unknown setting; did you mean attempts?"]),
    ("columns: {instrction: q}\n", ["generate.yaml: columns.instrction: unknown setting; did you mean instruction?"]),
    ("k: many\n", ["generate.yaml: k: expected int, got 'many'"]),
    ("[1, 2]\n", ["generate.yaml: expected a mapping of settings, got list"]),
])
def test_a_bad_config_file_is_a_usage_error_naming_the_field_and_what_is_valid(tmp_path, text, messages):
    config = tmp_path / "generate.yaml"
    config.write_text(text)
    result = runner.invoke(app, ["generate", "--config", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    for message in messages:
        assert message in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_bad_mapping_flag_is_a_usage_error(tmp_path):
    unknown = runner.invoke(app, ["train", "--data", "d", "--sft-config", "num_train_epoch=1"])
    malformed = runner.invoke(app, ["train", "--data", "d", "--sft-config", "num_train_epochs"])
    assert unknown.exit_code == malformed.exit_code == 2
    assert "--sft-config" in unknown.stderr and "did you mean num_train_epochs?" in unknown.stderr
    assert "expected KEY=VALUE" in " ".join(malformed.output.split())


def test_config_flags_cover_nested_models_and_name_them_with_dots():
    from rnr_dspy.generate import GenerateConfig

    names = {flag.name for flag in config_flags(GenerateConfig)}
    assert {"--columns.instruction", "--columns.messages", "--rule-source", "--engine-threads"} <= names
    assert "--columns" not in names


def test_a_required_field_left_out_names_its_flag():
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 2 and "error: --data: Field required" in result.stderr


def test_defaults_come_from_the_config(captured):
    for stage, spec in STAGES.items():
        result = runner.invoke(app, [stage, *REQUIRED.get(stage, [])])
        assert result.exit_code == 0, result.output
        # Defaults as the config resolves them (a weak teacher's defaults included), the required fields given.
        resolved = spec.config.model_validate({"data": ["runs/x"]} if stage == "train" else {})
        defaults = {name: getattr(resolved, name) for name, field in spec.config.model_fields.items()
                    if field.get_default() is not PydanticUndefined and name not in ("data",)}
        assert {name: getattr(captured[stage], name) for name in defaults} == defaults
