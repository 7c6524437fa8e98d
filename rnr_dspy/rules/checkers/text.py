"""Text measures the checkers share: words, sentences, lines, paragraphs, phrases as whole words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

__all__ = [
    "Relation", "blocks", "compare", "count_words", "lines", "phrase_pattern", "split_sentences", "words",
]

Relation = Literal["at_least", "at_most"]

_WORD = re.compile(r"\b\w+\b", re.UNICODE)
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+")


def _marks_joined(text: str) -> str:
    # Combining marks (Devanagari vowel signs, accents) belong to their word.
    return text if text.isascii() else "".join("a" if unicodedata.category(c)[0] == "M" else c for c in text)


def count_words(text: str) -> int:
    """Runs of word characters; combining marks (Devanagari vowel signs, accents) belong to their word."""
    return len(_WORD.findall(_marks_joined(text)))


def words(text: str) -> list[str]:
    """The words of `text` as `count_words` counts them, combining marks kept."""
    joined = _marks_joined(text)
    return [text[match.start() : match.end()] for match in _WORD.finditer(joined)]


def split_sentences(text: str) -> list[str]:
    """Sentences of a plain answer, split after . ! ? and at line breaks; list markers are dropped."""
    stripped = (_LIST_MARKER.sub("", line).strip() for line in text.splitlines())
    return [part for line in stripped if line for part in re.split(r"(?<=[.!?])\s+(?=\S)", line) if part.strip()]


def lines(text: str) -> list[str]:
    """The lines that hold something visible."""
    return [line for line in text.splitlines() if line.strip()]


def blocks(text: str) -> list[str]:
    """Paragraphs: runs of visible lines separated by blank lines."""
    return [part.strip() for part in re.split(r"\n[ \t\r\f\v]*\n", text.strip()) if part.strip()]


def compare(found: int, relation: Relation, count: int) -> bool:
    return found >= count if relation == "at_least" else found <= count


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str, flags: int = 0) -> re.Pattern[str]:
    """The phrase as whole words, any run of blanks standing for its spaces.

    An edge in a wide script (Chinese, Japanese, Korean) needs no word boundary: those words touch their neighbours.
    """
    parts = phrase.split() or [phrase]
    body = r"\s+".join(re.escape(part) for part in parts)
    before = "" if _wide(parts[0][:1]) else r"(?<!\w)"
    after = "" if _wide(parts[-1][-1:]) else r"(?!\w)"
    return re.compile(before + body + after, flags)


def _wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")
