"""GRPO runs two steps on a tiny model with rewards from the real checkers on real rules."""

import json

import pytest
from train_rows import prompt_record, write_jsonl

from rnr_dspy.train import TrainConfig, run_train

pytest.importorskip("trl")

GRPO = {"max_steps": 2, "per_device_train_batch_size": 4, "num_generations": 4, "max_completion_length": 8,
        "learning_rate": 1e-2, "temperature": 1.0}


@pytest.fixture(scope="module")
def grpo_run(tiny_model_dir, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    write_jsonl(run_dir / "generated.jsonl",
                [{"stage": "system", "key": "s", "status": "ok"}, *(prompt_record(i) for i in range(8))])
    out = tmp_path_factory.mktemp("out") / "model"
    result = run_train(TrainConfig(data=[run_dir], model=f"local:{tiny_model_dir}", out=out, method=["grpo"],
                                   grpo_config=GRPO))
    return result, out


def test_grpo_logs_its_loss_and_the_rule_rewards_and_changes_the_weights(grpo_run, tiny_model_dir):
    from safetensors.torch import load_file

    result, out = grpo_run
    [stage] = result.stages
    assert (stage.stage, stage.steps, stage.rows) == ("grpo", 2, 8)
    logged = {key for entry in stage.log for key in entry}
    assert {"loss", "rewards/rule_reward/mean", "rewards/adherence_length/mean", "rewards/adherence_style/mean"} \
        <= logged
    rewards = [entry["rewards/rule_reward/mean"] for entry in stage.log if "rewards/rule_reward/mean" in entry]
    assert all(0.0 <= value <= 1.0 for value in rewards)
    before, after = load_file(tiny_model_dir / "model.safetensors"), load_file(out / "model.safetensors")
    assert any(not (before[name] == after[name]).all() for name in before)
    assert json.loads((out / "config.json").read_text())["use_cache"] is True


def test_only_the_rule_reward_moves_the_policy(grpo_run):
    config = json.loads((grpo_run[1] / "train_report.json").read_text())
    assert config["stages"][0]["stage"] == "grpo"
    saved = (grpo_run[1] / "train_config.yaml").read_text()
    assert "method:\n- grpo" in saved


def test_a_prompt_file_without_rules_is_reported_by_line(tmp_path, tiny_model_dir):
    from rnr_dspy.train import DataError

    bad = prompt_record(0)
    bad["rules"] = []
    write_jsonl(tmp_path / "prompts.jsonl", [bad])
    with pytest.raises(DataError, match=r"prompts\.jsonl:1: no rules"):
        run_train(TrainConfig(data=[tmp_path / "prompts.jsonl"], model=f"local:{tiny_model_dir}",
                              out=tmp_path / "out", method=["grpo"], grpo_config=GRPO))
