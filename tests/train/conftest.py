"""Small data files in the formats `rnr-dspy generate` writes, and the tiny model's tokenizer (the model itself:
`tiny_model_dir` in tests/conftest.py)."""

import pytest
from train_rows import dpo_row, sft_row, write_jsonl


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture
def run_dir(tmp_path):
    """A generate run directory with 6 SFT rows and 4 preference rows."""
    run = tmp_path / "run"
    write_jsonl(run / "data" / "sft.jsonl", [sft_row(i) for i in range(6)])
    write_jsonl(run / "data" / "dpo.jsonl", [dpo_row(i) for i in range(4)])
    return run
