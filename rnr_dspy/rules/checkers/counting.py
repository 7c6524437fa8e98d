"""Checkers that count lines and blank-line paragraphs, and limit the width of every line."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, plural
from rnr_dspy.rules.checkers.lexicon import between
from rnr_dspy.rules.checkers.lists import in_parts
from rnr_dspy.rules.checkers.text import blocks, lines

__all__ = ["MaxLineCharacters", "MaxLines", "MaxParagraphs", "MinParagraphs"]


class MaxLines(Checker):
    name: Literal["max_lines"] = "max_lines"
    family: ClassVar[str | None] = "lines"
    limit: int = Field(ge=1, le=500)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(4, 12)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Keep every answer to at most {lines}; blank lines do not count.",
        "terse": "Line limit: {limit} non-blank lines.",
        "prohibitive": "Never write more than {lines} of text in one answer (blank lines aside).",
        "third_person": "The assistant's answers fill {limit} non-blank lines or fewer.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "lines": plural(self.limit, "line")}

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"lines": (0, self.limit)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(lines(response))
        return cls(limit=found) if found >= 2 else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(lines(response))
        return CheckResult(found <= self.limit, f"{plural(found, 'non-blank line')}; the limit is {self.limit}")


class MaxLineCharacters(Checker):
    name: Literal["max_line_characters"] = "max_line_characters"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "line_width"
    repair_order: ClassVar[int] = 70
    limit: int = Field(ge=20, le=1000)
    kind: ClassVar[str] = "length"
    local: ClassVar[bool] = True
    draws: ClassVar[Draws] = {"limit": between(50, 100, 10)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Break your lines so that no line is longer than {limit} characters.",
        "terse": "Line width: {limit} characters at most.",
        "prohibitive": "Never let a single line run past {limit} characters; break it.",
        "third_person": "The assistant wraps its text so every line holds {limit} characters or fewer.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        longest = max((len(line) for line in response.splitlines()), default=0)
        return cls(limit=(longest // 10 + 1) * 10) if 20 <= longest < 1000 else None

    def evaluate(self, response: str) -> CheckResult:
        longest = max((len(line.rstrip()) for line in response.splitlines()), default=0)
        return CheckResult(longest <= self.limit, f"longest line {longest} characters; the limit is {self.limit}")

    def _repair(self, response: str) -> str | None:
        wrapped = []
        for line in response.splitlines():
            if len(line.rstrip()) <= self.limit:
                wrapped.append(line.rstrip())
                continue
            indent = line[: len(line) - len(line.lstrip())]
            wrapped += textwrap.wrap(line.strip(), width=self.limit, initial_indent=indent, subsequent_indent=indent,
                                     break_long_words=False, break_on_hyphens=False)
        return "\n".join(wrapped)


class MaxParagraphs(Checker):
    name: Literal["max_paragraphs"] = "max_paragraphs"
    family: ClassVar[str | None] = "paragraphs"
    repair_order: ClassVar[int] = 23
    limit: int = Field(ge=1, le=50)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Write at most {paragraphs}, separated by blank lines.",
        "terse": "Paragraphs (blank-line separated): {limit} at most.",
        "prohibitive": "Never write more than {paragraphs}; a blank line starts a new one.",
        "third_person": "The assistant keeps every answer to {limit} blank-line-separated paragraph(s) or fewer.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "paragraphs": plural(self.limit, "paragraph")}

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"paragraphs": (0, self.limit)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(blocks(response))
        return cls(limit=found) if found else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(blocks(response))
        return CheckResult(found <= self.limit, f"{plural(found, 'paragraph')}; the limit is {self.limit}")

    def _repair(self, response: str) -> str | None:
        parts = blocks(response)
        return "\n\n".join([*parts[: self.limit - 1], "\n".join(parts[self.limit - 1 :])]) if parts else None


class MinParagraphs(Checker):
    name: Literal["min_paragraphs"] = "min_paragraphs"
    family: ClassVar[str | None] = "paragraphs"
    repair_order: ClassVar[int] = 23
    count: int = Field(ge=2, le=50)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"count": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Write at least {paragraphs}, separated by blank lines.",
        "terse": "Paragraphs: {count} or more, a blank line between each two.",
        "prohibitive": "Never answer in fewer than {paragraphs}; separate them with blank lines.",
        "third_person": "The assistant writes {count} or more paragraphs per answer, with blank lines between them.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "paragraphs": plural(self.count, "paragraph")}

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"paragraphs": (self.count, None), "sentences": (self.count, None), "lines": (self.count, None)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(blocks(response))
        return cls(count=found) if found >= 2 else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(blocks(response))
        return CheckResult(found >= self.count, f"{plural(found, 'paragraph')}; at least {self.count}")

    def _repair(self, response: str) -> str | None:
        parts = in_parts(response, self.count)
        return "\n\n".join(parts) if parts else None
