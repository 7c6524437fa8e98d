"""Bans on punctuation marks: commas, exclamation marks, semicolons, dashes, ellipses, parentheses.

Each is a local ban: it forbids any text another rule requires that holds the mark.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Wordings

__all__ = ["NoCommas", "NoDashes", "NoEllipsis", "NoExclamation", "NoParentheses", "NoSemicolons"]

_SEMICOLON = re.compile(r"[ \t]*[;；][ \t]*(\w?)")
# Em and en dashes, a double hyphen (not a --- rule) and a hyphen with blanks around it between words.
_DASH = re.compile(r"[ \t]*(?:[—–]|(?<!-)--(?!-))[ \t]*|(?<=\S)[ \t]+-[ \t]+(?=\S)")
_RANGE_DASH = re.compile(r"(?<=\d)[ \t]*[–—][ \t]*(?=\d)")
_ELLIPSIS = re.compile(r"\.(?:[ \t]?\.){2,}|…")


def _count(pattern: re.Pattern[str], response: str) -> int:
    return len(pattern.findall(response))


class NoCommas(Checker):
    name: Literal["no_commas"] = "no_commas"
    lm_choice: ClassVar[int | None] = 12
    repair_order: ClassVar[int] = 30
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "terse": "No commas.",
        "prohibitive": "Do not put a single comma (,) in your answer.",
        "third_person": "The assistant writes without any commas.",
        "requirement": "Answers must contain zero commas.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if "," not in response else None

    def forbids(self, text: str) -> bool:
        return "," in text

    def describe(self) -> str:
        return "Never use a comma anywhere in your answer."

    def evaluate(self, response: str) -> CheckResult:
        commas = response.count(",")
        return CheckResult(commas == 0, f"{commas} comma(s)")

    def _repair(self, response: str) -> str | None:
        return re.sub(r"\s*,\s*", " ", response).replace(",", "")


class NoExclamation(Checker):
    name: Literal["no_exclamation"] = "no_exclamation"
    lm_choice: ClassVar[int | None] = 15
    repair_order: ClassVar[int] = 31
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "terse": "No exclamation marks (!).",
        "prohibitive": "Do not write an exclamation mark (!), not even once.",
        "third_person": "The assistant never uses an exclamation mark (!).",
        "requirement": "Answers must contain no exclamation mark (!).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if "!" not in response else None

    def describe(self) -> str:
        return "Never use an exclamation mark (!) anywhere in your answer; keep a calm tone."

    def evaluate(self, response: str) -> CheckResult:
        marks = sum(response.count(mark) for mark in "!！¡")
        return CheckResult(marks == 0, f"{marks} exclamation mark(s)")

    def _repair(self, response: str) -> str | None:
        return response.replace("!", ".").replace("！", "。").replace("¡", "")


class NoSemicolons(Checker):
    name: Literal["no_semicolons"] = "no_semicolons"
    repair_order: ClassVar[int] = 28
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Do not use semicolons (;) anywhere in your answer.",
        "terse": "No semicolons (;).",
        "prohibitive": "Never join clauses with a semicolon (;); use separate sentences.",
        "third_person": "The assistant writes without a single semicolon (;).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = response.count(";") + response.count("；")
        return CheckResult(found == 0, f"{found} semicolon(s)")

    def _repair(self, response: str) -> str | None:
        return _SEMICOLON.sub(lambda m: ". " + m.group(1).upper(), response)


class NoDashes(Checker):
    name: Literal["no_dashes"] = "no_dashes"
    held_out: ClassVar[bool] = True
    repair_order: ClassVar[int] = 27
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Do not use dashes: no em dash (—), no en dash (–), no double hyphen (--) and no spaced hyphen "
            "( - ) between words; hyphenated words are fine.",
        "terse": "No dashes (—, –, --, or a spaced ' - '); hyphenated words are allowed.",
        "prohibitive": "Never write an em dash (—), an en dash (–), a double hyphen (--) or a hyphen with spaces "
            "around it.",
        "third_person": "The assistant avoids dashes (—, –, -- and ' - ' between words) but may hyphenate words.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = _count(_DASH, response)
        return CheckResult(found == 0, f"{found} dash(es)")

    def _repair(self, response: str) -> str | None:
        return _DASH.sub(", ", _RANGE_DASH.sub(" to ", response))


class NoEllipsis(Checker):
    name: Literal["no_ellipsis"] = "no_ellipsis"
    repair_order: ClassVar[int] = 26
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Never use an ellipsis (... or …) in your answer.",
        "terse": "No ellipses (... or …).",
        "prohibitive": "Do not trail off with an ellipsis: no '...' and no '…'.",
        "third_person": "The assistant finishes its sentences and never writes an ellipsis (... or …).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = _count(_ELLIPSIS, response)
        return CheckResult(found == 0, f"{found} ellipsis(es)")

    def _repair(self, response: str) -> str | None:
        return _ELLIPSIS.sub(".", response)


class NoParentheses(Checker):
    name: Literal["no_parentheses"] = "no_parentheses"
    repair_order: ClassVar[int] = 25
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Do not use parentheses, ( or ), anywhere in your answer.",
        "terse": "No parentheses ( ).",
        "prohibitive": "Never put anything in brackets of the round kind: no ( and no ).",
        "third_person": "The assistant writes without round brackets, ( or ).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = sum(response.count(mark) for mark in "()（）")
        return CheckResult(found == 0, f"{found} parenthesis mark(s)")

    def _repair(self, response: str) -> str | None:
        text = re.sub(r"[ \t]*[(（][ \t]*", " ", response)
        return re.sub(r"[ \t]*[)）]", "", text).replace("  ", " ")
