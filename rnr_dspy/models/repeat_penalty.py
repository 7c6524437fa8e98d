"""llama.cpp's repeat penalty for transformers' `generate`: the logits of tokens among the last 64 generated are
divided by the penalty (multiplied where negative), the prompt left out.

transformers' own `repetition_penalty` counts the whole prompt too, which breaks answers that must repeat the
prompt's words; without any penalty a small model's greedy decoding falls into loops ("Dear [Name] Dear [Name]
..."). With this one, transformers decodes what llama.cpp decodes from the same weights.

Example:
    >>> model.generate(**inputs, logits_processor=[RecentRepeatPenalty(prompt_length=inputs["input_ids"].shape[1])])
    ... # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from rnr_dspy.models.sampling import PENALTY_LAST_N, REPEAT_PENALTY

__all__ = ["RecentRepeatPenalty"]


class RecentRepeatPenalty:
    """A transformers logits processor: `(input_ids, scores) -> scores` for a batch whose prompts end at
    `prompt_length` (left-padded)."""

    def __init__(self, prompt_length: int, penalty: float = REPEAT_PENALTY, last_n: int = PENALTY_LAST_N) -> None:
        self.prompt_length, self.penalty, self.last_n = prompt_length, penalty, last_n

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        recent = input_ids[:, self.prompt_length:][:, -self.last_n:]
        if recent.shape[1] == 0 or self.penalty == 1:
            return scores
        picked = scores.gather(1, recent)
        penalised = torch.where(picked <= 0, picked * self.penalty, picked / self.penalty)
        return scores.scatter(1, recent, penalised)
