"""Checkers on letter case: all capitals, and how often words are written in capitals."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Relation, compare

__all__ = ["AllUppercase", "CapitalWords", "capital_words"]

_LETTER_RUN = re.compile(r"[^\W\d_]+")


def capital_words(text: str) -> list[str]:
    """Runs of two or more letters, all capitals: "NASA's" holds one (NASA), "I" and "A" hold none."""
    return [word for word in _LETTER_RUN.findall(text) if len(word) > 1 and word.isupper()]


class AllUppercase(Checker):
    name: Literal["all_uppercase"] = "all_uppercase"
    repair_order: ClassVar[int] = 33
    kind: ClassVar[str] = "style"

    def describe(self) -> str:
        return "Write your entire answer in capital letters only; no lowercase letters at all."

    def evaluate(self, response: str) -> CheckResult:
        lower = sum(1 for char in response if char.islower())
        upper = sum(1 for char in response if char.isupper())
        return CheckResult(lower == 0 and upper > 0, f"{lower} lowercase and {upper} uppercase letter(s)")

    def enforce(self, response: str) -> str | None:
        return response.upper() if response.strip() else None


class CapitalWords(Checker):
    name: Literal["capital_words"] = "capital_words"
    relation: Relation
    count: int = Field(ge=0, le=1000)
    kind: ClassVar[str] = "style"

    def trivial(self) -> bool:
        return self.relation == "at_least" and self.count == 0

    def describe(self) -> str:
        relation = self.relation.replace("_", " ")
        return (f"Use {relation} {self.count} words written entirely in capital letters (like URGENT) "
                "in every answer; single letters such as I do not count.")

    def evaluate(self, response: str) -> CheckResult:
        words = capital_words(response)
        shown = ", ".join(words[:5]) + (", …" if len(words) > 5 else "")
        reason = f"{len(words)} all-capital word(s){f' ({shown})' if words else ''}; {self.relation} {self.count}"
        return CheckResult(compare(len(words), self.relation, self.count), reason.replace("_", " "))
