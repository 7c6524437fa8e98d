"""Checkers on the layout of a response: lists, paragraphs, sections, JSON."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Marker, SampleContext, Word, split_sentences
from rnr_dspy.rules.checkers.style import BULLET

__all__ = ["BulletCount", "JsonResponse", "NumberedList", "Paragraphs", "Sections"]

_NUMBERED = re.compile(r"^[ \t]*\d+[.)][ \t]+\S", re.MULTILINE)
_DIVIDER = re.compile(r"^[ \t]*\*\*\*[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"```[ \t]*(?:json)?[ \t]*\n?(.*?)\n?[ \t]*```", re.DOTALL | re.IGNORECASE)


def _in_parts(response: str, parts: int) -> list[str] | None:
    """The response's sentences in `parts` consecutive runs of near-equal size, or None with too few sentences."""
    sentences = split_sentences(response)
    if len(sentences) < parts:
        return None
    size, extra = divmod(len(sentences), parts)
    bounds = [index * size + min(index, extra) for index in range(parts + 1)]
    return [" ".join(sentences[bounds[i] : bounds[i + 1]]) for i in range(parts)]


class NumberedList(Checker):
    name: Literal["numbered_list"] = "numbered_list"
    family: ClassVar[str | None] = 'layout'
    repair_order: ClassVar[int] = 21
    min_items: int = Field(default=2, ge=1, le=50)

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(min_items=context.rng.choice([2, 3]))

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(min_items=2)

    def describe(self) -> str:
        return (f"Format your answer as a numbered list of at least {self.min_items} items, "
                'each line starting with its number and a period ("1. ", "2. ").')

    def evaluate(self, response: str) -> CheckResult:
        items = len(_NUMBERED.findall(response))
        return CheckResult(items >= self.min_items, f"{items} numbered item(s); at least {self.min_items} required")

    def enforce(self, response: str) -> str | None:
        sentences = split_sentences(response)
        if len(sentences) < self.min_items:
            return None
        return "\n".join(f"{number}. {sentence}" for number, sentence in enumerate(sentences, start=1))


class BulletCount(Checker):
    name: Literal["bullet_count"] = "bullet_count"
    repair_order: ClassVar[int] = 22
    count: int = Field(ge=1, le=50)
    exclusive: ClassVar[bool] = True

    def describe(self) -> str:
        return f'Include a bulleted list of exactly {self.count} items, each line starting with "- "; no other bullets.'

    def evaluate(self, response: str) -> CheckResult:
        items = len(BULLET.findall(response))
        return CheckResult(items == self.count, f"{items} bullet item(s); exactly {self.count} required")

    def enforce(self, response: str) -> str | None:
        parts = _in_parts(response, self.count)
        return "\n".join(f"- {part}" for part in parts) if parts else None


class Paragraphs(Checker):
    name: Literal["paragraphs"] = "paragraphs"
    repair_order: ClassVar[int] = 23
    count: int = Field(ge=1, le=50)
    exclusive: ClassVar[bool] = True

    def describe(self) -> str:
        return (f"Write exactly {self.count} paragraph{'s' * (self.count != 1)}, separated from each other "
                "by a line containing only the markdown divider ***.")

    def evaluate(self, response: str) -> CheckResult:
        parts = [part.strip() for part in _DIVIDER.split(response)]
        while parts and not parts[0]:
            parts.pop(0)
        while parts and not parts[-1]:
            parts.pop()
        if "" in parts:
            return CheckResult(False, "an empty paragraph between two *** dividers")
        return CheckResult(len(parts) == self.count, f"{len(parts)} paragraph(s); exactly {self.count} required")

    def enforce(self, response: str) -> str | None:
        parts = _in_parts(response, self.count)
        return "\n\n***\n\n".join(parts) if parts else None


class Sections(Checker):
    name: Literal["sections"] = "sections"
    marker: Marker = "SECTION"
    min_count: int = Field(ge=1, le=50)

    def describe(self) -> str:
        return (f"Divide every answer into at least {self.min_count} sections, each starting on a new line with "
                f'"{self.marker} X" where X is its number ({self.marker} 1, {self.marker} 2, ...).')

    def evaluate(self, response: str) -> CheckResult:
        header = re.compile(rf"^[ \t#*_>]*{re.escape(self.marker)}[ \t]*(\d+)", re.MULTILINE)
        numbers = header.findall(response)
        found = f"{len(numbers)} {self.marker} header(s) " + (f"numbered {', '.join(numbers)}" if numbers else "")
        return CheckResult(len(numbers) >= self.min_count, f"{found.strip()}; at least {self.min_count} required")


class JsonResponse(Checker):
    name: Literal["json_response"] = "json_response"
    required_keys: list[Word] = Field(default_factory=list, max_length=10)

    def describe(self) -> str:
        keys = ", ".join(f'"{key}"' for key in self.required_keys)
        shape = f"a JSON object with the top-level keys {keys}" if keys else "valid JSON"
        return f"Reply with {shape} only, no text outside it (a ```json code fence is allowed)."

    def evaluate(self, response: str) -> CheckResult:
        text = response.strip()
        fenced = _FENCE.fullmatch(text)
        try:
            value: Any = json.loads(fenced.group(1) if fenced else text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as error:
            return CheckResult(False, f"not valid JSON: {str(error)[:80]}")
        if not self.required_keys:
            return CheckResult(True, f"valid JSON ({type(value).__name__})")
        if not isinstance(value, dict):
            return CheckResult(False, f"valid JSON but a {type(value).__name__}, not an object")
        missing = [key for key in self.required_keys if key not in value]
        return CheckResult(not missing, f"missing keys: {missing}" if missing else "all required keys present")


def _reject_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")
