"""The numpy greedy pick is llama.cpp's greedy chain (repeat penalty, then argmax), token for token."""

import numpy as np
import pytest
from llama_cpp import llama_cpp as lib

from rnr_dspy.models.sampling import GreedySampler, SamplingParams, TokenSampler, make_sampler


def _chain_pick(chain: TokenSampler, logits: np.ndarray) -> int:
    token = chain._pick(logits, chain._chain)
    lib.llama_sampler_accept(chain._chain, token)
    return token


@pytest.mark.parametrize("penalty", [1.1, 1.0, 1.5])
def test_greedy_picks_what_the_chain_picks_as_its_history_grows(penalty):
    params = SamplingParams(temperature=0.0, repeat_penalty=penalty)
    chain, greedy = TokenSampler(None, params), GreedySampler(None, params)
    rng = np.random.default_rng(0)
    vocab = 512
    for step in range(300):
        # Few distinct values, positive and negative, so the penalty often decides the pick (and ties occur).
        logits = rng.integers(-4, 5, vocab).astype(np.float32) * np.float32(0.5)
        logits[rng.integers(0, vocab, 8)] = np.float32(2.0)
        if step % 2:  # every logit negative: the penalty multiplies instead of dividing
            logits -= np.float32(3.0)
        untouched = logits.copy()
        assert greedy.pick(logits) == _chain_pick(chain, logits.copy()), f"step {step}"
        assert np.array_equal(logits, untouched)  # llama.cpp's logits buffer is read, never written
    chain.close()


def test_the_penalty_counts_only_the_last_64_tokens():
    params = SamplingParams(temperature=0.0, repeat_penalty=2.0)
    greedy, chain = GreedySampler(None, params), TokenSampler(None, params)
    first = np.zeros(100, np.float32)
    first[7] = 1.0
    assert greedy.pick(first) == _chain_pick(chain, first.copy()) == 7
    for filler in range(64):  # token 7 leaves the window
        step = np.zeros(100, np.float32)
        step[10 + filler % 80] = 5.0
        assert greedy.pick(step) == _chain_pick(chain, step.copy())
    last = np.zeros(100, np.float32)
    last[7], last[8] = 1.0, 0.9
    assert greedy.pick(last) == _chain_pick(chain, last.copy()) == 7
    chain.close()


def test_sampled_and_grammar_requests_keep_llama_cpps_chain():
    assert isinstance(make_sampler(None, SamplingParams(temperature=0.0)), GreedySampler)
    sampled = make_sampler(None, SamplingParams(temperature=0.8, seed=1))
    assert isinstance(sampled, TokenSampler)
    sampled.close()
