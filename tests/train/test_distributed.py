"""Two processes under accelerate on the CPU (gloo) train SFT, DPO and GRPO together; only the main one writes, and
the model directory is complete and loads.

`accelerate launch --cpu` starts a single process unless MPI is set up; `--multi_gpu` starts them with torchrun,
which on a machine without GPUs joins them over gloo (the trainer asks accelerate for the CPU state).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from train_rows import dpo_row, prompt_record, sft_row, write_jsonl

pytest.importorskip("accelerate")

QUICK = {"max_steps": 2, "per_device_train_batch_size": 2}


def test_two_processes_train_every_method_and_one_writes(tiny_model_dir, tmp_path):
    run = tmp_path / "run"
    write_jsonl(run / "data" / "sft.jsonl", [sft_row(i) for i in range(8)])
    write_jsonl(run / "data" / "dpo.jsonl", [dpo_row(i) for i in range(8)])
    write_jsonl(run / "generated.jsonl", [prompt_record(i) for i in range(8)])
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({
        "data": [str(run)], "model": f"local:{tiny_model_dir}", "out": str(tmp_path / "out"),
        "method": ["sft", "dpo", "grpo"], "sft_config": QUICK, "dpo_config": QUICK,
        "grpo_config": {"max_steps": 2, "per_device_train_batch_size": 4, "num_generations": 4,
                        "max_completion_length": 8, "temperature": 1.0}}))
    launcher = Path(sys.executable).parent / "accelerate"
    done = subprocess.run([str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                           "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "rnr_dspy.cli", "train",
                           "--config", str(config)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    report = json.loads((out / "train_report.json").read_text())
    assert report["processes"] == 2
    assert [(stage["stage"], stage["steps"]) for stage in report["stages"]] == [("sft", 2), ("dpo", 2), ("grpo", 2)]
    log = (out / "train_log.jsonl").read_text().splitlines()
    assert len(log) == len(set(log))  # written once, not once per process
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md"} <= {p.name for p in out.iterdir()}
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(out) is not None
