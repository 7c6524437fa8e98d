"""One request's token sampler: the chain `Llama.create_chat_completion` builds (repeat penalty over the last 64
tokens; greedy at temperature 0, else top-k 40, top-p, min-p 0.05, temperature and a seeded draw), plus the request's
grammar.

The grammar is checked, not applied, first: the chain picks a token from the raw logits and the grammar only
confirms it; when it refuses, the grammar masks the logits and the chain picks again (llama.cpp's own sampler
does the same). A full grammar pass over the 49k-token vocabulary costs more than a decode step, and the check
rarely refuses. At temperature 0 the pick is the one a masked argmax gives.
"""

from __future__ import annotations

import ctypes
import random
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from dspy.lm15 import InvalidRequestError

__all__ = ["PENALTY_LAST_N", "REPEAT_PENALTY", "GrammarError", "GreedySampler", "SamplingParams", "TokenSampler",
           "make_sampler"]

PENALTY_LAST_N = 64
# The repeat penalty every local back end applies by default: small models loop without it.
REPEAT_PENALTY = 1.1
TOP_K = 40
MIN_P = 0.05

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


class GrammarError(InvalidRequestError):
    """llama.cpp rejected a request's grammar, or the grammar admits no next token."""


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    repeat_penalty: float = REPEAT_PENALTY
    grammar: str | None = None


class TokenSampler:
    def __init__(self, native: Any, params: SamplingParams) -> None:
        from llama_cpp import llama_cpp as lib

        self._lib, self._native = lib, native
        self._grammar = None
        if params.grammar is not None:
            self._grammar = lib.llama_sampler_init_grammar(native.vocab, params.grammar.encode("utf-8"), b"root")
            if not self._grammar:
                raise GrammarError(f"llama.cpp could not parse the grammar: {params.grammar[:200]!r}")
        self._chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        self._add(lib.llama_sampler_init_penalties(PENALTY_LAST_N, params.repeat_penalty, 0.0, 0.0))
        if params.temperature <= 0:
            self._add(lib.llama_sampler_init_greedy())
        else:
            seed = params.seed if params.seed is not None else random.randrange(2**32)
            for sampler in (lib.llama_sampler_init_top_k(TOP_K), lib.llama_sampler_init_top_p(params.top_p, 1),
                            lib.llama_sampler_init_min_p(MIN_P, 1), lib.llama_sampler_init_temp(params.temperature),
                            lib.llama_sampler_init_dist(seed)):
                self._add(sampler)
        self._candidates: np.ndarray[Any, Any] | None = None
        self._ids: np.ndarray[Any, Any] | None = None

    def _add(self, sampler: Any) -> None:
        self._lib.llama_sampler_chain_add(self._chain, sampler)

    def sample(self, index: int) -> int:
        """The next token from the logits at batch position `index`, recorded in the sampler's history."""
        if self._grammar is None:
            return int(self._lib.llama_sampler_sample(self._chain, self._native.ctx, index))
        logits = self._native.logits(index)
        token = self._pick(logits, self._chain)
        if not self._allows(token, float(logits[token])):
            token = self._pick(logits, self._grammar, self._chain)
        self._lib.llama_sampler_accept(self._chain, token)
        if not self._native.is_end(token):
            self._lib.llama_sampler_accept(self._grammar, token)
        return token

    def _pick(self, logits: np.ndarray[Any, Any], *samplers: Any) -> int:
        if self._candidates is None:
            self._candidates = np.zeros(len(logits), _TOKEN_DATA)
            self._ids = np.arange(len(logits), dtype=np.int32)
        candidates = self._candidates
        candidates["id"] = self._ids  # samplers sort the array in place
        candidates["logit"] = logits
        candidates["p"] = 0.0
        array = self._token_array(candidates, len(logits))
        for sampler in samplers:
            self._lib.llama_sampler_apply(sampler, ctypes.byref(array))
        if array.selected < 0 or not np.isfinite(candidates["logit"][array.selected]):
            raise GrammarError("the grammar admits no next token")
        return int(candidates["id"][array.selected])

    def _allows(self, token: int, logit: float) -> bool:
        single = np.array([(token, logit, 0.0)], _TOKEN_DATA)
        self._lib.llama_sampler_apply(self._grammar, ctypes.byref(self._token_array(single, 1)))
        return bool(np.isfinite(single["logit"][0]))

    def _token_array(self, candidates: np.ndarray[Any, Any], size: int) -> Any:
        pointer = candidates.ctypes.data_as(ctypes.POINTER(self._lib.llama_token_data))
        return self._lib.llama_token_data_array(data=pointer, size=size, selected=-1, sorted=False)

    def close(self) -> None:
        for sampler in (self._chain, self._grammar):
            if sampler:
                self._lib.llama_sampler_free(sampler)
        self._chain = self._grammar = None


class GreedySampler:
    """The greedy chain without a grammar (repeat penalty over the last 64 tokens, then the highest logit) in numpy.

    It picks what llama.cpp's chain picks, for a fraction of the cost: the chain builds and scans a candidate entry
    for each of the 49k tokens on the decoding thread, one sequence at a time, while the cores that decode wait.
    """

    def __init__(self, native: Any, params: SamplingParams) -> None:
        self._native = native
        self._penalty = np.float32(params.repeat_penalty)
        self._recent: deque[int] = deque(maxlen=PENALTY_LAST_N)

    def sample(self, index: int) -> int:
        return self.pick(self._native.logits(index))

    def pick(self, logits: np.ndarray[Any, Any]) -> int:
        """The token greedy decoding takes from `logits`, recorded in the penalty's history."""
        if self._recent and self._penalty != 1:
            seen = np.unique(np.fromiter(self._recent, np.int32, len(self._recent)))
            logits = logits.copy()  # a view of llama.cpp's buffer
            values = logits[seen]
            logits[seen] = np.where(values <= 0, values * self._penalty, values / self._penalty)
        token = int(np.argmax(logits))
        self._recent.append(token)
        return token

    def close(self) -> None:
        pass


def make_sampler(native: Any, params: SamplingParams) -> TokenSampler | GreedySampler:
    """The sampler of a request: the numpy greedy pick where it applies, else llama.cpp's chain."""
    if params.temperature <= 0 and params.grammar is None:
        return GreedySampler(native, params)
    return TokenSampler(native, params)
