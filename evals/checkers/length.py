"""Checkers on the length of a response: words, sentences, characters."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field

from rnr_dspy.evals.checkers.base import Checker, CheckResult, count_words

__all__ = ["MaxCharacters", "MaxSentences", "MaxWords", "MinSentences", "MinWords", "count_sentences"]

# A run of terminal punctuation, closing quotes or brackets, then a blank or the end of the text.
_TERMINATOR = re.compile(r"[.!?。！？]+[\"'”’)\]]*(?=\s|$)")
_LIST_NUMBER = re.compile(r"(?:^|\n)[ \t]*\d+$")
_TITLES = frozenset("mr mrs ms dr prof st jr sr".split())
_ABBREVIATIONS = frozenset("etc e.g i.e vs inc ltd co fig approx a.m p.m u.s u.k ph.d".split())


def _ends_sentence(before: str, terminator: str, after: str) -> bool:
    marks = terminator.rstrip("\"'”’)]")
    if ".." in marks:
        return False  # an ellipsis
    if marks != ".":
        return True
    last = before.rsplit(maxsplit=1)[-1] if before.strip() else ""
    word = last.lstrip("\"'“‘([*_").lower()
    if word in _TITLES or (len(word) == 1 and word.isalpha()) or _LIST_NUMBER.search(before):
        return False
    return word not in _ABBREVIATIONS or after.lstrip()[:1].isupper()


def count_sentences(text: str) -> int:
    """Count sentences: they end with . ! ? but not after a title (Dr.), an initial, an ellipsis or a list number.

    Other abbreviations (etc., a.m.) end a sentence only before a capital letter. Line breaks alone do not end a
    sentence; a trailing fragment without a terminator counts when it has a word.
    """
    count, start = 0, 0
    for match in _TERMINATOR.finditer(text):
        if _ends_sentence(text[start : match.start()], match.group(), text[match.end() : match.end() + 8]):
            count += re.search(r"\w", text[start : match.end()]) is not None
            start = match.end()
    return count + (re.search(r"\w", text[start:]) is not None)


class MaxWords(Checker):
    name: Literal["max_words"] = "max_words"
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Keep every answer under {self.limit + 1} words (at most {self.limit})."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words <= self.limit, f"{words} words; the limit is {self.limit}")


class MinWords(Checker):
    name: Literal["min_words"] = "min_words"
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Write at least {self.limit} words in every answer."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words >= self.limit, f"{words} words; the minimum is {self.limit}")


class MaxSentences(Checker):
    name: Literal["max_sentences"] = "max_sentences"
    limit: int = Field(ge=1, le=200)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Answer in at most {self.limit} sentence{'s' * (self.limit != 1)}."

    def evaluate(self, response: str) -> CheckResult:
        sentences = count_sentences(response)
        return CheckResult(sentences <= self.limit, f"{sentences} sentence(s); the limit is {self.limit}")


class MinSentences(Checker):
    name: Literal["min_sentences"] = "min_sentences"
    limit: int = Field(ge=1, le=200)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Write at least {self.limit} sentence{'s' * (self.limit != 1)} in every answer."

    def evaluate(self, response: str) -> CheckResult:
        sentences = count_sentences(response)
        return CheckResult(sentences >= self.limit, f"{sentences} sentence(s); the minimum is {self.limit}")


class MaxCharacters(Checker):
    name: Literal["max_characters"] = "max_characters"
    limit: int = Field(ge=1, le=50_000)
    kind: ClassVar[str] = "length"

    def describe(self) -> str:
        return f"Keep every answer to at most {self.limit} characters, spaces included."

    def evaluate(self, response: str) -> CheckResult:
        characters = len(response.strip())
        return CheckResult(characters <= self.limit, f"{characters} characters; the limit is {self.limit}")
