"""Checkers on the length of a response."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from rnr_dspy.evals.checkers.base import Checker, CheckResult, count_words

__all__ = ["MaxWords", "MinWords"]


class MaxWords(Checker):
    name: Literal["max_words"] = "max_words"
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Keep every answer under {self.limit + 1} words (at most {self.limit})."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words <= self.limit, f"{words} words; the limit is {self.limit}")


class MinWords(Checker):
    name: Literal["min_words"] = "min_words"
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Write at least {self.limit} words in every answer."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words >= self.limit, f"{words} words; the minimum is {self.limit}")
