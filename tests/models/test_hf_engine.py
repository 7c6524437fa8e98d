"""`local:PATH` with a Hugging Face model directory: a tiny random Llama with SmolLM2's real tokenizer (read from
the packaged GGUF, so no hub), saved the way `transformers` saves any model."""

import pytest
from dspy.lm15 import Config, Message, Request

from rnr_dspy.models.hf_engine import TransformersEngine
from rnr_dspy.models.lm import make_lm

pytestmark = pytest.mark.embedded


@pytest.fixture
def model_dir(tiny_model_dir):
    return tiny_model_dir


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
