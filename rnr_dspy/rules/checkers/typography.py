"""Checkers on typography: quotation marks around the answer or inside it, straight quotes, emoji."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, examples, plural
from rnr_dspy.rules.checkers.lexicon import between

__all__ = ["EMOJI", "EmojiCount", "NoEmoji", "Quoted", "QuotedSpans", "StraightQuotes"]

_PICTOGRAPH = ("\u2600-\u27bf\u2b50\u2b55\u2b1b\u2b1c\U0001f1e6-\U0001f1ff\U0001f300-\U0001f5ff\U0001f600-\U0001f64f"
               "\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff\U0001fa70-\U0001faff")
# One emoji: a pictograph with its variation selector and skin tone, and any others joined to it by ZWJ.
_MODIFIERS = "[\ufe0f\U0001f3fb-\U0001f3ff]*"
EMOJI = re.compile(rf"[{_PICTOGRAPH}]{_MODIFIERS}(?:\u200d[{_PICTOGRAPH}]{_MODIFIERS})*")
_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
_QUOTE_SPAN = re.compile(r'"[^"\n]*\w[^"\n]*"|“[^”\n]*\w[^”\n]*”')


class Quoted(Checker):
    name: Literal["quoted"] = "quoted"
    lm_choice: ClassVar[int | None] = 16
    family: ClassVar[str | None] = "form"
    repair_order: ClassVar[int] = 50
    wordings: ClassVar[Wordings] = {
        "terse": 'Whole answer in double quotes: first character ", last character ".',
        "prohibitive": 'Never leave your answer unquoted: it must begin with " and end with ".',
        "third_person": 'The assistant encloses its entire answer in double quotation marks, opening " and closing ".',
    }

    def required_text(self) -> list[str]:
        return ['"']

    def describe(self) -> str:
        return 'Wrap your entire answer in double quotation marks: start it with " and end it with ".'

    def evaluate(self, response: str) -> CheckResult:
        text = response.strip()
        ok = len(text) > 1 and (text[0], text[-1]) in {('"', '"'), ("“", "”")}
        return CheckResult(ok, f"starts with {text[:1]!r} and ends with {text[-1:]!r}")

    def _repair(self, response: str) -> str | None:
        return f'"{response.strip()}"' if response.strip() else None


class StraightQuotes(Checker):
    name: Literal["straight_quotes"] = "straight_quotes"
    repair_order: ClassVar[int] = 29
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Use only straight quotation marks and apostrophes (\" and '), never curly ones (“ ” ‘ ’).",
        "terse": "Straight quotes only (\" '); no “ ” ‘ ’.",
        "prohibitive": "Never type a curly quotation mark or apostrophe (“ ” ‘ ’ „ ‚).",
        "third_person": "The assistant types plain straight quotes (\" and ') and never curly ones.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if "'" in response and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = sum(1 for char in response if char in "“”„‘’‚")
        return CheckResult(found == 0, f"{found} curly quotation mark(s)")

    def _repair(self, response: str) -> str | None:
        return response.translate(_CURLY)


class QuotedSpans(Checker):
    name: Literal["quoted_spans"] = "quoted_spans"
    min_count: int = Field(ge=1, le=20)
    draws: ClassVar[Draws] = {"min_count": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Include at least {quotations} in double quotation marks, "like this", in every answer.',
        "terse": 'Quotations: {min_count} or more, each in double quotes ("...").',
        "prohibitive": 'Never answer without at least {quotations} set in double quotes, "like this".',
        "third_person": 'The assistant quotes at least {quotations} in double quotation marks, "like this".',
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "quotations": plural(self.min_count, "word or phrase", "words or phrases")}

    def required_text(self) -> list[str]:
        return ['"']

    def evaluate(self, response: str) -> CheckResult:
        found = len(_QUOTE_SPAN.findall(response))
        return CheckResult(found >= self.min_count, f"{plural(found, 'quoted span')}; at least {self.min_count}")


class NoEmoji(Checker):
    name: Literal["no_emoji"] = "no_emoji"
    family: ClassVar[str | None] = "emoji"
    repair_order: ClassVar[int] = 27
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Never use emoji or pictographic symbols (such as 🙂, 🚀 or ☀) in your answer.",
        "terse": "No emoji or pictographs (🙂, 🚀, ☀).",
        "prohibitive": "Do not add a single emoji or pictographic symbol, like 🙂 or ☀.",
        "third_person": "The assistant writes words only, with no emoji or pictographic symbols (🙂, ☀).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = EMOJI.findall(response)
        return CheckResult(not found, f"{plural(len(found), 'emoji', 'emoji')}{examples(found)}")

    def _repair(self, response: str) -> str | None:
        text = re.sub(r"[ \t]{2,}", " ", EMOJI.sub("", response))
        return "\n".join(line.rstrip() for line in text.split("\n"))


class EmojiCount(Checker):
    name: Literal["emoji_count"] = "emoji_count"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "emoji"
    min_count: int = Field(ge=1, le=20)
    kind: ClassVar[str] = "style"
    draws: ClassVar[Draws] = {"min_count": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Use at least {emoji} (such as 🙂 or 🚀) in every answer.",
        "terse": "Emoji: {min_count} or more per answer.",
        "prohibitive": "Never send an answer with fewer than {emoji}, like 🙂.",
        "third_person": "The assistant adds at least {emoji}, like 🚀, to each answer.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "emoji": plural(self.min_count, "emoji", "emoji")}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(EMOJI.findall(response))
        return cls(min_count=found) if found else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(EMOJI.findall(response))
        return CheckResult(found >= self.min_count, f"{plural(found, 'emoji', 'emoji')}; at least {self.min_count}")
