"""A prompt that outgrows the LM's context window: recognized in the error a server answers, and foreseen from the
prompts already sent, so that compile stops with the setting to change instead of failing call after call."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from dspy.utils.exceptions import ContextWindowExceededError

from rnr_dspy.errors import ConfigError

__all__ = ["ADVICE", "ContextOverflowError", "check_fits", "estimate_prompt_tokens", "is_context_overflow",
           "overflow_error"]

# How servers word it: vLLM and OpenAI ("maximum context length"), llama.cpp ("exceeds the available context
# size"), llama-cpp-python ("exceed context window"), others ("prompt is too long", "too many tokens").
_OVERFLOW = re.compile(r"context (length|window|size)|prompt is too long|too many (input )?tokens", re.IGNORECASE)
_CHARS_PER_TOKEN = 4  # where a server reports no usage
ADVICE = ("keep fewer demos per prompt (max_demos, --max-demos) or a shorter reply (max_tokens, --max-tokens), or "
          "serve the model with a longer context (vLLM: --max-model-len; llama.cpp: --ctx-size) and set "
          "context_window (--context-window) to it")


class ContextOverflowError(ConfigError):
    """A prompt (with its demos and reply) does not fit the LM's context window."""


def is_context_overflow(error: BaseException) -> bool:
    """Whether `error` says that a prompt was longer than the model's context."""
    if isinstance(error, ContextWindowExceededError):
        return True
    return getattr(error, "status", None) in (400, 413) and bool(_OVERFLOW.search(str(error)))


def overflow_error(error: BaseException) -> ContextOverflowError:
    """The error to stop on: the server's words, then which settings to change."""
    said = " ".join(str(error).split())[:300]
    return ContextOverflowError(f"a prompt outgrew the LM's context window ({type(error).__name__}: {said}); "
                                f"{ADVICE}")


def estimate_prompt_tokens(history: list[dict[str, Any]], demos: int) -> int | None:
    """The largest prompt once each predictor carries `demos` demos, estimated from `history` (a DSPy LM's calls,
    without demos): per system prompt, its longest prompt plus `demos` times its longest user message and reply.
    None without calls to estimate from."""
    longest: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for entry in history:
        messages = entry.get("messages") or [{"role": "user", "content": entry.get("prompt") or ""}]
        chars = sum(len(_text(m)) for m in messages)
        tokens = (entry.get("usage") or {}).get("prompt_tokens")
        per_char = tokens / chars if tokens and chars else 1 / _CHARS_PER_TOKEN
        system = next((_text(m) for m in messages if m.get("role") == "system"), "")
        demo_chars = sum(len(_text(m)) for m in messages if m.get("role") == "user")
        demo_chars += max((len(str(out)) for out in entry.get("outputs") or []), default=0)
        sizes = longest[system]
        sizes[0] = max(sizes[0], chars * per_char)
        sizes[1] = max(sizes[1], demo_chars * per_char)
    if not longest:
        return None
    return round(max(prompt + demos * demo for prompt, demo in longest.values()))


def check_fits(history: list[dict[str, Any]], *, context_window: int | None, demos: int, max_tokens: int) -> None:
    """Raise `ContextOverflowError` before an optimizer spends calls when the estimated largest prompt with
    `demos` demos, plus a reply of `max_tokens`, exceeds `context_window` (None: unknown, nothing checked)."""
    if context_window is None:
        return
    prompt = estimate_prompt_tokens(history, demos)
    if prompt is not None and prompt + max_tokens > context_window:
        raise ContextOverflowError(
            f"the largest prompt with {demos} demo(s) per predictor would take about {prompt} tokens, plus "
            f"{max_tokens} for the reply: more than the context window of {context_window} tokens; {ADVICE}")


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else str(content or "")
