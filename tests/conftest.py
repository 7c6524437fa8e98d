import os
import sys
from pathlib import Path

import dspy
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# Only the helpers folder goes on sys.path: adding tests/ would make tests/evals importable as `evals`.
sys.path.insert(0, str(Path(__file__).parent / "helpers"))


@pytest.fixture(autouse=True)
def _no_dspy_cache():
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    yield


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny random Llama with SmolLM2's real tokenizer (read once from the packaged GGUF; no hub), saved the way
    `transformers` saves any model."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from rnr_dspy.models.lm import EMBEDDED_MODEL_FILE, embedded_model_path

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
