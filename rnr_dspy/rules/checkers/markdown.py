"""Checkers on markdown decorations: a title, highlighted spans, blockquotes, or no markdown at all."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, plural
from rnr_dspy.rules.checkers.lexicon import between, one_of

__all__ = ["Blockquote", "Highlights", "NoMarkdown", "Title"]

_ANGLE_TITLE = re.compile(r"<<([^\n<>]*)>>")
_HEADING = re.compile(r"#[ \t]+\S")
# *span* or **span**, opening and closing against text (CommonMark flanking), on one line.
_HIGHLIGHT = re.compile(r"\*\*(?=[^\s*])[^\n*]*(?<=[^\s*])\*\*|\*(?=[^\s*])[^\n*]*(?<=[^\s*])\*")
_QUOTE_LINE = re.compile(r"^[ \t]*>[ \t]*\w", re.MULTILINE)
# What marks text up as markdown: headings, quotes, list markers and rules at a line start, emphasis, code, links,
# table rows.
_MARKUP = {
    "heading": re.compile(r"^[ \t]*#{1,6}[ \t]", re.MULTILINE),
    "blockquote": re.compile(r"^[ \t]*>", re.MULTILINE),
    "list marker": re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]", re.MULTILINE),
    "rule": re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE),
    "emphasis": re.compile(r"\*\*|__|\*(?=\S)[^\n*]*(?<=\S)\*|(?<!\w)_(?=\S)[^\n_]*(?<=\S)_(?!\w)"),
    "code": re.compile(r"`"),
    "link": re.compile(r"\]\("),
    "table row": re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.MULTILINE),
}


class Title(Checker):
    name: Literal["title"] = "title"
    lm_choice: ClassVar[int | None] = 20
    family: ClassVar[str | None] = "title"
    style: Literal["angle_brackets", "heading"] = "angle_brackets"
    draws: ClassVar[Draws] = {"style": one_of(["angle_brackets", "heading"])}
    wordings: ClassVar[Wordings] = {
        "terse": "Title required: {shape}.",
        "prohibitive": "Never leave an answer without a title: {shape}.",
        "third_person": "The assistant titles every answer: {shape}.",
    }

    def slots(self) -> dict[str, object]:
        shape = ('a level-1 markdown heading on the first line, like "# Title"' if self.style == "heading"
                 else "in double angular brackets, like <<A Weekend in Rome>>")
        return {**super().slots(), "shape": shape}

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
    lm_choice: ClassVar[int | None] = 21
    family: ClassVar[str | None] = "highlights"
    min_count: int = Field(ge=1, le=50)
    draws: ClassVar[Draws] = {"min_count": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "terse": "Highlights: at least {min_count}, in markdown asterisks (*like this*).",
        "prohibitive": "Never give an answer with fewer than {min_count} spans highlighted in markdown asterisks, "
            "e.g. *key point*.",
        "third_person": "The assistant highlights at least {min_count} part(s) of each answer with markdown "
            "asterisks, e.g. *highlighted section*.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(_HIGHLIGHT.findall(response))
        return cls(min_count=found) if found else None

    def describe(self) -> str:
        return (f"Highlight at least {self.min_count} part{'s' * (self.min_count != 1)} of every answer with "
                "markdown asterisks, e.g. *highlighted section*.")

    def evaluate(self, response: str) -> CheckResult:
        spans = _HIGHLIGHT.findall(response)
        return CheckResult(len(spans) >= self.min_count, f"{len(spans)} highlighted span(s); at least {self.min_count}")


class Blockquote(Checker):
    name: Literal["blockquote"] = "blockquote"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "blockquote"
    min_lines: int = Field(ge=1, le=20)
    draws: ClassVar[Draws] = {"min_lines": between(1, 2)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Quote something in every answer as a markdown blockquote: at least {lines} starting with "> ".',
        "terse": 'Blockquote: {lines} or more beginning with "> ".',
        "prohibitive": 'Never answer without a markdown blockquote of at least {lines} starting with "> ".',
        "third_person": 'The assistant includes a markdown blockquote, at least {lines} beginning "> ".',
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "lines": plural(self.min_lines, "line")}

    def evaluate(self, response: str) -> CheckResult:
        found = len(_QUOTE_LINE.findall(response))
        return CheckResult(found >= self.min_lines, f"{plural(found, 'blockquote line')}; at least {self.min_lines}")


class NoMarkdown(Checker):
    name: Literal["no_markdown"] = "no_markdown"
    family: ClassVar[str | None] = "markdown_ban"
    repair_order: ClassVar[int] = 26
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Write plain text with no markdown: no headings (#), no bold or italics (* or _), no backticks, "
            "no > quotes, no list markers, tables or links.",
        "terse": "Plain text only; no markdown syntax (#, *, _, `, >, list markers, tables, links).",
        "prohibitive": "Never use markdown: no #, no * or _ emphasis, no backticks, no > quote lines, no list "
            "markers, no tables, no [links](...).",
        "third_person": "The assistant writes unformatted plain text, without any markdown: headings, emphasis, "
            "code, quotes, lists, tables or links.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = [kind for kind, pattern in _MARKUP.items() if pattern.search(response)]
        return CheckResult(not found, f"markdown found: {', '.join(found)}" if found else "no markdown")

    def _repair(self, response: str) -> str | None:
        text = re.sub(r"^[ \t]*(?:#{1,6}|>|[-*+•]|\d+[.)])[ \t]+", "", response, flags=re.MULTILINE)
        text = _MARKUP["rule"].sub("", text)
        text = re.sub(r"\*\*|__|`", "", text)
        text = re.sub(r"\*(?=\S)([^\n*]*)(?<=\S)\*", r"\1", text)
        text = re.sub(r"(?<!\w)_(?=\S)([^\n_]*)(?<=\S)_(?!\w)", r"\1", text)
        return re.sub(r"\[([^\]\n]*)\]\(([^)\n]*)\)", r"\1 (\2)", text)
