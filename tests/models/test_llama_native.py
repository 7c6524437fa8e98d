"""The llama.cpp model wrapper on the real model: the kernels it picks compute long prompts right."""

import numpy as np
import pytest

from rnr_dspy.models.llama_native import NativeLlama
from rnr_dspy.models.lm import embedded_model_path

pytestmark = pytest.mark.embedded

PROMPT = "<|im_start|>user\n" + "Tell me about cats, dogs and the birds in the garden. " * 12 + "<|im_end|>\n"


def last_logits(repack_weights):
    native = NativeLlama(embedded_model_path(), n_ctx=512, n_seq=2, n_threads=1, n_batch=512,
                         repack_weights=repack_weights)
    try:
        tokens = native.tokenize(PROMPT, add_bos=False)
        native.batch.clear()
        index = native.batch.add(0, tokens, 0, logits=True)  # one 160-token batch
        assert native.decode(native.batch) == 0
        return len(tokens), native.logits(index).copy()
    finally:
        native.close()


def test_a_long_prompt_gets_the_same_logits_from_repacked_and_plain_kernels():
    # On an AMX CPU, llama.cpp's repacked kernels were off by 6-12 for micro-batches of 32+ rows.
    length, repacked = last_logits(True)
    _, plain = last_logits(False)
    assert length > 100
    assert int(repacked.argmax()) == int(plain.argmax())
    assert float(np.abs(repacked - plain).max()) < 2.0
