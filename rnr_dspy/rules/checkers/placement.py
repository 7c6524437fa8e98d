"""Checkers on where words go: the first and last word, a keyword in every paragraph or in the first sentence,
keywords in a given order."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Word, Wordings, phrase_pattern, split_sentences
from rnr_dspy.rules.checkers.lexicon import one_of, topic_word, topic_words
from rnr_dspy.rules.checkers.text import blocks, words

__all__ = ["FirstWord", "KeywordEveryParagraph", "KeywordFirstSentence", "LastWord", "OrderedKeywords"]



def _one_word(value: str) -> str:
    if not re.fullmatch(r"\w+", value):
        raise ValueError("must be a single word (letters, digits or _)")
    return value


# Checked by a validator, not a schema pattern: llama.cpp's grammars have no \w.
SingleWord = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
                       AfterValidator(_one_word)]
_OPENING_WORDS = ["Sure", "Okay", "Yes", "Hello", "Right", "Well", "Absolutely", "Certainly", "Great", "So"]
_CLOSING_WORDS = ["Enjoy", "Cheers", "Thanks", "Goodbye", "Done", "Onward", "Good luck", "Ciao"]


def _mentions(text: str, word: str) -> bool:
    return phrase_pattern(word, re.IGNORECASE).search(text) is not None


class FirstWord(Checker):
    name: Literal["first_word"] = "first_word"
    family: ClassVar[str | None] = "opening"
    repair_order: ClassVar[int] = 43
    exclusive: ClassVar[bool] = True
    word: SingleWord
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("word",)
    draws: ClassVar[Draws] = {"word": one_of(_OPENING_WORDS)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Make "{word}" the very first word of every answer.',
        "terse": 'First word: "{word}".',
        "prohibitive": 'Never open an answer with any word other than "{word}".',
        "third_person": "The assistant's answers always begin with the word \"{word}\".",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = words(response)
        return cls(word=found[0]) if len(found) >= 6 and len(found[0]) <= 30 else None

    def evaluate(self, response: str) -> CheckResult:
        found = words(response)
        first = found[0] if found else ""
        return CheckResult(first.lower() == self.word.lower(), f"first word is {first!r}")

    def _repair(self, response: str) -> str | None:
        # Before a list or a heading the word goes on its own line, so the first item keeps its marker.
        separator = "\n" if re.match(r"(?:[-*•#]|\d+[.)])\s", response.lstrip()) else " "
        return f"{self.word}{separator}{response.lstrip()}"


class LastWord(Checker):
    name: Literal["last_word"] = "last_word"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "ending"
    exclusive: ClassVar[bool] = True
    word: SingleWord
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("word",)
    draws: ClassVar[Draws] = {"word": one_of([w for w in _CLOSING_WORDS if " " not in w])}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Make "{word}" the very last word of every answer (punctuation may follow it).',
        "terse": 'Last word: "{word}" (then only punctuation, if any).',
        "prohibitive": 'Never let any word come after "{word}", which closes every answer.',
        "third_person": 'The assistant ends each answer on the word "{word}"; only punctuation may follow.',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = words(response)
        return cls(word=found[-1]) if len(found) >= 6 and len(found[-1]) <= 30 else None

    def evaluate(self, response: str) -> CheckResult:
        found = words(response)
        last = found[-1] if found else ""
        return CheckResult(last.lower() == self.word.lower(), f"last word is {last!r}")


class KeywordEveryParagraph(Checker):
    name: Literal["keyword_every_paragraph"] = "keyword_every_paragraph"
    held_out: ClassVar[bool] = True
    keyword: Word
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("keyword",)
    draws: ClassVar[Draws] = {"keyword": topic_word}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Use the word "{keyword}" in every paragraph (paragraphs are separated by blank lines).',
        "terse": '"{keyword}" in each blank-line-separated paragraph.',
        "prohibitive": 'Never write a paragraph without the word "{keyword}"; a blank line starts a new paragraph.',
        "third_person": 'The assistant mentions "{keyword}" in each of its paragraphs (blocks between blank lines).',
    }

    def evaluate(self, response: str) -> CheckResult:
        paragraphs = [block for block in blocks(response) if re.search(r"\w", block)]
        missing = [index for index, block in enumerate(paragraphs, start=1) if not _mentions(block, self.keyword)]
        if not paragraphs:
            return CheckResult(False, "no paragraph")
        return CheckResult(not missing, f"paragraph(s) {missing} lack {self.keyword!r}" if missing
                           else f"{self.keyword!r} in all {len(paragraphs)} paragraph(s)")


class KeywordFirstSentence(Checker):
    name: Literal["keyword_first_sentence"] = "keyword_first_sentence"
    keyword: Word
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("keyword",)
    draws: ClassVar[Draws] = {"keyword": topic_word}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Mention "{keyword}" in the first sentence of every answer.',
        "terse": 'First sentence must contain "{keyword}".',
        "prohibitive": 'Never get past your first sentence without using the word "{keyword}".',
        "third_person": 'The assistant names "{keyword}" in the opening sentence of each answer.',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        sentences = split_sentences(response)
        found = [w.lower() for w in words(sentences[0]) if len(w) >= 6] if sentences else []
        return cls(keyword=found[0]) if found else None

    def evaluate(self, response: str) -> CheckResult:
        sentences = split_sentences(response)
        first = sentences[0] if sentences else ""
        return CheckResult(_mentions(first, self.keyword), f"first sentence is {first[:60]!r}")


class OrderedKeywords(Checker):
    name: Literal["ordered_keywords"] = "ordered_keywords"
    family: ClassVar[str | None] = "keywords"
    keywords: list[Word] = Field(min_length=2, max_length=5)
    kind: ClassVar[str] = "content"
    literal_fields: ClassVar[tuple[str, ...]] = ("keywords",)
    draws: ClassVar[Draws] = {"keywords": topic_words(2, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Mention {keywords} in every answer, first mentioning each in that order.",
        "terse": "Keywords in this order of first mention: {keywords}.",
        "prohibitive": "Never mention these words out of order: {keywords} (first mentions count), and use them all.",
        "third_person": "The assistant first mentions {keywords} in exactly that order.",
    }

    def evaluate(self, response: str) -> CheckResult:
        firsts = [phrase_pattern(word, re.IGNORECASE).search(response) for word in self.keywords]
        missing = [word for word, found in zip(self.keywords, firsts, strict=True) if found is None]
        if missing:
            return CheckResult(False, f"missing: {missing}")
        starts = [found.start() for found in firsts if found is not None]
        ordered = starts == sorted(starts)
        return CheckResult(ordered, "in order" if ordered else "first mentions are out of order")
