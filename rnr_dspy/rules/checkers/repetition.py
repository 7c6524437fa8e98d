"""Checkers on repetition: a phrase said a set number of times, the same word first and last, no sentence said
twice."""

from __future__ import annotations

import re
from collections import Counter
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Phrase, Wordings, phrase_pattern, split_sentences
from rnr_dspy.rules.checkers.lexicon import between, topic_phrase
from rnr_dspy.rules.checkers.text import words

__all__ = ["BookendWord", "NoRepeatedSentences", "RepeatPhrase"]


class RepeatPhrase(Checker):
    name: Literal["repeat_phrase"] = "repeat_phrase"
    family: ClassVar[str | None] = "phrase"
    phrase: Phrase
    count: int = Field(ge=2, le=10)
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase",)
    draws: ClassVar[Draws] = {"phrase": topic_phrase, "count": between(2, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Say the phrase "{phrase}" exactly {count} times in every answer (any capitalisation).',
        "terse": '"{phrase}": exactly {count} times per answer.',
        "prohibitive": 'Never use "{phrase}" more or fewer than {count} times in an answer.',
        "third_person": 'The assistant repeats "{phrase}" exactly {count} times in each reply, in any capitalisation.',
    }

    def evaluate(self, response: str) -> CheckResult:
        found = len(phrase_pattern(self.phrase, re.IGNORECASE).findall(response))
        return CheckResult(found == self.count, f'"{self.phrase}" appears {found} time(s); exactly {self.count}')


class BookendWord(Checker):
    name: Literal["bookend_word"] = "bookend_word"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "bookend"
    kind: ClassVar[str] = "style"
    wordings: ClassVar[Wordings] = {
        "canonical": "Begin and end every answer with the same word (any capitalisation; punctuation after the last "
            "word is fine).",
        "terse": "First word = last word (capitals and final punctuation aside).",
        "prohibitive": "Never end an answer on a word other than the one it began with (capitalisation aside).",
        "third_person": "The assistant's answers open and close on the same word, whatever its capitalisation.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = words(response)
        return cls() if len(found) >= 4 and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = words(response)
        if len(found) < 2:
            return CheckResult(False, "fewer than two words")
        ok = found[0].lower() == found[-1].lower()
        return CheckResult(ok, f"first word {found[0]!r}, last word {found[-1]!r}")


class NoRepeatedSentences(Checker):
    name: Literal["no_repeated_sentences"] = "no_repeated_sentences"
    kind: ClassVar[str] = "style"
    wordings: ClassVar[Wordings] = {
        "canonical": "Never repeat a sentence: no sentence may appear twice in an answer (capitals, spacing and end "
            "punctuation aside).",
        "terse": "No sentence twice (ignoring capitals, spacing and end punctuation).",
        "prohibitive": "Do not say the same sentence twice in one answer, even with different capitals or "
            "punctuation at the end.",
        "third_person": "The assistant never writes the same sentence twice in one answer (capitals, spacing and "
            "final punctuation aside).",
    }

    @staticmethod
    def _key(sentence: str) -> str:
        return " ".join(sentence.lower().rstrip(".!?…。！？ ").split())

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if len(split_sentences(response)) >= 3 and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        counts = Counter(key for sentence in split_sentences(response) if (key := self._key(sentence)))
        repeated = sorted(key for key, seen in counts.items() if seen > 1)
        return CheckResult(not repeated, f"repeated: {repeated[0][:50]!r}" if repeated else "no sentence repeated")
