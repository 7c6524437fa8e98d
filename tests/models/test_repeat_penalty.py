"""transformers' greedy decoding with `RecentRepeatPenalty` picks what llama.cpp's greedy chain picks from the same
logits: the repeat penalty over the last 64 generated tokens, the prompt left out."""

import numpy as np
import torch

from rnr_dspy.models.repeat_penalty import RecentRepeatPenalty
from rnr_dspy.models.sampling import GreedySampler, SamplingParams


def test_the_penalised_pick_is_llama_cpps_at_every_step():
    rng = np.random.default_rng(0)
    vocabulary, prompt = 12, [3, 3, 5, 7]  # few tokens and close logits: the penalty decides most steps
    llama = GreedySampler(native=None, params=SamplingParams())
    penalty = RecentRepeatPenalty(prompt_length=len(prompt))
    ids = list(prompt)
    for _ in range(150):
        logits = rng.normal(0, 0.05, vocabulary).astype(np.float32) + np.linspace(0.5, 1, vocabulary, dtype=np.float32)
        expected = llama.pick(logits)
        scores = penalty(torch.tensor([ids]), torch.tensor(logits)[None, :])
        assert int(scores.argmax()) == expected
        ids.append(expected)
    assert len(set(ids[len(prompt):])) > 3  # the penalty moved the pick off the top logit


def test_without_generated_tokens_or_with_no_penalty_the_scores_are_unchanged():
    scores = torch.tensor([[0.5, -0.5, 2.0]])
    assert torch.equal(RecentRepeatPenalty(prompt_length=2)(torch.tensor([[1, 2]]), scores), scores)
    assert torch.equal(RecentRepeatPenalty(prompt_length=1, penalty=1.0)(torch.tensor([[1, 2]]), scores), scores)
