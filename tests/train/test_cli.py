"""`rnr-dspy train` through Typer's runner, and under `accelerate launch` with one CPU process."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from rnr_dspy.cli import app

pytest.importorskip("trl")
runner = CliRunner()


def test_yaml_settings_with_flags_on_top(run_dir, tiny_model_dir, tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text(f"data: [{run_dir}]\nmodel: local:{tiny_model_dir}\n"
                      "sft_config: {max_steps: 3, per_device_train_batch_size: 3, learning_rate: 1.0e-3}\n")
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", "--config", str(config), "--out", str(out), "--max-steps", "1"])
    assert result.exit_code == 0, result.output
    written = (out / "train_config.yaml").read_text()
    assert "max_steps: 1" in written and "per_device_train_batch_size: 3" in written


@pytest.mark.parametrize(("arguments", "message"), [
    (["--model", "openai/gpt-4o-mini"], "'openai/gpt-4o-mini' is a remote model: training needs"),
    (["--model", "local:/no/such/dir"], "neither a .gguf file nor a Hugging Face model directory"),
])
def test_bad_model_specs_exit_1(run_dir, tmp_path, arguments, message):
    result = runner.invoke(app, ["train", "--data", str(run_dir), "--out", str(tmp_path / "m"), *arguments])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_bad_input_exits_1_with_the_reason(run_dir, tiny_model_dir, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    common = ["--model", f"local:{tiny_model_dir}"]
    busy = runner.invoke(app, ["train", "--data", str(run_dir), "--out", str(tmp_path / "busy"), *common])
    missing = runner.invoke(app, ["train", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "m"), *common])
    config = tmp_path / "bad.yaml"
    config.write_text("data: [x]\nsft_config: {num_train_epoch: 1}\n")
    bad_yaml = runner.invoke(app, ["train", "--config", str(config)])
    assert (busy.exit_code, missing.exit_code, bad_yaml.exit_code) == (1, 1, 2)  # a bad setting is a usage error
    assert "not empty" in busy.output and "not found" in missing.output
    assert "bad.yaml" in bad_yaml.output and "num_train_epoch" in bad_yaml.output


def test_runs_under_accelerate_launch(run_dir, tiny_model_dir, tmp_path):
    out = tmp_path / "model"
    command = [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "1",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "-m", "rnr_dspy.cli", "train", "--data", str(run_dir), "--model", f"local:{tiny_model_dir}",
               "--out", str(out), "--max-steps", "1"]
    env = {**os.environ, "ACCELERATE_CONFIG_FILE": str(tmp_path / "none.yaml"), "HF_HUB_OFFLINE": "1"}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert (out / "model.safetensors").is_file() and "sft: 6 rows, 1 steps, final loss" in finished.stdout
    assert json.loads((out / "train_report.json").read_text())["stages"][0]["steps"] == 1
