"""What an edit must never leave in a response: text no person would write. A repair that leaves any of it gives
up instead (`rnr_dspy.rules.repair`), so a row is never worse than the answer it was made from.

Each artifact is counted in the edited text against the text it was made from, so what the answer already held is
not blamed on the edit:
- a line repeated on the next line, or the next line opening with it ("Chapter 2" / "Chapter 2 This one is");
- an XML-style tag no rule asks for, or one tag twice in a row ("<output>\\n<output>");
- numbers spelled out where no rule asks for it, or spelled as no one writes them: digit by digit ("four nine
  eight six"), inside a formula ("six^three"), with a suffix ("fiveth"), or as a list marker ("one. **Item**").

Example:
    >>> repair_artifacts("Chapter 2 This one is short.", "Chapter 2\\nChapter 2 This one is short.", [])
    ['a line repeated on the next: Chapter 2']
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from rnr_dspy.rules.checkers.numbers import ONES, TENS

__all__ = ["NUMBER_WORD", "repair_artifacts"]

_DIGIT_WORDS = ONES[:10]
_NUMBER_WORDS = [*ONES, *TENS[2:], "hundred", "thousand"]
_ORDINALS = {"fourth", "sixth", "seventh", "tenth", "hundredth", "thousandth",
             *(f"{word}th" for word in _NUMBER_WORDS[13:20])}
# A number word with an ordinal's ending glued on ("fiveth", "onest"), where the real ordinal is spelled otherwise.
_MISSPELT_ORDINALS = [f"{word}{end}" for word in _NUMBER_WORDS for end in ("th", "st", "nd", "rd")
                      if f"{word}{end}" not in _ORDINALS]
NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b", re.IGNORECASE)
_DIGIT_WORD = rf"(?:{'|'.join(_DIGIT_WORDS)})"
_UNSPOKEN = {
    "digit by digit": re.compile(rf"\b{_DIGIT_WORD}(?:[ -]{_DIGIT_WORD}){{3,}}\b", re.IGNORECASE),
    # Not "*": markdown's bullets and bold ("* One", "**One**") are no formula.
    "in a formula": re.compile(rf"(?:{NUMBER_WORD.pattern})[ \t]*[\^/=×÷+]|[\^/=×÷][ \t]*(?:{NUMBER_WORD.pattern})",
                               re.IGNORECASE),
    "with a suffix": re.compile(rf"\b(?:{'|'.join(_MISSPELT_ORDINALS)})\b|\b(?:{'|'.join(_NUMBER_WORDS)})%",
                                re.IGNORECASE),
    "as a list marker": re.compile(rf"^[ \t]*(?:{'|'.join(_NUMBER_WORDS)})(?:-\w+)?[.)][ \t]", re.IGNORECASE | re.M),
}
_DIGIT_MARKER = re.compile(r"^[ \t]*\d+[.)][ \t]", re.MULTILINE)
_TAG = re.compile(r"</?([A-Za-z][\w-]*)>")
_DOUBLED_TAG = re.compile(r"(<[A-Za-z][\w-]*>)\s*\1")


def repair_artifacts(before: str, after: str, checks: Sequence[Any]) -> list[str]:
    """Each artifact `after` holds that `before` did not, given the checks of the rules it was edited for."""
    names = {check.name for check in checks}
    found = _repeated_lines(before, after)
    asked = {check.tag for check in checks if check.name == "tagged_wrapper"}
    added = {tag for tag in _TAG.findall(after) if tag not in asked} - set(_TAG.findall(before))
    found += [f"a tag no rule asks for: <{tag}>" for tag in sorted(added)]
    found += [f"a tag twice in a row: {tag}" for tag in _new(_DOUBLED_TAG, before, after)]
    spelled = len(NUMBER_WORD.findall(after)) > len(NUMBER_WORD.findall(before))
    if spelled and "no_digits" not in names:
        found.append("numbers spelled out where no rule asks for it")
    for how, pattern in _UNSPOKEN.items():
        # A line opening "one. In times..." (a wrapped sentence) is a marker only where a numbered item's was spelled.
        if how != "as a list marker" or len(_DIGIT_MARKER.findall(after)) < len(_DIGIT_MARKER.findall(before)):
            found += [f"a number spelled {how}: {text}" for text in _new(pattern, before, after)]
    return found


def _repeated_lines(before: str, after: str) -> list[str]:
    def repeats(text: str) -> list[str]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [line for line, following in itertools.pairwise(lines)
                if re.search(r"\w", line) and (following == line or following.startswith(f"{line} "))]

    old = set(repeats(before))
    return [f"a line repeated on the next: {line}" for line in repeats(after) if line not in old]


def _new(pattern: re.Pattern[str], before: str, after: str) -> list[str]:
    old = {match.group(0).lower() for match in pattern.finditer(before)}
    return [match.group(0).strip() for match in pattern.finditer(after) if match.group(0).lower() not in old]
