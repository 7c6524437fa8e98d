"""Checkers on markdown decorations: a title, highlighted spans."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult

__all__ = ["Highlights", "Title"]

_ANGLE_TITLE = re.compile(r"<<([^\n<>]*)>>")
_HEADING = re.compile(r"#[ \t]+\S")
# *span* or **span**, opening and closing against text (CommonMark flanking), on one line.
_HIGHLIGHT = re.compile(r"\*\*(?=[^\s*])[^\n*]*(?<=[^\s*])\*\*|\*(?=[^\s*])[^\n*]*(?<=[^\s*])\*")


class Title(Checker):
    name: Literal["title"] = "title"
    style: Literal["angle_brackets", "heading"] = "angle_brackets"

    def describe(self) -> str:
        if self.style == "heading":
            return 'Start every answer with a title as a level-1 markdown heading on the first line, like "# Title".'
        return "Give every answer a title wrapped in double angular brackets, such as <<A Weekend in Rome>>."

    def evaluate(self, response: str) -> CheckResult:
        if self.style == "heading":
            first = response.strip().split("\n", 1)[0]
            ok = _HEADING.match(first) is not None
            return CheckResult(ok, f"first line is {first[:60]!r}")
        titles = [title.strip() for title in _ANGLE_TITLE.findall(response) if title.strip()]
        return CheckResult(bool(titles), f"title <<{titles[0]}>>" if titles else "no <<title>> found")


class Highlights(Checker):
    name: Literal["highlights"] = "highlights"
    min_count: int = Field(ge=1, le=50)

    def describe(self) -> str:
        return (f"Highlight at least {self.min_count} part{'s' * (self.min_count != 1)} of every answer with "
                "markdown asterisks, e.g. *highlighted section*.")

    def evaluate(self, response: str) -> CheckResult:
        spans = _HIGHLIGHT.findall(response)
        return CheckResult(len(spans) >= self.min_count, f"{len(spans)} highlighted span(s); at least {self.min_count}")
