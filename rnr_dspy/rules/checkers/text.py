"""Text measures the checkers share: words, sentences, lines, paragraphs, phrases as whole words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

__all__ = [
    "Relation", "blocks", "compare", "count_sentences", "count_words", "lines", "phrase_pattern", "split_sentences",
    "words",
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


_MARKS = ".!?。！？"
_CLOSERS = "\"'”’)]*_"
_OPENERS = "\"'“‘([*_"
_NUMBER_MARKER = re.compile(r"^[ \t]*\d+[.)][ \t]", re.MULTILINE)
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
    text = re.sub(r"([。！？])(?=\S)", r"\1 ", _NUMBER_MARKER.sub(" ", text.strip()))
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
