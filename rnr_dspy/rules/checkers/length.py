"""Checkers on the length of a response: words, sentences, characters."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, SampleContext, count_words, split_sentences

__all__ = ["MaxCharacters", "MaxSentences", "MaxWords", "MinSentences", "MinWords", "count_sentences"]

_MARKS = ".!?。！？"
_CLOSERS = "\"'”’)]*_"
_OPENERS = "\"'“‘([*_"
_LIST_MARKER = re.compile(r"^[ \t]*\d+[.)][ \t]", re.MULTILINE)
_TITLES = frozenset("mr mrs ms dr prof st jr sr".split())
_ABBREVIATIONS = frozenset("etc e.g i.e vs inc ltd co fig approx a.m p.m u.s u.k ph.d".split())


def _ends_sentence(word: str, marks: str, following: str) -> bool:
    if ".." in marks:
        return False  # an ellipsis
    if marks != ".":
        return True
    word = word.lstrip(_OPENERS).lower()
    if word in _TITLES or (len(word) == 1 and word.isalpha()):
        return False
    return word not in _ABBREVIATIONS or following.lstrip(_OPENERS)[:1].isupper()


def count_sentences(text: str) -> int:
    """Count sentences: a word ending in . ! ? closes one, except a title (Dr.), an initial or an ellipsis.

    Other abbreviations (etc., a.m.) close one only before a capital letter; list numbers ("1.") never do, nor do
    line breaks alone. A trailing fragment without a terminator counts when it holds a word.
    """
    text = re.sub(r"([。！？])(?=\S)", r"\1 ", _LIST_MARKER.sub(" ", text.strip()))
    tokens = text.split()
    count, open_sentence = 0, False
    for index, token in enumerate(tokens):
        open_sentence = open_sentence or re.search(r"\w", token) is not None
        stripped = token.rstrip(_CLOSERS)
        word = stripped.rstrip(_MARKS)
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if word != stripped and _ends_sentence(word, stripped[len(word) :], following):
            count, open_sentence = count + open_sentence, False
    return count + open_sentence


def _leading_sentences(response: str, fits: Callable[[str], bool]) -> str | None:
    """The longest run of the response's first sentences that still fits, or None when not even one does."""
    kept: list[str] = []
    for sentence in split_sentences(response):
        if not fits(" ".join([*kept, sentence])):
            break
        kept.append(sentence)
    return " ".join(kept) or None


class MaxWords(Checker):
    name: Literal["max_words"] = "max_words"
    family: ClassVar[str | None] = 'length'
    repair_order: ClassVar[int] = 10
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"

    def trivial(self) -> bool:
        return self.limit >= 1000

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(limit=context.rng.choice([30, 40, 50, 60, 80, 100]))

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(limit=(count_words(response) // 10 + 1) * 10)

    def describe(self) -> str:
        return f"Keep every answer under {self.limit + 1} words (at most {self.limit})."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words <= self.limit, f"{words} words; the limit is {self.limit}")

    def enforce(self, response: str) -> str | None:
        return _leading_sentences(response, lambda text: count_words(text) <= self.limit)


class MinWords(Checker):
    name: Literal["min_words"] = "min_words"
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"

    def trivial(self) -> bool:
        return self.limit <= 2

    def describe(self) -> str:
        return f"Write at least {self.limit} words in every answer."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words >= self.limit, f"{words} words; the minimum is {self.limit}")


class MaxSentences(Checker):
    name: Literal["max_sentences"] = "max_sentences"
    family: ClassVar[str | None] = 'length'
    repair_order: ClassVar[int] = 11
    limit: int = Field(ge=1, le=200)
    kind: ClassVar[str] = "length"

    def trivial(self) -> bool:
        return self.limit >= 60

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(limit=context.rng.choice([2, 3, 4, 5]))

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(limit=max(1, count_sentences(response)))

    def describe(self) -> str:
        return f"Answer in at most {self.limit} sentence{'s' * (self.limit != 1)}."

    def evaluate(self, response: str) -> CheckResult:
        sentences = count_sentences(response)
        return CheckResult(sentences <= self.limit, f"{sentences} sentence(s); the limit is {self.limit}")

    def enforce(self, response: str) -> str | None:
        return _leading_sentences(response, lambda text: count_sentences(text) <= self.limit)


class MinSentences(Checker):
    name: Literal["min_sentences"] = "min_sentences"
    limit: int = Field(ge=1, le=200)
    kind: ClassVar[str] = "length"

    def trivial(self) -> bool:
        return self.limit <= 1

    def describe(self) -> str:
        return f"Write at least {self.limit} sentence{'s' * (self.limit != 1)} in every answer."

    def evaluate(self, response: str) -> CheckResult:
        sentences = count_sentences(response)
        return CheckResult(sentences >= self.limit, f"{sentences} sentence(s); the minimum is {self.limit}")


class MaxCharacters(Checker):
    name: Literal["max_characters"] = "max_characters"
    repair_order: ClassVar[int] = 12
    limit: int = Field(ge=1, le=50_000)
    kind: ClassVar[str] = "length"

    def trivial(self) -> bool:
        return self.limit >= 6000

    def describe(self) -> str:
        return f"Keep every answer to at most {self.limit} characters, spaces included."

    def evaluate(self, response: str) -> CheckResult:
        characters = len(response.strip())
        return CheckResult(characters <= self.limit, f"{characters} characters; the limit is {self.limit}")

    def enforce(self, response: str) -> str | None:
        return _leading_sentences(response, lambda text: len(text) <= self.limit)
