"""Checkers on the length of a response: words, sentences, characters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, count_words, plural, split_sentences
from rnr_dspy.rules.checkers.lexicon import between
from rnr_dspy.rules.checkers.text import count_sentences

__all__ = [
    "MaxCharacters", "MaxSentences", "MaxWords", "MinSentences", "MinWords", "WordsBetween", "count_sentences",
    "leading_sentences",
]

def leading_sentences(response: str, fits: Callable[[str], bool]) -> str | None:
    """The longest run of the response's first sentences that still fits, or None when not even one does."""
    kept: list[str] = []
    for sentence in split_sentences(response):
        if not fits(" ".join([*kept, sentence])):
            break
        kept.append(sentence)
    return " ".join(kept) or None


class MaxWords(Checker):
    name: Literal["max_words"] = "max_words"
    lm_choice: ClassVar[int | None] = 5
    family: ClassVar[str | None] = "length"
    repair_order: ClassVar[int] = 10
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(30, 150, 10)}
    wordings: ClassVar[Wordings] = {
        "terse": "Word limit: {limit} words per answer.",
        "prohibitive": "Never write more than {limit} words in an answer.",
        "third_person": "The assistant's answers never run past {limit} words.",
        "requirement": "Each answer must be {limit} words long or shorter.",
    }

    def trivial(self) -> bool:
        return self.limit >= 1000

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"words": (0, self.limit)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(limit=(count_words(response) // 10 + 1) * 10)

    def describe(self) -> str:
        return f"Keep every answer under {self.limit + 1} words (at most {self.limit})."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words <= self.limit, f"{words} words; the limit is {self.limit}")

    def _repair(self, response: str) -> str | None:
        return leading_sentences(response, lambda text: count_words(text) <= self.limit)


class MinWords(Checker):
    name: Literal["min_words"] = "min_words"
    lm_choice: ClassVar[int | None] = 6
    family: ClassVar[str | None] = "length"
    limit: int = Field(ge=1, le=5000)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(20, 80, 10)}
    wordings: ClassVar[Wordings] = {
        "terse": "Minimum length: {limit} words.",
        "prohibitive": "Never answer in fewer than {limit} words.",
        "third_person": "The assistant writes at least {limit} words in each reply.",
        "requirement": "Answers must contain {limit} words or more.",
    }

    def trivial(self) -> bool:
        return self.limit <= 2

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"words": (self.limit, None)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        words = count_words(response)
        return cls(limit=words // 10 * 10) if words >= 20 else None

    def describe(self) -> str:
        return f"Write at least {self.limit} words in every answer."

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(words >= self.limit, f"{words} words; the minimum is {self.limit}")


class WordsBetween(Checker):
    name: Literal["words_between"] = "words_between"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "length"
    repair_order: ClassVar[int] = 10
    kind: ClassVar[str] = "length"
    low: int = Field(ge=1, le=4999)
    high: int = Field(ge=2, le=5000)
    draws: ClassVar[Draws] = {"low": between(20, 60, 10), "high": between(90, 160, 10)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Make every answer between {low} and {high} words long.",
        "terse": "Length: {low} to {high} words.",
        "prohibitive": "Never go below {low} words or above {high} words.",
        "third_person": "Each reply from the assistant is {low} to {high} words long.",
        "requirement": "An answer must have at least {low} and at most {high} words.",
    }

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"words": (self.low, self.high)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        words = count_words(response)
        return cls(low=words // 10 * 10, high=(words // 10 + 2) * 10) if words >= 20 else None

    def evaluate(self, response: str) -> CheckResult:
        words = count_words(response)
        return CheckResult(self.low <= words <= self.high, f"{words} words; {self.low} to {self.high} required")

    def _repair(self, response: str) -> str | None:
        return leading_sentences(response, lambda text: count_words(text) <= self.high)


class MaxSentences(Checker):
    name: Literal["max_sentences"] = "max_sentences"
    lm_choice: ClassVar[int | None] = 7
    family: ClassVar[str | None] = "length"
    repair_order: ClassVar[int] = 11
    limit: int = Field(ge=1, le=200)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(2, 6)}
    wordings: ClassVar[Wordings] = {
        "terse": "Sentence limit: {limit}.",
        "prohibitive": "Never write more than {sentences} in one answer.",
        "third_person": "The assistant keeps each answer to {limit} sentences or fewer.",
        "requirement": "An answer must not exceed {sentences}.",
    }

    def trivial(self) -> bool:
        return self.limit >= 60

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "sentences": plural(self.limit, "sentence")}

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"sentences": (0, self.limit)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(limit=max(1, count_sentences(response)))

    def describe(self) -> str:
        return f"Answer in at most {self.limit} sentence{'s' * (self.limit != 1)}."

    def evaluate(self, response: str) -> CheckResult:
        sentences = count_sentences(response)
        return CheckResult(sentences <= self.limit, f"{sentences} sentence(s); the limit is {self.limit}")

    def _repair(self, response: str) -> str | None:
        return leading_sentences(response, lambda text: count_sentences(text) <= self.limit)


class MinSentences(Checker):
    name: Literal["min_sentences"] = "min_sentences"
    lm_choice: ClassVar[int | None] = 8
    family: ClassVar[str | None] = "length"
    limit: int = Field(ge=1, le=200)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "terse": "Minimum: {sentences} per answer.",
        "prohibitive": "Never answer in fewer than {sentences}.",
        "third_person": "The assistant writes at least {sentences} in each reply.",
        "requirement": "Answers must contain {limit} or more sentences.",
    }

    def trivial(self) -> bool:
        return self.limit <= 1

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "sentences": plural(self.limit, "sentence")}

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"sentences": (self.limit, None)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(limit=count_sentences(response)) if count_sentences(response) >= 2 else None

    def describe(self) -> str:
        return f"Write at least {self.limit} sentence{'s' * (self.limit != 1)} in every answer."

    def evaluate(self, response: str) -> CheckResult:
        sentences = count_sentences(response)
        return CheckResult(sentences >= self.limit, f"{sentences} sentence(s); the minimum is {self.limit}")


class MaxCharacters(Checker):
    name: Literal["max_characters"] = "max_characters"
    lm_choice: ClassVar[int | None] = 9
    family: ClassVar[str | None] = "length"
    repair_order: ClassVar[int] = 12
    limit: int = Field(ge=1, le=50_000)
    kind: ClassVar[str] = "length"
    draws: ClassVar[Draws] = {"limit": between(200, 800, 50)}
    wordings: ClassVar[Wordings] = {
        "terse": "Character limit: {limit}, spaces included.",
        "prohibitive": "Never go over {limit} characters (spaces count) in an answer.",
        "third_person": "The assistant's replies fit in {limit} characters, spaces included.",
        "requirement": "An answer must be at most {limit} characters long, counting spaces.",
    }

    def trivial(self) -> bool:
        return self.limit >= 6000

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        return {"characters": (0, self.limit)}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(limit=(len(response.strip()) // 50 + 1) * 50) if response.strip() else None

    def describe(self) -> str:
        return f"Keep every answer to at most {self.limit} characters, spaces included."

    def evaluate(self, response: str) -> CheckResult:
        characters = len(response.strip())
        return CheckResult(characters <= self.limit, f"{characters} characters; the limit is {self.limit}")

    def _repair(self, response: str) -> str | None:
        return leading_sentences(response, lambda text: len(text) <= self.limit)
