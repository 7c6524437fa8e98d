"""An in-process DSPy engine over llama.cpp: the embedded default LM and any local `.gguf` model.

It follows DSPy 3.4's engine contract (`complete(Request) -> Response`), is safe to share between threads
(one lock serialises calls into the model), fills token usage, and constrains decoding to the output format
the request asks for (see `rnr_dspy.grammar`), so a small model's structured replies parse.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dspy.lm15 import Message, Request, Response, Usage, response_to_events

from rnr_dspy.grammar import grammar_for

__all__ = ["AsyncLlamaCppEngine", "InProcessEngine", "LlamaCppEngine"]

_CACHED_SYSTEM_CHARS = 500


class InProcessEngine:
    """What the in-process engines share: the request as chat messages, a stream made from the one reply, and
    sharing on deep copy (DSPy deep-copies programs and their LMs while optimizing; a loaded model is a shared,
    lock-protected resource)."""

    def complete(self, request: Request) -> Response:
        raise NotImplementedError

    def stream(self, request: Request) -> Iterator[Any]:
        yield from response_to_events(self.complete(request))

    def __deepcopy__(self, memo: dict[int, Any]) -> InProcessEngine:
        return self

    @staticmethod
    def chat_messages(request: Request) -> list[dict[str, str]]:
        system = [{"role": "system", "content": request.system}] if request.system else []
        return system + [{"role": message.role, "content": message.text} for message in request.messages]


class LlamaCppEngine(InProcessEngine):
    """Run a GGUF model with llama-cpp-python.

    Args:
        model_path: the `.gguf` file.
        n_ctx: context window in tokens.
        n_threads: CPU threads for llama.cpp (default: every core; llama-cpp-python's own default is half).
        repeat_penalty: llama.cpp's penalty over the last 64 tokens; small models loop without it.
        prompt_cache_bytes: RAM for saved model states, so a call reuses the prefix it shares with an earlier one
            (each stage's long system message); 0 turns it off.
    """

    supports_response_schema = True
    supported_params = frozenset({"temperature", "max_tokens", "top_p", "stop", "seed", "response_format"})

    def __init__(self, model_path: str | Path, *, n_ctx: int = 8192, n_threads: int | None = None,
                 repeat_penalty: float = 1.1, prompt_cache_bytes: int = 2 << 30) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.repeat_penalty = repeat_penalty
        self.prompt_cache_bytes = prompt_cache_bytes
        self._lock = threading.Lock()
        self._llama: Any = None
        self._prompt_cache: Any = None

    def _model(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama, LlamaRAMCache

            self._llama = Llama(model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                                verbose=False)
            if self.prompt_cache_bytes:
                self._prompt_cache = LlamaRAMCache(capacity_bytes=self.prompt_cache_bytes)
        return self._llama

    def complete(self, request: Request) -> Response:
        messages = self.chat_messages(request)
        config = request.config
        kwargs: dict[str, Any] = {
            "max_tokens": config.max_tokens or 512,
            "temperature": 0.0 if config.temperature is None else config.temperature,
            "top_p": 1.0 if config.top_p is None else config.top_p,
            "stop": list(config.stop) or None,
            "repeat_penalty": self.repeat_penalty,
        }
        if config.seed is not None:
            kwargs["seed"] = config.seed
        grammar = grammar_for(request)
        with self._lock:
            model = self._model()
            # Saving a state after every call costs a little; it pays back only for long, reused system messages.
            model.cache = self._prompt_cache if len(request.system or "") >= _CACHED_SYSTEM_CHARS else None
            if grammar is not None:
                from llama_cpp import LlamaGrammar

                kwargs["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
            result = model.create_chat_completion(messages=messages, **kwargs)
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        return Response(
            id=result.get("id") or f"rnr-{uuid.uuid4().hex}",
            model=request.model,
            message=Message.assistant(choice["message"]["content"] or ""),
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            usage=Usage(input_tokens=usage.get("prompt_tokens", 0), output_tokens=usage.get("completion_tokens", 0)),
        )

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    def dump_state(self) -> dict[str, Any]:
        return {"model_path": str(self.model_path), "n_ctx": self.n_ctx, "repeat_penalty": self.repeat_penalty,
                "prompt_cache_bytes": self.prompt_cache_bytes}

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> LlamaCppEngine:
        return cls(**state)


class AsyncLlamaCppEngine:
    """The async face of a `LlamaCppEngine` (for `acall` and streaming); calls run in a worker thread."""

    def __init__(self, engine: LlamaCppEngine) -> None:
        self.engine = engine

    async def complete(self, request: Request) -> Response:
        return await asyncio.to_thread(self.engine.complete, request)

    async def stream(self, request: Request) -> Any:
        for event in response_to_events(await self.complete(request)):
            yield event

    async def aclose(self) -> None:
        await asyncio.to_thread(self.engine.close)

    def __deepcopy__(self, memo: dict[int, Any]) -> AsyncLlamaCppEngine:
        return self
