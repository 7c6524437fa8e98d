"""A request for the batched llama.cpp engine, and the reply it builds token by token: text as llama-cpp-python's
`create_chat_completion` returns it (cut before the first stop string, special tokens rendered as nothing, bytes
that are not UTF-8 dropped), a finish reason and token counts."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

from rnr_dspy.models.sampling import SamplingParams

__all__ = ["Completion", "CompletionJob", "ReplyText"]


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: Literal["stop", "length"]
    prompt_tokens: int
    tokens: tuple[int, ...]  # the reply's tokens, through the one that completed a stop string

    @property
    def completion_tokens(self) -> int:
        return len(self.tokens)


@dataclass
class CompletionJob:
    """One chat request; its `future` gets the `Completion` or the error, and cancelling it stops the request."""

    messages: list[dict[str, str]]
    max_tokens: int = 512
    stop: tuple[str, ...] = ()
    sampling: SamplingParams = field(default_factory=SamplingParams)
    future: Future[Completion] = field(default_factory=Future)


class ReplyText:
    """The reply's bytes so far, watched for stop strings as each token's bytes arrive."""

    def __init__(self, stop: tuple[str, ...]) -> None:
        self._stops = tuple(s.encode("utf-8") for s in stop if s)
        self._longest = max((len(s) for s in self._stops), default=0)
        self._bytes = bytearray()
        self.stopped = False

    def add(self, piece: bytes) -> bool:
        """Append a token's bytes; True once a stop string appeared (the text then ends before it)."""
        start = max(0, len(self._bytes) - self._longest + 1)
        self._bytes += piece
        found = [at for at in (self._bytes.find(stop, start) for stop in self._stops) if at >= 0]
        if found:
            del self._bytes[min(found):]
            self.stopped = True
        return self.stopped

    def text(self) -> str:
        return self._bytes.decode("utf-8", errors="ignore")
