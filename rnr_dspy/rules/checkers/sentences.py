"""Checkers on sentences: how long each one is, how short the first one is, questions asked or not."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, count_words, plural, split_sentences
from rnr_dspy.rules.checkers.lexicon import between

__all__ = ["FirstSentenceWords", "MaxSentenceWords", "MinQuestions", "NoQuestions"]

_QUESTION = re.compile(r"[?？]+")


class MaxSentenceWords(Checker):
    name: Literal["max_sentence_words"] = "max_sentence_words"
    family: ClassVar[str | None] = "sentence_length"
    limit: int = Field(ge=3, le=100)
    kind: ClassVar[str] = "style"
    draws: ClassVar[Draws] = {"limit": between(12, 25)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Keep every sentence to at most {limit} words.",
        "terse": "Sentences: {limit} words at most each.",
        "prohibitive": "Never write a sentence longer than {limit} words.",
        "third_person": "The assistant writes short sentences, none over {limit} words.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        longest = max((count_words(sentence) for sentence in split_sentences(response)), default=0)
        return cls(limit=longest + 2) if 3 <= longest <= 98 else None

    def evaluate(self, response: str) -> CheckResult:
        lengths = [count_words(sentence) for sentence in split_sentences(response)]
        longest = max(lengths, default=0)
        return CheckResult(longest <= self.limit, f"longest sentence {longest} words; the limit is {self.limit}")


class FirstSentenceWords(Checker):
    name: Literal["first_sentence_words"] = "first_sentence_words"
    family: ClassVar[str | None] = "first_sentence"
    limit: int = Field(ge=2, le=60)
    kind: ClassVar[str] = "style"
    draws: ClassVar[Draws] = {"limit": between(5, 12)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Open every answer with a short first sentence of at most {limit} words.",
        "terse": "First sentence: {limit} words at most.",
        "prohibitive": "Never start with a first sentence longer than {limit} words.",
        "third_person": "The assistant's opening sentence is always {limit} words or fewer.",
    }

    def evaluate(self, response: str) -> CheckResult:
        sentences = split_sentences(response)
        if not sentences:
            return CheckResult(False, "no sentence")
        first = count_words(sentences[0])
        return CheckResult(first <= self.limit, f"first sentence {first} words; the limit is {self.limit}")


class MinQuestions(Checker):
    name: Literal["min_questions"] = "min_questions"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "questions"
    min_count: int = Field(ge=1, le=20)
    kind: ClassVar[str] = "style"
    draws: ClassVar[Draws] = {"min_count": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Ask the user at least {questions} in every answer, each ending with a question mark.",
        "terse": "Questions to the user: {min_count} or more (each ending in '?').",
        "prohibitive": "Never answer without asking at least {questions} ending in '?'.",
        "third_person": "The assistant asks at least {questions}, each closed by a question mark.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "questions": plural(self.min_count, "question")}

    def required_text(self) -> list[str]:
        return ["?"]

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(_QUESTION.findall(response))
        return cls(min_count=found) if found else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_QUESTION.findall(response))
        return CheckResult(found >= self.min_count, f"{plural(found, 'question mark')}; at least {self.min_count}")


class NoQuestions(Checker):
    name: Literal["no_questions"] = "no_questions"
    family: ClassVar[str | None] = "questions"
    repair_order: ClassVar[int] = 31
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Do not ask questions: no question mark (?) anywhere in your answer.",
        "terse": "No questions; no '?' at all.",
        "prohibitive": "Never ask the user anything back; never write a question mark (?).",
        "third_person": "The assistant makes statements only and never writes a question mark (?).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_QUESTION.findall(response))
        return CheckResult(found == 0, plural(found, "question mark"))

    def _repair(self, response: str) -> str | None:
        return _QUESTION.sub(".", response)
