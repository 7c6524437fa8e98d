"""Chat messages to prompt tokens, exactly as llama-cpp-python's `Llama.create_chat_completion` renders them for the
same GGUF: the file's own chat template (Jinja, with its bos/eos texts), or llama-cpp-python's hand-written format
when the template is one it recognises, or its fallback (llama-2) when the file has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ChatPrompt", "RenderedPrompt"]


class _Vocabulary(Protocol):
    def metadata(self, key: str) -> str | None: ...
    def special_tokens(self) -> tuple[int, int]: ...
    def token_text(self, token: int) -> str: ...
    def tokenize(self, text: str, *, add_bos: bool) -> list[int]: ...


@dataclass(frozen=True)
class RenderedPrompt:
    tokens: list[int]
    stop: tuple[str, ...]  # what the format adds to the caller's stop strings (the eos text)


class ChatPrompt:
    def __init__(self, vocabulary: _Vocabulary) -> None:
        from llama_cpp import llama_chat_format as formats

        self._vocabulary = vocabulary
        template = vocabulary.metadata("tokenizer.chat_template")
        name = formats.guess_chat_format_from_gguf_metadata({"tokenizer.chat_template": template}) \
            if template is not None else "llama-2"
        if name is None:
            bos, eos = vocabulary.special_tokens()
            self._formatter: Any = formats.Jinja2ChatFormatter(
                template=template or "", eos_token=vocabulary.token_text(eos), bos_token=vocabulary.token_text(bos),
                stop_token_ids=[eos])
        else:
            self._formatter = {"chatml": formats.format_chatml, "mistral-instruct": formats.format_mistral_instruct,
                               "llama-3": formats.format_llama3, "llama-2": formats.format_llama2}[name]

    def render(self, messages: list[dict[str, str]]) -> RenderedPrompt:
        result = self._formatter(messages=messages)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        tokens = self._vocabulary.tokenize(result.prompt, add_bos=not result.added_special)
        return RenderedPrompt(tokens=tokens, stop=tuple(stop))
