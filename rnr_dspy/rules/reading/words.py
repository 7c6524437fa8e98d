"""What people write around a rule's parameters: numbers as words, quotes of any kind."""

from __future__ import annotations

import re

from rnr_dspy.rules.checkers.numbers import ONES, TENS

__all__ = ["digits_for_number_words", "quoted_spans", "straighten_quotes"]

_VALUES = {word: value for value, word in enumerate(ONES)} | {
    word: 10 * (index + 2) for index, word in enumerate(TENS[2:])} | {"a": 1}
_TEENS_FIRST = "|".join(sorted(ONES, key=len, reverse=True))
_SMALL = rf"(?:{'|'.join(TENS[2:])})(?:[- ](?:{'|'.join(ONES[1:10])}))?|{_TEENS_FIRST}"
# "two hundred and fifty", "a hundred", "forty-five", "twelve"; "a" only before "hundred".
_NUMBER = re.compile(
    rf"\b(?:(?P<hundreds>{_SMALL}|a)\s+hundred(?:\s+(?:and\s+)?(?P<rest>{_SMALL}))?|(?P<small>{_SMALL}))\b",
    re.IGNORECASE)

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "`": "'"})
# A span in double quotes, or in single quotes that are not apostrophes (a quote opens after a blank or an opening
# mark and closes before a blank, punctuation or the end).
_QUOTED = re.compile(r"\"([^\"\n]+)\"|(?<![\w'])'((?:[^'\n]|'(?=\w))+?)'(?![\w'])")


def _small(words: str) -> int:
    parts = re.split(r"[- ]", words.lower())
    return sum(_VALUES[part] for part in parts)


def _as_digits(match: re.Match[str]) -> str:
    if match["hundreds"] is not None:
        return str(100 * _small(match["hundreds"]) + (_small(match["rest"]) if match["rest"] else 0))
    return str(_small(match["small"]))


def digits_for_number_words(text: str) -> str:
    """`text` with numbers written as words (up to 999) written as digits.

    >>> digits_for_number_words("in two hundred and fifty words, or forty-five, not a hundred")
    'in 250 words, or 45, not 100'
    """
    return _NUMBER.sub(_as_digits, text)


def straighten_quotes(text: str) -> str:
    """Curly, angled and back quotes as straight ones.

    >>> straighten_quotes("End with \u201cAnything else?\u201d or \u2018Bye\u2019")
    'End with "Anything else?" or \\'Bye\\''
    """
    return text.translate(_QUOTES)


def quoted_spans(text: str) -> list[str]:
    """The spans of `text` in double or single quotes, in order (apostrophes are not quotes).

    >>> quoted_spans("Don't say 'sorry'; end with \\"Anything else?\\"")
    ['sorry', 'Anything else?']
    """
    return [double or single for double, single in _QUOTED.findall(straighten_quotes(text))]
