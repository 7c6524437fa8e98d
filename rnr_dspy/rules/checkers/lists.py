"""Checkers on lists: bulleted, numbered, exact counts, item limits, task lists, or no list at all.

The list shapes share the `layout` family: one response has one body layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, count_words, plural, split_sentences
from rnr_dspy.rules.checkers.lexicon import between

__all__ = ["BULLET", "NUMBERED", "BulletCount", "BulletList", "Checklist", "ListItemWords", "MaxListItems",
           "NoLists", "NumberedList", "in_parts"]

# A marker, blanks on the same line, then content; a line of markers only ("- - -") is a thematic break.
BULLET = re.compile(r"^[ \t]*[-*•][ \t]+(?!(?:[-*•][ \t]*)+$)\S", re.MULTILINE)
NUMBERED = re.compile(r"^[ \t]*\d+[.)][ \t]+\S", re.MULTILINE)
_ITEM_LINE = re.compile(r"^[ \t]*(?:[-*•+]|\d+[.)])[ \t]+(?!(?:[-*•][ \t]*)+$)(\S.*)$", re.MULTILINE)
_TASK = re.compile(r"^[ \t]*[-*][ \t]+\[[ xX]\][ \t]+\S", re.MULTILINE)


def _items(response: str) -> list[str]:
    return [sentence for sentence in split_sentences(response) if re.search(r"\w", sentence)]


def in_parts(response: str, parts: int) -> list[str] | None:
    """The response's sentences in `parts` consecutive runs of near-equal size, or None with too few sentences."""
    sentences = _items(response)
    if len(sentences) < parts:
        return None
    size, extra = divmod(len(sentences), parts)
    bounds = [index * size + min(index, extra) for index in range(parts + 1)]
    return [" ".join(sentences[bounds[i] : bounds[i + 1]]) for i in range(parts)]


class _ListShape(Checker):
    family: ClassVar[str | None] = "layout"

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        least = getattr(self, "min_items", getattr(self, "count", 1))
        return {"items": (least, getattr(self, "count", None)), "sentences": (least, None), "lines": (least, None)}


class BulletList(_ListShape):
    name: Literal["bullet_list"] = "bullet_list"
    lm_choice: ClassVar[int | None] = 14
    repair_order: ClassVar[int] = 20
    min_items: int = Field(default=2, ge=1, le=50)
    draws: ClassVar[Draws] = {"min_items": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "terse": 'Bulleted list, at least {min_items} items, each line starting "- ".',
        "prohibitive": "Never answer in plain paragraphs: use a bulleted list of at least {min_items} items (lines "
            'starting "- ").',
        "third_person": "The assistant answers as a bulleted list of {min_items} or more items, each line starting "
            'with "- ".',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(min_items=2)

    def describe(self) -> str:
        return (f"Format your answer as a bulleted list of at least {self.min_items} items, "
                'each line starting with "- ".')

    def evaluate(self, response: str) -> CheckResult:
        items = len(BULLET.findall(response))
        return CheckResult(items >= self.min_items, f"{items} bullet item(s); at least {self.min_items} required")

    def _repair(self, response: str) -> str | None:
        items = _items(response)
        return "\n".join(f"- {item}" for item in items) if len(items) >= self.min_items else None


class NumberedList(_ListShape):
    name: Literal["numbered_list"] = "numbered_list"
    lm_choice: ClassVar[int | None] = 25
    repair_order: ClassVar[int] = 21
    min_items: int = Field(default=2, ge=1, le=50)
    draws: ClassVar[Draws] = {"min_items": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "terse": 'Numbered list ("1. ", "2. "), at least {min_items} items.',
        "prohibitive": "Never reply in prose: give a numbered list of at least {min_items} items, each line starting "
            'with its number and a period ("1. ").',
        "third_person": "The assistant replies with a numbered list of at least {min_items} items, lines starting "
            '"1. ", "2. " and so on.',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(min_items=2)

    def required_text(self) -> list[str]:
        return ["1. "]

    def describe(self) -> str:
        return (f"Format your answer as a numbered list of at least {self.min_items} items, "
                'each line starting with its number and a period ("1. ", "2. ").')

    def evaluate(self, response: str) -> CheckResult:
        items = len(NUMBERED.findall(response))
        return CheckResult(items >= self.min_items, f"{items} numbered item(s); at least {self.min_items} required")

    def _repair(self, response: str) -> str | None:
        items = _items(response)
        if len(items) < self.min_items:
            return None
        return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))


