"""An eval compares like with like: a run mixing GGUF models and Hugging Face directories evaluates every local
model as a GGUF of one type on llama.cpp by default, and a run that still mixes back ends warns loudly."""

import json
import sys
from pathlib import Path

import dspy
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from echo_model import EchoEngine

from rnr_dspy.cli import app
from rnr_dspy.evals import run as run_module
from rnr_dspy.evals.like_for_like import comparable_specs
from rnr_dspy.evals.solvers import LMGenerator

TINY = Path(__file__).parent / "suites" / "tiny.jsonl"
SHAPES = {"model_type": "llama", "hidden_size": 576, "num_hidden_layers": 30, "vocab_size": 49152}


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A GGUF base (its Hugging Face form in `base_hf`) and a trained directory of the same shapes; conversions
    are recorded instead of run."""
    monkeypatch.setenv("RNR_DSPY_CACHE", str(tmp_path / "cache"))
    base = tmp_path / "base.gguf"
    base.write_bytes(b"GGUF")
    directories = {name: tmp_path / name for name in ("base_hf", "trained")}
    for directory in directories.values():
        directory.mkdir()
        (directory / "config.json").write_text(json.dumps(SHAPES))
        (directory / "model.safetensors").write_bytes(b"weights")
    written = []

    def write_gguf(model_dir, template, out, file_type):
        written.append((model_dir.name, template.name, file_type))
        out.write_bytes(b"GGUF")
        return out

    monkeypatch.setattr("rnr_dspy.models.convert.hf_model_dir",
                        lambda spec: directories["base_hf"] if spec.kind == "gguf" else spec.path)
    monkeypatch.setattr("rnr_dspy.models.llama_native.gguf_file_type", lambda path: "Q4_1")
    monkeypatch.setattr("rnr_dspy.models.to_gguf.write_gguf", write_gguf)
    return f"local:{base}", f"local:{directories['trained']}", directories["trained"], written


def test_a_gguf_base_and_a_trained_directory_both_run_as_q8_0_ggufs(models):
    base, trained, _, written = models
    specs, backend = comparable_specs([base, trained], "auto")
    assert backend == "auto" and all(spec.startswith("local:") and spec.endswith(".q8_0.gguf") for spec in specs)
    assert written == [("base_hf", "base.gguf", "Q8_0"), ("trained", "base.gguf", "Q8_0")]
    assert comparable_specs([base, trained], "auto") == (specs, backend) and len(written) == 2  # cached


def test_retrained_weights_are_written_again(models):
    base, trained, directory, written = models
    first, _ = comparable_specs([base, trained], "auto")
    (directory / "model.safetensors").write_bytes(b"other weights")
    again, _ = comparable_specs([base, trained], "auto")
    assert again[1] != first[1] and len(written) == 3


def test_a_directory_of_other_shapes_runs_everything_on_transformers(models):
    base, trained, directory, written = models
    (directory / "config.json").write_text(json.dumps({**SHAPES, "hidden_size": 64}))
    assert comparable_specs([base, trained], "auto") == ([base, trained], "transformers") and not written


@pytest.mark.parametrize("backend", ["transformers", "lm"])
def test_a_back_end_chosen_by_hand_is_kept(models, backend):
    base, trained, _, written = models
    assert comparable_specs([base, trained], backend) == ([base, trained], backend) and not written


def test_models_of_one_kind_are_run_as_they_are(models):
    base, trained, _, written = models
    assert comparable_specs([base, "openai/gpt-4o-mini"], "auto") == ([base, "openai/gpt-4o-mini"], "auto")
    assert comparable_specs([trained, trained], "auto")[0] == [trained, trained] and not written


def test_an_eval_that_mixes_back_ends_warns_on_the_console_and_in_the_report(tmp_path, monkeypatch):
    def make(spec, **settings):
        generator = LMGenerator(dspy.LM(f"fake/{spec}", engine=EchoEngine(), cache=False), max_tokens=16)
        generator.backend = "transformers, batch 8" if "trained" in spec else "llama.cpp"
        return generator

    monkeypatch.setattr(run_module, "make_generator", make)
    result = CliRunner().invoke(app, ["eval", "--models", "fake/base", "--models", "fake/trained", "--suite",
                                      str(TINY), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "warning: not compared like for like" in output and "back end transformers, A has llama.cpp" in output
    assert "**Warning: not compared like for like.**" in (tmp_path / "report.md").read_text(encoding="utf-8")
