"""Batched generation with transformers: many prompts per forward pass, left-padded, greedy by default, with
llama.cpp's repeat penalty (`rnr_dspy.models.repeat_penalty`) so it answers as the llama.cpp back end does.

Prompts are sorted by length before batching, so a batch pads little; answers come back in the input order.
A GGUF file is converted once to a Hugging Face directory (`rnr_dspy.models.convert`) and loaded from there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnr_dspy.errors import LMSpecError
from rnr_dspy.evals.solvers import Done
from rnr_dspy.evals.task import Generation, Sample
from rnr_dspy.models.repeat_penalty import RecentRepeatPenalty

__all__ = ["HFBatchGenerator"]


class HFBatchGenerator:
    def __init__(self, path: Path, *, batch_size: int = 8, max_tokens: int = 512, temperature: float = 0.0) -> None:
        self.batch_size = max(1, batch_size)
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.model_id = f"local/{path.name}"
        self.backend = f"transformers, batch {self.batch_size}"
        self.model, self.tokenizer = _load(path)
        self.precision = str(self.model.dtype).removeprefix("torch.")

    def generate(self, samples: Sequence[Sample], done: Done | None = None) -> list[Generation]:
        texts = [self._prompt(sample) for sample in samples]
        order = sorted(range(len(samples)), key=lambda i: len(texts[i]))
        results: list[Generation | None] = [None] * len(samples)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            finished = _Finished(done, start, self.tokenizer.eos_token_id) if done else None
            for index, generation in zip(chunk, self._batch([texts[i] for i in chunk], finished), strict=True):
                results[index] = generation
            if done:
                done(min(start + self.batch_size, len(order)))
        return [result for result in results if result is not None]

    def _prompt(self, sample: Sample) -> str:
        messages = ([{"role": "system", "content": sample.system}] if sample.system else []) + [
            {"role": "user", "content": sample.user}]
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def _batch(self, prompts: list[str], finished: _Finished | None = None) -> list[Generation]:
        import torch
        from transformers import LogitsProcessorList

        start = time.perf_counter()
        try:
            inputs = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
            sampling = self.temperature > 0
            # llama.cpp's repeat penalty: without it greedy decoding loops where llama.cpp's does not.
            length = inputs["input_ids"].shape[1]
            penalty = LogitsProcessorList([RecentRepeatPenalty(prompt_length=length)])
            stopping = [finished.after(length)] if finished else None
            with torch.no_grad():
                output = self.model.generate(
                    **inputs, max_new_tokens=self.max_tokens, do_sample=sampling,
                    temperature=self.temperature if sampling else None, top_p=None, top_k=None,
                    pad_token_id=self.tokenizer.pad_token_id, logits_processor=penalty, stopping_criteria=stopping,
                )
        except Exception as error:  # recorded per item: one failed batch must not end the run
            message = f"{type(error).__name__}: {error}"
            return [Generation(error=message, seconds=time.perf_counter() - start) for _ in prompts]
        seconds = (time.perf_counter() - start) / len(prompts)
        new_tokens = output[:, inputs["input_ids"].shape[1]:]
        return [self._decoded(row, seconds) for row in new_tokens]

    def _decoded(self, row: Any, seconds: float) -> Generation:
        tokens = row.tolist()
        special = {self.tokenizer.pad_token_id, self.tokenizer.eos_token_id}
        count = sum(1 for token in tokens if token not in special)
        # Cut off: the limit was reached without an end-of-sequence token.
        truncated = count >= self.max_tokens and self.tokenizer.eos_token_id not in tokens
        return Generation(text=self.tokenizer.decode(row, skip_special_tokens=True), seconds=seconds,
                          output_tokens=count, truncated=truncated)


class _Finished:
    """Reports the answers of a batch as they finish, and at least every `HEARTBEAT` seconds (a stopping criterion
    that never stops): a long batch is not silent until its last answer ends."""

    HEARTBEAT = 10.0

    def __init__(self, done: Done, before: int, eos_token_id: int) -> None:
        self.done, self.before, self.eos_token_id = done, before, eos_token_id
        self.prompt_length, self.reported, self.at = 0, 0, time.monotonic()

    def after(self, prompt_length: int) -> _Finished:
        self.prompt_length, self.reported, self.at = prompt_length, 0, time.monotonic()
        return self

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        count = int((input_ids[:, self.prompt_length:] == self.eos_token_id).any(dim=1).sum())
        if count != self.reported or time.monotonic() - self.at >= self.HEARTBEAT:
            self.reported, self.at = count, time.monotonic()
            self.done(self.before + count)
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


def _load(path: Path) -> tuple[Any, Any]:
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise LMSpecError("batched generation needs transformers and torch: pip install 'rnr-dspy[hf]'") from None
    try:
        if path.is_file() and path.suffix == ".gguf":
            from rnr_dspy.models.convert import hf_dir_from_gguf

            path = hf_dir_from_gguf(path)
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path).eval()
    except LMSpecError:
        raise
    except Exception as error:
        raise LMSpecError(f"model {str(path)!r} did not load: {type(error).__name__}: {error}") from error
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer
