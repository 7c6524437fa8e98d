"""Checkers on what a response contains: keywords, placeholders, a postscript."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import (
    Checker,
    CheckResult,
    Marker,
    Relation,
    SampleContext,
    Word,
    compare,
    phrase_pattern,
    split_sentences,
)

__all__ = ["ForbiddenWords", "IncludeKeywords", "KeywordFrequency", "Placeholders", "Postscript", "Word"]

# Square brackets around a name, on one line, not nested and not a markdown link's text.
_BRACKETED = re.compile(r"\[([^\[\]\n]*)\](?!\()")
_LONG_WORD = re.compile(r"\b[^\W\d_]{7,}\b")
_STOPWORDS = frozenset("about after again also because before being could does doing from have here into just "
                       "like make more most much need only other over should some such than that their them then "
                       "there these they this those through very want what when where which while will with "
                       "would your".split())


def _contains_word(text: str, word: str) -> bool:
    return phrase_pattern(word, re.IGNORECASE).search(text) is not None


class IncludeKeywords(Checker):
    name: Literal["include_keywords"] = "include_keywords"
    family: ClassVar[str | None] = 'content'
    keywords: list[Word] = Field(min_length=1, max_length=10)
    kind: ClassVar[str] = "content"

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{5,}", " ".join(context.instructions))} - _STOPWORDS)
        return cls(keywords=[context.rng.choice(words)]) if words else None

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        keywords = sorted({word.lower() for word in _LONG_WORD.findall(response)})
        return cls(keywords=keywords[:2]) if keywords else None

    def describe(self) -> str:
        return "Mention each of these words in every answer: " + ", ".join(f'"{k}"' for k in self.keywords) + "."

    def evaluate(self, response: str) -> CheckResult:
        missing = [k for k in self.keywords if not _contains_word(response, k)]
        return CheckResult(not missing, f"missing: {missing}" if missing else "all keywords present")


_REAL_WORD = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)*")


class ForbiddenWords(Checker):
    name: Literal["forbidden_words"] = "forbidden_words"
    repair_order: ClassVar[int] = 13
    words: list[Word] = Field(min_length=1, max_length=10)
    kind: ClassVar[str] = "content"

    def trivial(self) -> bool:
        # Banning something that is not a word (markup, punctuation) constrains no real answer.
        return not any(_REAL_WORD.fullmatch(word) for word in self.words)

    def describe(self) -> str:
        return "Never use these words: " + ", ".join(f'"{w}"' for w in self.words) + "."

    def evaluate(self, response: str) -> CheckResult:
        used = [w for w in self.words if _contains_word(response, w)]
        return CheckResult(not used, f"used: {used}" if used else "no forbidden word used")

    def enforce(self, response: str) -> str | None:
        kept = [s for s in split_sentences(response) if not any(_contains_word(s, w) for w in self.words)]
        return " ".join(kept) or None


class KeywordFrequency(Checker):
    name: Literal["keyword_frequency"] = "keyword_frequency"
    keyword: Word
    relation: Relation
    count: int = Field(ge=1, le=100)
    kind: ClassVar[str] = "content"

    def describe(self) -> str:
        times = "time" if self.count == 1 else "times"
        return f'Use the word "{self.keyword}" {self.relation.replace("_", " ")} {self.count} {times} in every answer.'

    def evaluate(self, response: str) -> CheckResult:
        found = len(phrase_pattern(self.keyword, re.IGNORECASE).findall(response))
        reason = f'"{self.keyword}" appears {found} time(s); {self.relation.replace("_", " ")} {self.count}'
        return CheckResult(compare(found, self.relation, self.count), reason)


class Placeholders(Checker):
    name: Literal["placeholders"] = "placeholders"
    min_count: int = Field(ge=1, le=100)
    kind: ClassVar[str] = "content"

    def describe(self) -> str:
        return (f"Include at least {self.min_count} placeholder{'s' * (self.min_count != 1)} in square brackets, "
                "such as [address], for details the user must fill in.")

    def evaluate(self, response: str) -> CheckResult:
        found = [name for name in _BRACKETED.findall(response) if re.search(r"\w", name)]
        return CheckResult(len(found) >= self.min_count, f"{len(found)} placeholder(s); at least {self.min_count}")


class Postscript(Checker):
    name: Literal["postscript"] = "postscript"
    family: ClassVar[str | None] = 'ending'
    repair_order: ClassVar[int] = 60
    marker: Marker = "P.S."
    kind: ClassVar[str] = "format"

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(marker="P.S.")

    def describe(self) -> str:
        return f'End every answer with a postscript: a final part on its own line starting with "{self.marker}".'

    def evaluate(self, response: str) -> CheckResult:
        flexible = r"\.\s?".join(re.escape(part) for part in self.marker.split("."))
        line = re.compile(rf"^[ \t>*_]*{flexible}", re.IGNORECASE | re.MULTILINE)
        starts = [match.start() for match in line.finditer(response)]
        if not starts:
            return CheckResult(False, f'no line starts with "{self.marker}"')
        body = re.search(r"\w", response[: starts[-1]]) is not None
        return CheckResult(body, "postscript after the answer" if body else "the postscript has no answer before it")

    def enforce(self, response: str) -> str | None:
        return f"{response.rstrip()}\n\n{self.marker} Ask me if anything is unclear." if response.strip() else None