class BulletCount(_ListShape):
    name: Literal["bullet_count"] = "bullet_count"
    lm_choice: ClassVar[int | None] = 26
    repair_order: ClassVar[int] = 22
    count: int = Field(ge=1, le=50)
    exclusive: ClassVar[bool] = True
    draws: ClassVar[Draws] = {"count": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "terse": 'Exactly {count} bullets ("- "), no more, no fewer.',
        "prohibitive": 'Never use more or fewer than {count} bullet points; each starts with "- ".',
        "third_person": 'The assistant includes one bulleted list of exactly {count} items ("- "), and no other '
            "bullets.",
    }

    def describe(self) -> str:
        return f'Include a bulleted list of exactly {self.count} items, each line starting with "- "; no other bullets.'

    def evaluate(self, response: str) -> CheckResult:
        items = len(BULLET.findall(response))
        return CheckResult(items == self.count, f"{items} bullet item(s); exactly {self.count} required")

    def _repair(self, response: str) -> str | None:
        parts = in_parts(response, self.count)
        return "\n".join(f"- {part}" for part in parts) if parts else None


class Checklist(_ListShape):
    name: Literal["checklist"] = "checklist"
    held_out: ClassVar[bool] = True
    repair_order: ClassVar[int] = 24
    min_items: int = Field(ge=1, le=50)
    draws: ClassVar[Draws] = {"min_items": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Give your answer as a checklist of at least {min_items} task items, each line starting with "- '
            '[ ] ".',
        "terse": 'Checklist: {min_items}+ lines of the form "- [ ] task".',
        "third_person": 'The assistant lays out at least {min_items} to-dos as markdown task items, "- [ ] ..." one '
            "per line.",
    }

    def evaluate(self, response: str) -> CheckResult:
        items = len(_TASK.findall(response))
        return CheckResult(items >= self.min_items, f"{items} task item(s); at least {self.min_items} required")

    def _repair(self, response: str) -> str | None:
        items = _items(response)
        return "\n".join(f"- [ ] {item}" for item in items) if len(items) >= self.min_items else None


class MaxListItems(Checker):
    name: Literal["max_list_items"] = "max_list_items"
    family: ClassVar[str | None] = "list_size"
    repair_order: ClassVar[int] = 14
    limit: int = Field(ge=1, le=50)
    draws: ClassVar[Draws] = {"limit": between(3, 7)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Put at most {limit} items in any answer's lists, bulleted and numbered together.",
        "terse": "List items: {limit} at most, bullets and numbers counted together.",
        "prohibitive": "Never list more than {limit} items (bullets and numbered items together).",
        "third_person": "The assistant's lists hold {limit} items or fewer in all.",
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"items": (0, self.limit)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(_ITEM_LINE.findall(response))
        return cls(limit=found) if found >= 2 else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_ITEM_LINE.findall(response))
        return CheckResult(found <= self.limit, f"{plural(found, 'list item')}; at most {self.limit}")

    def _repair(self, response: str) -> str | None:
        kept, seen = [], 0
        for line in response.split("\n"):
            seen += _ITEM_LINE.fullmatch(line) is not None
            if seen <= self.limit or _ITEM_LINE.fullmatch(line) is None:
                kept.append(line)
        return "\n".join(kept)


class ListItemWords(_ListShape):
    name: Literal["list_item_words"] = "list_item_words"
    limit: int = Field(ge=1, le=200)
    draws: ClassVar[Draws] = {"limit": between(6, 15)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Answer with a list of at least two items (bulleted or numbered), each item at most {limit} "
            "words.",
        "terse": "A list of 2+ items; {limit} words at most per item.",
        "prohibitive": "Never write a list item longer than {limit} words, and give at least two items.",
        "third_person": "The assistant answers in a list of two or more short items, none over {limit} words.",
    }

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"items": (2, None), "lines": (2, None)}

    def evaluate(self, response: str) -> CheckResult:
        items = _ITEM_LINE.findall(response)
        long = [item for item in items if count_words(item) > self.limit]
        if len(items) < 2:
            return CheckResult(False, f"{plural(len(items), 'list item')}; at least 2 required")
        return CheckResult(not long, f"{len(long)} of {len(items)} items over {self.limit} words")


class NoLists(Checker):
    name: Literal["no_lists"] = "no_lists"
    family: ClassVar[str | None] = "layout"
    repair_order: ClassVar[int] = 25
    wordings: ClassVar[Wordings] = {
        "canonical": "Write in plain prose: no bulleted or numbered list items.",
        "terse": "No lists: no bullets, no numbered items.",
        "prohibitive": 'Never start a line with a bullet ("- ", "* ", "• ") or a number and a period.',
        "third_person": "The assistant answers in prose paragraphs, never in bulleted or numbered lists.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_ITEM_LINE.findall(response))
        return CheckResult(found == 0, f"{plural(found, 'list item')}")

    def _repair(self, response: str) -> str | None:
        return _ITEM_LINE.sub(lambda m: m.group(1), response)
