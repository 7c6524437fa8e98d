"""Checkers on letter case: all lowercase, all capitals, capitalised words, sentence case, title-case headings.

They share one family: two case rules in one prompt would mostly contradict each other.
"""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import (
    Checker,
    CheckResult,
    Draws,
    Relation,
    Word,
    Wordings,
    compare,
    examples,
    phrase_pattern,
)
from rnr_dspy.rules.checkers.lexicon import between, one_of, topic_word

__all__ = ["AllLowercase", "AllUppercase", "CapitalWords", "SentenceCase", "TitleCaseHeadings", "WordInCaps",
           "capital_words"]

_LETTER_RUN = re.compile(r"[^\W\d_]+")
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.+)$", re.MULTILINE)
_SMALL_WORDS = 3  # words this short may stay lowercase in a title


def capital_words(text: str) -> list[str]:
    """Runs of two or more letters, all capitals: "NASA's" holds one (NASA), "I" and "A" hold none."""
    return [word for word in _LETTER_RUN.findall(text) if len(word) > 1 and word.isupper()]


def _recased(char: str, upper: bool) -> str:
    """The character in the other case; a styled letter that has none (mathematical bold
    capitals, Greek symbol variants) goes through its plain form."""
    changed = char.upper() if upper else char.lower()
    if any(c.islower() if upper else c.isupper() for c in changed):
        plain = unicodedata.normalize("NFKC", char)
        changed = plain.upper() if upper else plain.lower()
    return changed


def _capitalise_first(text: str) -> str:
    for index, char in enumerate(text):
        if char.islower() or char.isupper():
            return text[:index] + _recased(char, upper=True) + text[index + 1 :] if char.islower() else text
    return text


