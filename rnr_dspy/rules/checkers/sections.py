"""Checkers on how a response is divided: *** paragraphs, numbered sections, headings, labelled parts, steps,
question-and-answer pairs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Marker, Wordings, plural
from rnr_dspy.rules.checkers.lexicon import between, part_labels, section_marker
from rnr_dspy.rules.checkers.lists import in_parts

__all__ = ["LabeledParts", "MarkdownHeadings", "NumberedSteps", "Paragraphs", "QaPairs", "Sections"]

_DIVIDER = re.compile(r"^[ \t]*\*\*\*[ \t]*$", re.MULTILINE)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+\S", re.MULTILINE)
_STEP = re.compile(r"^[ \t*_]*Step[ \t]+(\d+)[*_]*[ \t]*[:.)][ \t]*\S", re.MULTILINE | re.IGNORECASE)
_QA = re.compile(r"^[ \t*_]*([QA])[*_]*[ \t]*:[*_]*[ \t]*\S", re.MULTILINE)


def _labelled_line(label: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t#*_>]*{re.escape(label)}[*_]*[ \t]*:", re.MULTILINE | re.IGNORECASE)


class Paragraphs(Checker):
    name: Literal["paragraphs"] = "paragraphs"
    lm_choice: ClassVar[int | None] = 27
    family: ClassVar[str | None] = "paragraphs"
    repair_order: ClassVar[int] = 23
    count: int = Field(ge=1, le=50)
    exclusive: ClassVar[bool] = True
    draws: ClassVar[Draws] = {"count": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "terse": "Exactly {paragraphs}, divided by lines holding only ***.",
        "prohibitive": "Never write more or fewer than {paragraphs}; put a line with only *** between each two.",
        "third_person": "The assistant writes exactly {paragraphs}, separated by a line containing only the markdown "
            "divider ***.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "paragraphs": plural(self.count, "paragraph")}

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"sentences": (self.count, None), "lines": (2 * self.count - 1, None)}

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

    def _repair(self, response: str) -> str | None:
        parts = in_parts(_DIVIDER.sub("", response), self.count)
        return "\n\n***\n\n".join(parts) if parts else None


class Sections(Checker):
    name: Literal["sections"] = "sections"
    lm_choice: ClassVar[int | None] = 28
    family: ClassVar[str | None] = "sections"
    repair_order: ClassVar[int] = 24
    marker: Marker = "SECTION"
    min_count: int = Field(ge=1, le=50)
    literal_fields: ClassVar[tuple[str, ...]] = ("marker",)
    draws: ClassVar[Draws] = {"marker": section_marker, "min_count": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "terse": 'Sections: {min_count} or more, headed "{marker} 1", "{marker} 2", ... on their own lines.',
        "prohibitive": "Never give an answer with fewer than {min_count} sections; start each on a new line with "
            '"{marker}" and its number.',
        "third_person": "The assistant splits every answer into at least {min_count} sections, each opening on a new "
            'line with "{marker} N" (N its number).',
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"lines": (self.min_count, None), "sentences": (self.min_count, None)}

    def describe(self) -> str:
        return (f"Divide every answer into at least {self.min_count} sections, each starting on a new line with "
                f'"{self.marker} X" where X is its number ({self.marker} 1, {self.marker} 2, ...).')

    def required_text(self) -> list[str]:
        return [f"{self.marker} 1"]

    def _header(self) -> re.Pattern[str]:
        return re.compile(rf"^[ \t#*_>]*{re.escape(self.marker)}[ \t]*(\d+)", re.MULTILINE)

    def evaluate(self, response: str) -> CheckResult:
        numbers = self._header().findall(response)
        found = f"{len(numbers)} {self.marker} header(s) " + (f"numbered {', '.join(numbers)}" if numbers else "")
        return CheckResult(len(numbers) >= self.min_count, f"{found.strip()}; at least {self.min_count} required")

    def _repair(self, response: str) -> str | None:
        text = self._header().sub("", response)
        # A marker left inside the text ("... Chapter 2 This one is") would land beside a header of its own.
        if re.search(rf"\b{re.escape(self.marker)}[ \t]*\d", text):
            return None
        parts = in_parts(text, self.min_count)
        if parts is None:
            return None
        return "\n\n".join(f"{self.marker} {number}\n{part}" for number, part in enumerate(parts, start=1))


class MarkdownHeadings(Checker):
    name: Literal["markdown_headings"] = "markdown_headings"
    family: ClassVar[str | None] = "sections"
    min_count: int = Field(ge=1, le=30)
    draws: ClassVar[Draws] = {"min_count": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Organise every answer under at least {min_count} markdown headings (lines starting with "#", '
            'such as "## Overview").',
        "terse": 'Markdown headings ("## ..."): at least {min_count}.',
        "prohibitive": 'Never answer without at least {min_count} markdown headings, lines that start with "#".',
        "third_person": "The assistant structures each answer with {min_count} or more markdown headings (lines "
            'beginning "#").',
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"lines": (2 * self.min_count, None)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(_HEADING.findall(response))
        return cls(min_count=found) if found >= 2 else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_HEADING.findall(response))
        return CheckResult(found >= self.min_count, f"{plural(found, 'heading')}; at least {self.min_count}")


class LabeledParts(Checker):
    name: Literal["labeled_parts"] = "labeled_parts"
    family: ClassVar[str | None] = "sections"
    repair_order: ClassVar[int] = 25
    labels: list[Marker] = Field(min_length=2, max_length=6)
    literal_fields: ClassVar[tuple[str, ...]] = ("labels",)
    draws: ClassVar[Draws] = {"labels": part_labels(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Structure every answer in parts that begin on their own line with these labels, in this order, "
            "each followed by a colon: {labels}.",
        "terse": "Parts, in order, each line-initial and followed by a colon: {labels}.",
        "prohibitive": "Never skip or reorder the labelled parts {labels}; each starts a line and is followed by a "
            "colon.",
        "third_person": "The assistant's answers run through the labelled parts {labels} in that order, each label "
            "starting a line, then a colon.",
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"lines": (len(self.labels), None), "sentences": (len(self.labels), None)}

    def evaluate(self, response: str) -> CheckResult:
        positions = []
        for label in self.labels:
            found = _labelled_line(label).search(response)
            if found is None:
                return CheckResult(False, f'no line starts with "{label}:"')
            positions.append(found.start())
        ordered = positions == sorted(positions) and len(set(positions)) == len(positions)
        return CheckResult(ordered, "all labelled parts, in order" if ordered else "labelled parts out of order")

    def _repair(self, response: str) -> str | None:
        parts = in_parts(response, len(self.labels))
        return "\n".join(f"{label}: {part}" for label, part in zip(self.labels, parts, strict=True)) if parts else None


class NumberedSteps(Checker):
    name: Literal["numbered_steps"] = "numbered_steps"
    family: ClassVar[str | None] = "layout"
    repair_order: ClassVar[int] = 22
    min_steps: int = Field(ge=1, le=30)
    draws: ClassVar[Draws] = {"min_steps": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Lay out every answer as at least {min_steps} steps, each on its own line starting "Step 1:", '
            '"Step 2:" and so on, numbered from 1 without gaps.',
        "terse": 'Steps: "Step 1:", "Step 2:", ... one per line, at least {min_steps}, no gaps.',
        "third_person": 'The assistant answers in {min_steps} or more lines "Step N:", numbered from 1 in order.',
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"lines": (self.min_steps, None), "sentences": (self.min_steps, None)}

    def required_text(self) -> list[str]:
        return ["Step 1:"]

    def evaluate(self, response: str) -> CheckResult:
        numbers = [int(number) for number in _STEP.findall(response)]
        in_order = numbers == list(range(1, len(numbers) + 1))
        if not in_order:
            return CheckResult(False, f"steps numbered {numbers[:8]}; expected 1, 2, 3, ...")
        return CheckResult(len(numbers) >= self.min_steps, f"{plural(len(numbers), 'step')}; at least "
                           f"{self.min_steps}")

    def _repair(self, response: str) -> str | None:
        parts = in_parts(response, max(self.min_steps, 1))
        return "\n".join(f"Step {number}: {part}" for number, part in enumerate(parts, start=1)) if parts else None


class QaPairs(Checker):
    name: Literal["qa_pairs"] = "qa_pairs"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "layout"
    min_pairs: int = Field(ge=1, le=20)
    draws: ClassVar[Draws] = {"min_pairs": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Write every answer as at least {min_pairs} question-and-answer pairs: a line starting "Q:" '
            'followed by a line starting "A:".',
        "terse": 'Q/A format: {min_pairs}+ pairs of lines, "Q:" then "A:".',
        "prohibitive": 'Never leave a "Q:" line without the "A:" line after it; give at least {min_pairs} such pairs.',
        "third_person": 'The assistant answers in FAQ style: at least {min_pairs} pairs of lines, "Q:" followed by '
            '"A:".',
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"lines": (2 * self.min_pairs, None), "sentences": (2 * self.min_pairs, None)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        pairs = cls(min_pairs=1)._pairs(response)
        return cls(min_pairs=pairs) if pairs and pairs >= 2 else None

    @staticmethod
    def _pairs(response: str) -> int | None:
        """The number of Q-then-A pairs, or None when the labels do not alternate starting with Q."""
        labels = "".join(_QA.findall(response))
        return len(labels) // 2 if re.fullmatch(r"(?:QA)*", labels) else None

    def evaluate(self, response: str) -> CheckResult:
        pairs = self._pairs(response)
        if pairs is None:
            return CheckResult(False, 'the "Q:" and "A:" lines do not alternate, starting with "Q:"')
        return CheckResult(pairs >= self.min_pairs, f"{plural(pairs, 'pair')}; at least {self.min_pairs}")

