"""Bad settings and inputs fail before anything is spent or written, with a message naming what is wrong."""

import pytest
from pydantic import ValidationError

from rnr_dspy.compile import CompileConfig
from rnr_dspy.config import build_config
from rnr_dspy.errors import ConfigError
from rnr_dspy.evals import EvalConfig
from rnr_dspy.generate import GenerateConfig
from rnr_dspy.train import TrainConfig


def _flag(location):
    return "--" + str(location[0]).replace("_", "-")


def test_gepa_without_a_reflection_lm_is_refused_with_the_settings():
    with pytest.raises(ConfigError, match=r"--reflection-lm: .*gepa optimizer needs a reflection LM"):
        build_config(CompileConfig, None, {"out": "runs/c", "optimizer": "gepa"}, flag_of=_flag)
    assert CompileConfig(out="runs/c", optimizer="gepa", reflection_lm="openai/gpt-4o").reflection_lm
    assert CompileConfig(out="runs/c").reflection_lm is None


@pytest.mark.parametrize("config", [CompileConfig, GenerateConfig, EvalConfig, TrainConfig])
def test_an_out_that_is_a_file_is_refused_by_every_stage(tmp_path, config):
    taken = tmp_path / "taken"
    taken.write_text("mine")
    extra = {"data": [str(tmp_path)]} if config is TrainConfig else {}
    with pytest.raises(ConfigError, match=r"--out: .*taken is a file; the output goes into a directory"):
        build_config(config, None, {"out": taken, **extra}, flag_of=_flag)
    assert taken.read_text() == "mine"


def test_settings_errors_name_the_field_not_a_traceback():
    with pytest.raises(ValidationError, match="request_timeout"):
        GenerateConfig(out="runs/g", request_timeout=0)


def test_a_value_of_nested_yaml_anchors_is_echoed_short(tmp_path):
    levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for prior, name in zip("abcde", "bcdef", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{prior}'] * 9)}]")
    path = tmp_path / "settings.yaml"
    path.write_text("\n".join([*levels, "limit: [*f, *f, *f, *f, *f, *f, *f, *f, *f]"]) + "\n")
    with pytest.raises(ConfigError, match=r"limit: expected int \| None, got \[\[") as raised:
        build_config(GenerateConfig, path, {})
    assert len(str(raised.value)) < 5000  # the anchors named as unknown settings, the value cut short
