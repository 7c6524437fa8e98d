"""Checkers on the words a response uses: required and forbidden words, how often a word appears, placeholders."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import (
    Checker,
    CheckResult,
    Draws,
    Phrase,
    Relation,
    Word,
    Wordings,
    compare,
    phrase_pattern,
    plural,
)
from rnr_dspy.rules.checkers.lexicon import between, filler_words, one_of, topic_phrase, topic_word, topic_words

__all__ = ["ExactPhrase", "ForbiddenWords", "IncludeKeywords", "KeywordFrequency", "Placeholders", "contains_word"]

# Square brackets around a name, on one line, not nested and not a markdown link's text.
_BRACKETED = re.compile(r"\[([^\[\]\n]*)\](?!\()")
_LONG_WORD = re.compile(r"\b[^\W\d_]{7,}\b")
_REAL_WORD = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)*")
# Where a sentence starts: after a terminator and blanks, or at a line start.
_SENTENCE_START = re.compile(r"[.!?]+[ \t]+|\n")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n")


def contains_word(text: str, word: str) -> bool:
    return phrase_pattern(word, re.IGNORECASE).search(text) is not None


def cut_sentences_with(text: str, patterns: list[re.Pattern[str]]) -> str:
    """The text without every sentence in which a pattern matches (a match across a line break takes both lines'
    sentences); the layout of the rest is kept."""
    while match := min((m for p in patterns if (m := p.search(text))), key=lambda m: m.start(), default=None):
        start = max((b.end() for b in _SENTENCE_START.finditer(text, 0, match.start())), default=0)
        end_match = _SENTENCE_END.search(text, match.end())
        text = text[:start] + text[end_match.end() if end_match else len(text) :]
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).rstrip() for line in text.splitlines() if line.strip()).strip()


class IncludeKeywords(Checker):
    name: Literal["include_keywords"] = "include_keywords"
    lm_choice: ClassVar[int | None] = 0
    family: ClassVar[str | None] = "keywords"
    keywords: list[Word] = Field(min_length=1, max_length=10)
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("keywords",)
    draws: ClassVar[Draws] = {"keywords": topic_words(1, 3)}
    wordings: ClassVar[Wordings] = {
        "terse": "Required words: {keywords}.",
        "prohibitive": "Never leave out any of these words: {keywords}.",
        "third_person": "Every reply from the assistant contains the words {keywords}.",
        "requirement": "Each answer must use the words {keywords}.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        keywords = sorted({word.lower() for word in _LONG_WORD.findall(response)})
        return cls(keywords=keywords[:2]) if keywords else None

    def describe(self) -> str:
        return "Mention each of these words in every answer: " + ", ".join(f'"{k}"' for k in self.keywords) + "."

    def evaluate(self, response: str) -> CheckResult:
        missing = [k for k in self.keywords if not contains_word(response, k)]
        return CheckResult(not missing, f"missing: {missing}" if missing else "all keywords present")


class ForbiddenWords(Checker):
    name: Literal["forbidden_words"] = "forbidden_words"
    lm_choice: ClassVar[int | None] = 1
    family: ClassVar[str | None] = "banned_words"
    repair_order: ClassVar[int] = 13
    words: list[Word] = Field(min_length=1, max_length=10)
    kind: ClassVar[str] = "content"
    local: ClassVar[bool] = True
    draws: ClassVar[Draws] = {"words": filler_words(1, 4)}
    wordings: ClassVar[Wordings] = {
        "terse": "Banned words: {words}.",
        "prohibitive": "Do not write any of these words, in any form of capitalisation: {words}.",
        "third_person": "The assistant never uses the words {words}.",
        "requirement": "Answers must not contain the words {words}.",
    }

    def trivial(self) -> bool:
        # Banning something that is not a word (markup, punctuation) constrains no real answer.
        return not any(_REAL_WORD.fullmatch(word) for word in self.words)

    def describe(self) -> str:
        return "Never use these words: " + ", ".join(f'"{w}"' for w in self.words) + "."

    def evaluate(self, response: str) -> CheckResult:
        used = [w for w in self.words if contains_word(response, w)]
        return CheckResult(not used, f"used: {used}" if used else "no forbidden word used")

    def _repair(self, response: str) -> str | None:
        kept = cut_sentences_with(response, [phrase_pattern(word, re.IGNORECASE) for word in self.words])
        return kept if re.search(r"\w", kept) else None


class KeywordFrequency(Checker):
    name: Literal["keyword_frequency"] = "keyword_frequency"
    lm_choice: ClassVar[int | None] = 2
    family: ClassVar[str | None] = "keywords"
    keyword: Word
    relation: Relation
    count: int = Field(ge=1, le=100)
    kind: ClassVar[str] = "content"
    draws: ClassVar[Draws] = {"keyword": topic_word, "relation": one_of(["at_least"]), "count": between(2, 4)}
    wordings: ClassVar[Wordings] = {
        "terse": 'Use "{keyword}": {relation_words} {count} {times}.',
        "prohibitive": 'Never use the word "{keyword}" {opposite} {times} in an answer.',
        "third_person": 'The assistant uses the word "{keyword}" {relation_words} {count} {times} per answer.',
        "requirement": 'The word "{keyword}" must appear {relation_words} {count} {times} in each answer.',
    }

    def slots(self) -> dict[str, object]:
        opposite = f"fewer than {self.count}" if self.relation == "at_least" else f"more than {self.count}"
        return {**super().slots(), "relation_words": self.relation.replace("_", " "),
                "times": "time" if self.count == 1 else "times", "opposite": opposite}

    def required_text(self) -> list[str]:
        return [self.keyword] if self.relation == "at_least" else []

    def describe(self) -> str:
        times = "time" if self.count == 1 else "times"
        return f'Use the word "{self.keyword}" {self.relation.replace("_", " ")} {self.count} {times} in every answer.'

    def evaluate(self, response: str) -> CheckResult:
        found = len(phrase_pattern(self.keyword, re.IGNORECASE).findall(response))
        reason = f'"{self.keyword}" appears {found} time(s); {self.relation.replace("_", " ")} {self.count}'
        return CheckResult(compare(found, self.relation, self.count), reason)


class Placeholders(Checker):
    name: Literal["placeholders"] = "placeholders"
    lm_choice: ClassVar[int | None] = 3
    family: ClassVar[str | None] = "placeholders"
    min_count: int = Field(ge=1, le=100)
    kind: ClassVar[str] = "content"
    draws: ClassVar[Draws] = {"min_count": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "terse": "Placeholders: at least {min_count}, in square brackets like [address].",
        "prohibitive": "Never answer without at least {placeholders} in square brackets, such as [address], for the "
            "user to fill in.",
        "third_person": "The assistant leaves at least {placeholders} in square brackets, such as [address], for the "
            "user to fill in.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "placeholders": plural(self.min_count, "placeholder")}

    def describe(self) -> str:
        return (f"Include at least {self.min_count} placeholder{'s' * (self.min_count != 1)} in square brackets, "
                "such as [address], for details the user must fill in.")

    def evaluate(self, response: str) -> CheckResult:
        found = [name for name in _BRACKETED.findall(response) if re.search(r"\w", name)]
        return CheckResult(len(found) >= self.min_count, f"{len(found)} placeholder(s); at least {self.min_count}")


class ExactPhrase(Checker):
    name: Literal["exact_phrase"] = "exact_phrase"
    family: ClassVar[str | None] = "phrase"
    phrase: Phrase
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase",)
    draws: ClassVar[Draws] = {"phrase": topic_phrase}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Include the phrase "{phrase}" word for word (any capitalisation) in every answer.',
        "terse": 'Must include, word for word: "{phrase}" (capitals optional).',
        "prohibitive": 'Never answer without the phrase "{phrase}", word for word; capitals may differ.',
        "third_person": 'Each answer from the assistant contains the phrase "{phrase}" word for word, in any '
            "capitalisation.",
    }

    def evaluate(self, response: str) -> CheckResult:
        found = len(phrase_pattern(self.phrase, re.IGNORECASE).findall(response))
        return CheckResult(found > 0, f'"{self.phrase}" appears {found} time(s)')
