"""`rnr-dspy generate` end to end on the real embedded model, tiny limits."""

import json

import datasets
import pytest
from typer.testing import CliRunner

from rnr_dspy.cli import app
from rnr_dspy.program.quality import FORMAT_MARKERS

pytestmark = pytest.mark.embedded


def test_generate_on_the_embedded_model_writes_trl_datasets(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--limit", "2", "--k", "2",
                                      "--answer.attempts", "1", "--judge-lm", "none", "--no-user-turns",
                                      "--config", str(_config(tmp_path))])
    report = json.loads((tmp_path / "generate_report.json").read_text())
    assert result.exit_code == (0 if report["sft_rows"] else 1), result.output  # a run that made nothing fails
    assert report["prompts"] + report["errors"] >= 1 and report["this_run"]["lm_calls"] >= 3
    assert report["config"]["rule_source"] == "sampled" and report["notes"]  # the weak teacher's defaults
    if report["sft_rows"]:
        sft = datasets.load_dataset("json", data_files=str(tmp_path / "data/sft.jsonl"), split="train")
        assert all([m["role"] for m in row["messages"]] == ["system", "user", "assistant"] for row in sft)
        assert not any(FORMAT_MARKERS.search(m["content"]) for row in sft for m in row["messages"])
    for line in (tmp_path / "data/dpo.jsonl").read_text().splitlines():
        pair = json.loads(line)
        assert [m["role"] for m in pair["prompt"]] == ["system", "user"] and pair["chosen"] != pair["rejected"]
    assert datasets.load_from_disk(str(tmp_path / "data/hf/sft")).num_rows == report["sft_rows"]


def _config(tmp_path):
    path = tmp_path.parent / "generate.yaml"
    path.write_text("response_max_tokens: 48\nmax_tokens: 384\n")
    return path
