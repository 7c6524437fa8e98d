"""A tiny random Llama with SmolLM2's real tokenizer (read once from the packaged GGUF; no hub), and small data
files in the formats `rnr-dspy generate` writes."""

import pytest
from train_rows import dpo_row, sft_row, write_jsonl


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("trl")
    from rnr_dspy.lm import EMBEDDED_MODEL_FILE, embedded_model_path

    directory = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = transformers.AutoTokenizer.from_pretrained(embedded_model_path().parent, gguf_file=EMBEDDED_MODEL_FILE)
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


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
