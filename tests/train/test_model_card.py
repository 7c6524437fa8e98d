"""The model card is a huggingface_hub ModelCard whose front matter a YAML parser and the Hub's card loader read."""

from pathlib import Path

import huggingface_hub
import yaml

from rnr_dspy.train import TrainConfig
from rnr_dspy.train.model_card import render_model_card
from rnr_dspy.train.result import MethodResult, TrainResult


def _result(base_model):
    stage = MethodResult(stage="sft", rows=6, steps=2, train_loss=1.5, final_loss=1.25, runtime_s=3.0, tokens=900,
                        log=[])
    return TrainResult(out=Path("runs/x/model"), base_model=base_model, stages=[stage],
                       data_counts={"runs/x/data/sft.jsonl": 6}, skipped={}, too_long=0, problems=[])


def _front_matter(text):
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_the_embedded_models_card_names_its_hub_base_model_and_licence(tmp_path):
    config = TrainConfig(data=[tmp_path], out=tmp_path / "model")
    text = render_model_card(_result("HuggingFaceTB/SmolLM2-135M-Instruct"), config)
    meta = _front_matter(text)
    assert meta["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct" and meta["license"] == "apache-2.0"
    assert meta["library_name"] == "transformers" and meta["pipeline_tag"] == "text-generation"
    assert {"rnr-dspy", "trl", "sft"} <= set(meta["tags"])
    path = tmp_path / "README.md"
    path.write_text(text)
    assert huggingface_hub.ModelCard.load(path).data.base_model == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert "| sft | 6 | 2 |" in text


def test_a_local_base_model_stays_out_of_the_metadata(tmp_path):
    config = TrainConfig(data=[tmp_path], out=tmp_path / "model", model=f"local:{tmp_path}")
    text = render_model_card(_result(str(tmp_path)), config)
    meta = _front_matter(text)
    assert "base_model" not in meta and "license" not in meta
    assert f"Fine-tuned from `{tmp_path.parent.name}/{tmp_path.name}`" in text  # the run directory itself


def test_the_card_never_carries_the_machines_absolute_paths(tmp_path):
    run = tmp_path / "runs" / "demo"
    config = TrainConfig(data=[run / "generate"], out=run / "model", model=f"local:{tmp_path / 'base'}",
                         ift_data=str(tmp_path / "ift" / "alpaca.jsonl"))
    result = _result(str(tmp_path / "base")).model_copy(
        update={"data_counts": {str(run / "generate" / "data" / "sft.jsonl"): 6}})
    text = render_model_card(result, config)
    assert str(tmp_path) not in text
    assert "| `generate/data/sft.jsonl` | 6 |" in text
    settings = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert settings["data"] == ["generate"] and settings["out"] == "model"
    assert settings["model"] == f"local:{tmp_path.name}/base" and settings["ift_data"] == "ift/alpaca.jsonl"
