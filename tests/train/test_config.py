import pytest

from rnr_dspy.config import build_config
from rnr_dspy.errors import ConfigError
from rnr_dspy.train.config import TrainConfig

pytest.importorskip("trl")


def make(**settings):
    return build_config(TrainConfig, None, {"data": ["run"], **settings})


def test_trl_settings_pass_through_and_machine_defaults_fill_the_rest():
    config = make(sft_config={"learning_rate": 1e-4, "max_length": 256, "packing": True})
    args = config.sft_arguments()
    assert (args.learning_rate, args.max_length, args.packing) == (1e-4, 256, True)
    assert args.use_cpu and not args.activation_checkpointing
    assert args.report_to == [] or args.report_to == "none"
    assert args.output_dir.endswith("runs/train/checkpoints/sft")


def test_cpu_precision_follows_native_bf16_support(monkeypatch):
    import torch

    from rnr_dspy.train import config

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert config.machine_defaults()["bf16"] is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert config.machine_defaults()["bf16"] is True
    assert make(sft_config={"bf16": False}).sft_arguments().bf16 is False


def test_a_users_gradient_checkpointing_beats_the_cpu_default():
    args = make(sft_config={"gradient_checkpointing": True}).sft_arguments()
    assert args.activation_checkpointing is True


@pytest.mark.parametrize(("settings", "message"), [
    ({"sft_config": {"learning_rat": 1e-4}}, "sft_config: Value error, unknown setting 'learning_rat'"),
    ({"method": ["sft", "dpo"], "dpo_config": {"betaa": 0.1}}, "dpo_config: Value error, unknown setting 'betaa'"),
    ({"method": ["grpo"], "grpo_config": {"num_generationz": 2}}, "grpo_config: Value error, unknown setting"),
    ({"sft_config": {"output_dir": "x"}}, "sft_config: Value error, output_dir is set by rnr-dspy"),
    ({"lora": True, "lora_config": {"rank": 8}}, "lora_config: Value error, unknown setting 'rank'"),
    ({"overlong": "drop"}, "overlong"),
    ({"mix_ratio": -1}, "mix_ratio"),
    ({"epochs": 3}, "epochs: unknown setting; valid settings: data, dpo_config, "),
    ({"sft_config": {"num_train_epoch": 1}}, "unknown setting 'num_train_epoch'; did you mean num_train_epochs"),
    ({"seeds": 3}, "seeds: unknown setting; did you mean seed"),
])
def test_invalid_settings_name_the_field(settings, message):
    with pytest.raises(ConfigError, match=message):
        make(**settings)


def test_dpo_and_lora_settings_are_checked_only_when_those_stages_run():
    unused = {"dpo_config": {"betaa": 0.1}, "grpo_config": {"num_generationz": 2}, "lora_config": {"rank": 8}}
    assert make(**unused).method == ["sft"]


def test_yaml_errors_name_the_file(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("data: [run]\nsft_config:\n  num_train_epoch: 2\n")
    with pytest.raises(ConfigError, match=r"train\.yaml: .*num_train_epoch"):
        build_config(TrainConfig, path, {})


def test_data_is_required():
    with pytest.raises(ConfigError, match="data"):
        build_config(TrainConfig, None, {})


def test_the_recorded_settings_name_the_learning_rate_trl_used(tmp_path):
    from trl import SFTConfig

    recorded = TrainConfig(data=[tmp_path], max_steps=2).recorded_settings()
    assert recorded["sft_config"]["learning_rate"] == SFTConfig.__dataclass_fields__["learning_rate"].default
    assert recorded["sft_config"]["max_steps"] == 2 and "use_cpu" not in recorded["sft_config"]
    assert TrainConfig.model_validate(recorded).sft_arguments().learning_rate == recorded["sft_config"]["learning_rate"]


def test_the_recorded_settings_keep_what_the_user_set(tmp_path):
    recorded = TrainConfig(data=[tmp_path], sft_config={"learning_rate": 1e-4}).recorded_settings()
    assert recorded["sft_config"]["learning_rate"] == 1e-4 and recorded["dpo_config"] == {}