class AllLowercase(Checker):
    name: Literal["all_lowercase"] = "all_lowercase"
    lm_choice: ClassVar[int | None] = 13
    family: ClassVar[str | None] = "case"
    repair_order: ClassVar[int] = 32
    kind: ClassVar[str] = "style"
    wordings: ClassVar[Wordings] = {
        "terse": "Lowercase only: no capital letters.",
        "prohibitive": "Never write a capital letter, not even at the start of a sentence or a name.",
        "third_person": "The assistant writes entirely in lowercase letters, with no capitals at all.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if not any(char.isupper() for char in response) else None

    def forbids(self, text: str) -> bool:
        return any(char.isupper() for char in text)

    def describe(self) -> str:
        return "Write your entire answer in lowercase letters only; no capital letters at all."

    def evaluate(self, response: str) -> CheckResult:
        upper = sum(1 for char in response if char.isupper())
        return CheckResult(upper == 0 and response.strip() != "", f"{upper} uppercase letter(s)")

    def _repair(self, response: str) -> str | None:
        return "".join(_recased(char, upper=False) for char in response) if response.strip() else None


class AllUppercase(Checker):
    name: Literal["all_uppercase"] = "all_uppercase"
    lm_choice: ClassVar[int | None] = 17
    family: ClassVar[str | None] = "case"
    repair_order: ClassVar[int] = 33
    kind: ClassVar[str] = "style"
    wordings: ClassVar[Wordings] = {
        "terse": "All capitals: no lowercase letters.",
        "prohibitive": "Never write a lowercase letter; every letter is a capital.",
        "third_person": "The assistant writes its whole answer in capital letters, with no lowercase.",
    }

    def forbids(self, text: str) -> bool:
        return any(char.islower() for char in text)

    def describe(self) -> str:
        return "Write your entire answer in capital letters only; no lowercase letters at all."

    def evaluate(self, response: str) -> CheckResult:
        lower = sum(1 for char in response if char.islower())
        upper = sum(1 for char in response if char.isupper())
        return CheckResult(lower == 0 and upper > 0, f"{lower} lowercase and {upper} uppercase letter(s)")

    def _repair(self, response: str) -> str | None:
        return "".join(_recased(char, upper=True) for char in response) if response.strip() else None


class CapitalWords(Checker):
    name: Literal["capital_words"] = "capital_words"
    lm_choice: ClassVar[int | None] = 18
    family: ClassVar[str | None] = "case"
    relation: Relation
    count: int = Field(ge=0, le=1000)
    kind: ClassVar[str] = "style"
    draws: ClassVar[Draws] = {"relation": one_of(["at_most"]), "count": between(0, 2)}
    wordings: ClassVar[Wordings] = {
        "terse": "All-capital words (like URGENT; not I): {relation_words} {count} per answer.",
        "prohibitive": "Never use {opposite} {count} words written entirely in capitals (like URGENT); the single "
            "letter I does not count.",
        "third_person": "The assistant uses {relation_words} {count} all-capital words (like URGENT) per answer, "
            "single letters such as I aside.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "relation_words": self.relation.replace("_", " "),
                "opposite": "fewer than" if self.relation == "at_least" else "more than"}

    def trivial(self) -> bool:
        return self.relation == "at_least" and self.count == 0

    def forbids(self, text: str) -> bool:
        return self.relation == "at_most" and len(capital_words(text)) > self.count

    def describe(self) -> str:
        relation = self.relation.replace("_", " ")
        return (f"Use {relation} {self.count} words written entirely in capital letters (like URGENT) "
                "in every answer; single letters such as I do not count.")

    def evaluate(self, response: str) -> CheckResult:
        words = capital_words(response)
        shown = ", ".join(words[:5]) + (", …" if len(words) > 5 else "")
        reason = f"{len(words)} all-capital word(s){f' ({shown})' if words else ''}; {self.relation} {self.count}"
        return CheckResult(compare(len(words), self.relation, self.count), reason.replace("_", " "))


class SentenceCase(Checker):
    name: Literal["sentence_case"] = "sentence_case"
    family: ClassVar[str | None] = "case"
    repair_order: ClassVar[int] = 34
    kind: ClassVar[str] = "style"
    wordings: ClassVar[Wordings] = {
        "canonical": "Start every sentence with a capital letter.",
        "terse": "Capitalise the first letter of each sentence.",
        "prohibitive": "Never begin a sentence or a list item with a lowercase letter.",
        "third_person": "Every sentence the assistant writes begins with a capital letter.",
    }

    @staticmethod
    def _sentences(response: str) -> list[str]:
        return [part for line in response.splitlines() if (body := _LIST_MARKER.sub("", line).strip())
                for part in re.split(r"(?<=[.!?])\s+", body) if part.strip()]

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        sentences = self._sentences(response)
        lower = [s for s in sentences if _capitalise_first(s) != s]
        if not sentences:
            return CheckResult(False, "no sentence")
        return CheckResult(not lower, f"{len(lower)} sentence(s) start lowercase{examples(lower, 1)}")

    def _repair(self, response: str) -> str | None:
        def line(text: str) -> str:
            marker = _LIST_MARKER.match(text)
            prefix = marker.group(0) if marker else ""
            parts = re.split(r"((?<=[.!?])\s+)", text[len(prefix) :])
            return prefix + "".join(_capitalise_first(part) for part in parts)

        return "\n".join(line(text) for text in response.split("\n"))


class TitleCaseHeadings(Checker):
    name: Literal["title_case_headings"] = "title_case_headings"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "case"
    repair_order: ClassVar[int] = 35
    kind: ClassVar[str] = "style"
    wordings: ClassVar[Wordings] = {
        "canonical": "Use at least one markdown heading (a line starting with #) and write every heading in Title "
            "Case: each word of four or more letters starts with a capital.",
        "terse": "Headings: at least one (#), in Title Case (every word of 4+ letters capitalised).",
        "third_person": "The assistant gives its answer markdown headings (#), each in Title Case: words of four or "
            "more letters start with a capital.",
    }

    @staticmethod
    def _lowercase_words(heading: str) -> list[str]:
        return [w for w in _LETTER_RUN.findall(heading) if len(w) > _SMALL_WORDS and w[0].islower()]

    def evaluate(self, response: str) -> CheckResult:
        headings = _HEADING.findall(response)
        if not headings:
            return CheckResult(False, "no markdown heading")
        bad = [h for h in headings if self._lowercase_words(h)]
        return CheckResult(not bad, f"{len(bad)} of {len(headings)} heading(s) not in Title Case")

    def _repair(self, response: str) -> str | None:
        def title(match: re.Match[str]) -> str:
            return re.sub(r"[^\W\d_]{4,}", lambda word: _capitalise_first(word.group(0)), match.group(0))

        return _HEADING.sub(title, response)


class WordInCaps(Checker):
    name: Literal["word_in_caps"] = "word_in_caps"
    family: ClassVar[str | None] = "case"
    repair_order: ClassVar[int] = 36
    kind: ClassVar[str] = "style"
    word: Word
    draws: ClassVar[Draws] = {"word": topic_word}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Use the word "{word}" at least once, and write it in capitals as "{upper}" every time.',
        "terse": 'Always "{upper}", never "{word}" in lowercase; use it at least once.',
        "prohibitive": 'Never write "{word}" in anything but capitals ("{upper}"), and do use it.',
        "third_person": 'The assistant mentions "{upper}" at least once, always in capital letters.',
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "upper": self.word.upper()}

    def required_text(self) -> list[str]:
        return [self.word.upper()]

    def evaluate(self, response: str) -> CheckResult:
        found = phrase_pattern(self.word, re.IGNORECASE).findall(response)
        wrong = [text for text in found if text != text.upper()]
        if not found:
            return CheckResult(False, f'"{self.word}" is not used')
        return CheckResult(not wrong, f'"{self.word}" used {len(found)} time(s), {len(wrong)} not in capitals')

    def _repair(self, response: str) -> str | None:
        return phrase_pattern(self.word, re.IGNORECASE).sub(lambda m: m.group(0).upper(), response)
