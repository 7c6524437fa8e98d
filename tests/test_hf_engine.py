"""`local:PATH` with a Hugging Face model directory: a tiny random Llama with SmolLM2's real tokenizer (read from
the packaged GGUF, so no hub), saved the way `transformers` saves any model."""

import pytest
from dspy.lm15 import Config, Message, Request

from rnr_dspy.hf_engine import TransformersEngine
from rnr_dspy.lm import EMBEDDED_MODEL_FILE, embedded_model_path, make_lm

pytestmark = pytest.mark.embedded


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    directory = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = transformers.AutoTokenizer.from_pretrained(embedded_model_path().parent, gguf_file=EMBEDDED_MODEL_FILE)
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_hf_directory_resolves_to_the_transformers_engine(model_dir):
    lm = make_lm(f"local:{model_dir}")
    assert isinstance(lm.engine, TransformersEngine) and lm.model == f"local/{model_dir.name}"


def test_generates_under_a_real_system_prompt_and_reports_usage(model_dir):
    lm = make_lm(f"local:{model_dir}")
    request = Request(model=lm.model, system="You are terse.", messages=(Message.user("Hello"),),
                      config=Config(max_tokens=8))
    response = lm(request)
    assert isinstance(response.text, str)
    assert response.usage.input_tokens > 5 and 0 < response.usage.output_tokens <= 8
