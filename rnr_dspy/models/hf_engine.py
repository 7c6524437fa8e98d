"""An in-process DSPy engine over a Hugging Face model directory (`local:PATH`), e.g. a model `rnr-dspy train`
wrote. It decodes without constraints, with llama.cpp's repeat penalty (`rnr_dspy.models.repeat_penalty`): use
it for the model under test answering under a real system prompt, or with a strong model; structured stages on a
weak model belong on the llama.cpp engine."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

from dspy.lm15 import Message, Request, Response, Usage

from rnr_dspy.models.engine import InProcessEngine
from rnr_dspy.models.repeat_penalty import RecentRepeatPenalty

__all__ = ["TransformersEngine"]


class TransformersEngine(InProcessEngine):
    supported_params = frozenset({"temperature", "max_tokens", "top_p", "stop", "seed"})

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = Path(model_dir)
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def _model(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            model = AutoModelForCausalLM.from_pretrained(self.model_dir).eval()
            self._loaded = (model, tokenizer)
        return self._loaded

    def complete(self, request: Request) -> Response:
        import torch
        from transformers import LogitsProcessorList

        messages = self.chat_messages(request)
        config = request.config
        with self._lock:
            model, tokenizer = self._model()
            inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                   return_dict=True)
            sampling = bool(config.temperature)
            if config.seed is not None:
                torch.manual_seed(config.seed)
            with torch.no_grad():
                output = model.generate(
                    **inputs, max_new_tokens=config.max_tokens or 512, do_sample=sampling,
                    temperature=config.temperature if sampling else None, top_p=config.top_p if sampling else None,
                    stop_strings=list(config.stop) or None, tokenizer=tokenizer,
                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                    use_cache=True,  # a dir saved mid-training may say otherwise; without it decoding crawls
                    logits_processor=LogitsProcessorList([RecentRepeatPenalty(inputs["input_ids"].shape[1])]),
                )
        prompt_length = inputs["input_ids"].shape[1]
        new_tokens = output[0][prompt_length:]
        text = tokenizer.decode(new_tokens, skip_special_tokens=True)
        finished = bool(len(new_tokens)) and int(new_tokens[-1]) == tokenizer.eos_token_id
        return Response(
            id=f"rnr-{uuid.uuid4().hex}", model=request.model, message=Message.assistant(text),
            finish_reason="stop" if finished or len(new_tokens) < (config.max_tokens or 512) else "length",
            usage=Usage(input_tokens=prompt_length, output_tokens=len(new_tokens)),
        )

    def close(self) -> None:
        with self._lock:
            self._loaded = None
