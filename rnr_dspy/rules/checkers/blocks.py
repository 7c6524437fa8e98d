"""Checkers on structures inside a response: a markdown table, "Field: value" lines, a fenced code block."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Word, Wordings, plural
from rnr_dspy.rules.checkers.lexicon import between, field_names, one_of

__all__ = ["CodeBlock", "LabeledFields", "MarkdownTable"]

_CODE = re.compile(r"^[ \t]*```[ \t]*([\w+#.-]*)[ \t]*\n(.*?)\n[ \t]*```[ \t]*$", re.DOTALL | re.MULTILINE)
_SEPARATOR = re.compile(r"^\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?$")
CodeLanguage = Literal["python", "bash", "json", "yaml", "sql", "javascript", "html", "text"]


class MarkdownTable(Checker):
    name: Literal["markdown_table"] = "markdown_table"
    family: ClassVar[str | None] = "table"
    columns: int = Field(ge=2, le=10)
    min_rows: int = Field(ge=1, le=50)
    draws: ClassVar[Draws] = {"columns": between(2, 4), "min_rows": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Include a markdown table with {columns} columns: a header row, a separator row like |---|---| "
            "and at least {rows}.",
        "terse": "Markdown table: {columns} columns, header, |---| separator, {rows} or more.",
        "prohibitive": "Never answer without a markdown table of {columns} columns (header row, |---| separator row, "
            "then at least {rows}).",
        "third_person": "The assistant includes a {columns}-column markdown table: header, |---| separator and at "
            "least {rows}.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "rows": plural(self.min_rows, "data row")}

    def required_text(self) -> list[str]:
        return ["|"]

    @staticmethod
    def _cells(line: str) -> int:
        return len(line.strip().strip("|").split("|"))

    def _tables(self, response: str) -> list[tuple[int, int]]:
        """(columns, data rows) of every table: a |-row, a separator row, then |-rows."""
        lines = [line.strip() for line in response.splitlines()]
        found, index = [], 0
        while index + 1 < len(lines):
            if lines[index].startswith("|") and _SEPARATOR.fullmatch(lines[index + 1]):
                width = self._cells(lines[index])
                end = index + 2
                while end < len(lines) and lines[end].startswith("|") and self._cells(lines[end]) == width:
                    end += 1
                found.append((width, end - index - 2))
                index = end
            else:
                index += 1
        return found

    def evaluate(self, response: str) -> CheckResult:
        tables = self._tables(response)
        ok = any(width == self.columns and rows >= self.min_rows for width, rows in tables)
        shown = ", ".join(f"{width} columns x {rows} rows" for width, rows in tables) or "no markdown table"
        return CheckResult(ok, f"{shown}; {self.columns} columns and at least {self.min_rows} rows required")


class LabeledFields(Checker):
    name: Literal["labeled_fields"] = "labeled_fields"
    family: ClassVar[str | None] = "fields"
    fields: list[Word] = Field(min_length=1, max_length=8)
    literal_fields: ClassVar[tuple[str, ...]] = ("fields",)
    draws: ClassVar[Draws] = {"fields": field_names(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Include each of these fields on its own line as "Field: value": {fields}.',
        "terse": 'Fields, one per line as "name: value": {fields}.',
        "prohibitive": "Never leave out any of the fields {fields}; write each on its own line, its name then a "
            "colon and a value.",
        "third_person": 'The assistant fills in the fields {fields}, each on a separate line in the form "Field: '
            'value".',
    }

    def evaluate(self, response: str) -> CheckResult:
        missing = [name for name in self.fields if not re.search(
            rf"^[ \t*_-]*{re.escape(name)}[*_]*[ \t]*:[*_]*[ \t]*\S", response, re.MULTILINE | re.IGNORECASE)]
        return CheckResult(not missing, f"missing fields: {missing}" if missing else "every field present")


class CodeBlock(Checker):
    name: Literal["code_block"] = "code_block"
    family: ClassVar[str | None] = "code"
    language: CodeLanguage
    draws: ClassVar[Draws] = {"language": one_of(["python", "bash", "json", "yaml", "sql", "text"])}
    wordings: ClassVar[Wordings] = {
        "canonical": "Include at least one fenced code block tagged with its language: a line ```{language}, the "
            "code, then a closing ```.",
        "terse": "Code block required: ```{language} ... ```.",
        "prohibitive": "Never answer without a fenced code block that opens with ```{language} and closes with ```.",
        "third_person": "The assistant puts code in a fenced block opened by ```{language} and closed by ```, at "
            "least once per answer.",
    }

    def required_text(self) -> list[str]:
        return [f"```{self.language}"]

    def evaluate(self, response: str) -> CheckResult:
        blocks = [(tag.lower(), body) for tag, body in _CODE.findall(response)]
        ok = any(tag == self.language and body.strip() for tag, body in blocks)
        tags = ", ".join(tag or "untagged" for tag, _ in blocks) or "none"
        return CheckResult(ok, f"code blocks: {tags}; a non-empty ```{self.language} block required")
