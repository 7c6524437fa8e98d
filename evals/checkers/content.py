"""Checkers on the words a response contains."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from rnr_dspy.evals.checkers.base import Checker, CheckResult

__all__ = ["ForbiddenWords", "IncludeKeywords"]

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _contains_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


class IncludeKeywords(Checker):
    name: Literal["include_keywords"] = "include_keywords"
    keywords: list[Word] = Field(min_length=1, max_length=10)
    kind: ClassVar[str] = "content"

    def describe(self) -> str:
        return "Mention each of these words in every answer: " + ", ".join(f'"{k}"' for k in self.keywords) + "."

    def evaluate(self, response: str) -> CheckResult:
        missing = [k for k in self.keywords if not _contains_word(response, k)]
        return CheckResult(not missing, f"missing: {missing}" if missing else "all keywords present")


class ForbiddenWords(Checker):
    name: Literal["forbidden_words"] = "forbidden_words"
    words: list[Word] = Field(min_length=1, max_length=10)
    kind: ClassVar[str] = "content"

    def describe(self) -> str:
        return "Never use these words: " + ", ".join(f'"{w}"' for w in self.words) + "."

    def evaluate(self, response: str) -> CheckResult:
        used = [w for w in self.words if _contains_word(response, w)]
        return CheckResult(not used, f"used: {used}" if used else "no forbidden word used")
