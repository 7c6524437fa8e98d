"""Reading rules written in other words than the registry's: "no more than eighty words", "in all caps",
"End with 'Anything else?'".

Each reading is a pattern for the part of a sentence that states a check and a function that builds the check
from it. A sentence is read only when the pattern explains it whole: every word outside the matched part must be
one that changes nothing ("Please keep your answers …"). A sentence with any other word ("… unless the user asks
for code") is not read, so it stays a judge rule rather than a guessed check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from rnr_dspy.rules.checkers import Checker
from rnr_dspy.rules.checkers.case import AllLowercase, AllUppercase
from rnr_dspy.rules.checkers.content import ForbiddenWords, IncludeKeywords
from rnr_dspy.rules.checkers.counting import MaxLines, MaxParagraphs, MinParagraphs
from rnr_dspy.rules.checkers.formats import JsonResponse
from rnr_dspy.rules.checkers.language import LANGUAGES, ResponseLanguage
from rnr_dspy.rules.checkers.length import MaxCharacters, MaxSentences, MaxWords, MinSentences, MinWords, WordsBetween
from rnr_dspy.rules.checkers.lists import BulletList, NoLists, NumberedList
from rnr_dspy.rules.checkers.markdown import NoMarkdown
from rnr_dspy.rules.checkers.numbers import NoDigits
from rnr_dspy.rules.checkers.openings import EndsWith, StartsWith
from rnr_dspy.rules.checkers.persona import MentionsName, SignOff
from rnr_dspy.rules.checkers.punctuation import NoCommas, NoExclamation, NoParentheses, NoSemicolons
from rnr_dspy.rules.checkers.scope import NoUrls, RefusalPhrase
from rnr_dspy.rules.checkers.typography import NoEmoji, Quoted
from rnr_dspy.rules.reading.words import digits_for_number_words, quoted_spans, straighten_quotes

__all__ = ["read_paraphrase"]

# Words that add nothing to what a rule checks.
_FILLER = frozenset("""
    a all always an and answer answers any are as at be cap chat contain contains conversation do each entire every
    everything final for from give has have in is it its keep limit make message messages must need needs of on only
    output outputs per please
    provide put remain replies reply respond response responses should single so stay stick strictly sure text that
    the them this throughout time times to use user users using whole with write writing you your yourself
""".split())
_NEG = r"(?:never|do not|don't|dont|must not|mustn't|should not|shouldn't|please do not|avoid|no|without)"
_N = r"(?P<n>\d+)"
_Q = r'"(?P<q>[^"]+)"'
_QS = r'(?P<qs>"[^"]+"(?:\s*,\s*(?:and\s+|or\s+)?"[^"]+"|\s+(?:and|or)\s+"[^"]+")*)'
_ANSWER = r"(?:(?:every|each|all|any|the|your|of|my)\s+){0,3}(?:answers?|responses?|repl(?:y|ies)|messages?|outputs?)"


@dataclass(frozen=True)
class _Reading:
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str]], Checker | None]


def _number(match: re.Match[str], shift: int = 0) -> int:
    """The number a pattern caught (its groups n_0, n_1, … are alternatives), moved by `shift`."""
    return int(_caught(match, "n")) + shift


def _quote(match: re.Match[str]) -> str:
    return _caught(match, "q").strip()


def _caught(match: re.Match[str], prefix: str) -> str:
    return next(value for name, value in match.groupdict().items() if name.rpartition("_")[0] == prefix and value)


def _unit_readings(unit: str, most: type[Checker], least: type[Checker] | None,
                   least_field: str = "limit") -> list[_Reading]:
    """Upper and lower bounds on a count of `unit`s: "at most N words", "under N words", "at least N words"."""
    noun = unit.removesuffix("s?")
    at_most = (rf"(?:(?:limit|keep|cap)\w*\s+(?:(?:every|each|all|your|it|them|yourself|answers?|responses?|"
               rf"replies|reply)\s+){{0,3}}to|at most|no more than|not more than|a maximum of|maximum of|"
               rf"max(?:imum)?|up to|within|no longer than|not exceeding|not to exceed|{_NEG} (?:exceed|go over|"
               rf"go beyond|write more than|use more than|be longer than))\s+{_N}\s+{unit}|{_N}\s+{unit}\s+"
               rf"(?:or (?:less|fewer)|max(?:imum)?|at most|or under|at the most)|{noun} limit(?: of|:| is)?\s+{_N}")
    below = rf"(?:under|below|fewer than|less than|shorter than)\s+{_N}\s+{unit}"
    single = rf"(?:in|to|as|use|using|write)\s+(?:just\s+|only\s+)?(?:a single|1|one)\s+{noun}"
    readings = [
        _reading(at_most, lambda m: most(**{"limit": _number(m)})),
        _reading(single, lambda m: most(**{"limit": 1})),
        _reading(below, lambda m: most(**{"limit": _number(m, -1)})),
    ]
    if least is not None:
        at_least = (rf"(?:at least|no fewer than|no less than|not fewer than|not less than|a minimum of|minimum of|"
                    rf"min(?:imum)?)\s+{_N}\s+{unit}|{_N}\s+{unit}\s+(?:or more|minimum|at least|or longer)")
        above = rf"(?:more than|over|longer than)\s+{_N}\s+{unit}"
        readings += [_reading(at_least, lambda m: least(**{least_field: _number(m)})),
                     _reading(above, lambda m: least(**{least_field: _number(m, 1)}))]
    return readings


def _reading(pattern: str, build: Callable[[re.Match[str]], Checker | None]) -> _Reading:
    # A number or a quote may sit in several alternatives: every group gets a running index (n_0, n_1, …).
    count = iter(range(1000))
    pattern = re.sub(r"\(\?P<(\w+)>", lambda group: f"(?P<{group[1]}_{next(count)}>", pattern)
    return _Reading(re.compile(pattern, re.IGNORECASE), build)


def _ban(things: str, checker: type[Checker]) -> _Reading:
    """A ban worded as people word bans: "never use X", "no X", "avoid X", "X are not allowed"."""
    pattern = (rf"{_NEG}\s+(?:(?:use|using|include|including|add|adding|put|write|writing|type)\s+)?"
               rf"(?:any\s+|a\s+|an\s+|even one\s+|a single\s+)?(?:{things})|(?:{things})\s+(?:are|is)\s+"
               rf"(?:not allowed|forbidden|banned|prohibited|off limits)")
    return _reading(pattern, lambda m: checker())


def _layout(shape: str, checker: type[Checker]) -> _Reading:
    """A whole answer in one layout: "format your answer as a bulleted list", "use a numbered list"."""
    return _reading(rf"(?:(?:format|structure|write|present|give|put)\s+(?:it|them|everything|\w+\s+answer)?\s*"
                    rf"(?:as|in|using)|in the form of|as|in|using|with|use)\s+(?:a\s+)?(?:{shape})",
                    lambda m: checker())


def _language_of(match: re.Match[str]) -> Checker | None:
    name = _caught(match, "lang")
    code = next((code for code, known in LANGUAGES.items() if known.lower() == name.lower()), None)
    return ResponseLanguage(language=code) if code else None


def _words(checker: type[Checker], field: str, match: re.Match[str]) -> Checker:
    return checker(**{field: quoted_spans(_caught(match, "qs"))})


_LANGUAGE_NAMES = "|".join(sorted((re.escape(name) for name in LANGUAGES.values()), key=len, reverse=True))
_WORD_LIST = r"(?:the\s+)?(?:words?|keywords?|terms?|phrases?)"

_READINGS: tuple[_Reading, ...] = (
    *_unit_readings(r"words?", MaxWords, MinWords),
    *_unit_readings(r"sentences?", MaxSentences, MinSentences),
    *_unit_readings(r"characters?", MaxCharacters, None),
    *_unit_readings(r"lines?", MaxLines, None),
    _reading(r"between\s+(?P<low>\d+)\s+and\s+(?P<high>\d+)\s+words|(?P<low>\d+)\s*(?:to|-|–)\s*(?P<high>\d+)\s+"
             r"words",
             lambda m: WordsBetween(low=int(_caught(m, "low")), high=int(_caught(m, "high")))),
    *_unit_readings(r"paragraphs?", MaxParagraphs, MinParagraphs, least_field="count"),
    _reading(r"(?:in\s+)?(?:all\s+)?(?:lower ?case|small)(?:\s+letters)?(?:\s+only)?|"
             rf"{_NEG}\s+(?:use\s+)?(?:any\s+)?(?:capital|upper ?case)\s+letters",
             lambda m: AllLowercase()),
    _reading(r"(?:in\s+)?all\s+caps|(?:in\s+)?(?:all\s+)?(?:capital|upper ?case)\s+letters(?:\s+only)?|"
             r"(?:in\s+)?(?:all\s+|entirely\s+in\s+)upper ?case|in\s+upper ?case",
             lambda m: AllUppercase()),
    _ban(r"commas?", NoCommas),
    _ban(r"exclamation (?:marks?|points?)|exclamation", NoExclamation),
    _ban(r"semicolons?", NoSemicolons),
    _ban(r"parenthes[ie]s|brackets", NoParentheses),
    _ban(r"emojis?|emoticons?", NoEmoji),
    _ban(r"urls?|links?|web addresses", NoUrls),
    _ban(r"markdown(?: formatting)?", NoMarkdown),
    _ban(r"digits|numerals", NoDigits),
    _ban(r"lists?(?: of any kind)?", NoLists),
    _layout(r"bullet(?:ed)? list|bullet points|bullets", BulletList),
    _layout(r"numbered (?:list|steps|points)", NumberedList),
    _reading(r"(?:(?:respond|answer|reply|output|format|formatted)\s+(?:only\s+|entirely\s+|exclusively\s+)?)?"
             r"(?:in|as|with)\s+(?:a\s+)?(?:valid\s+)?json(?:\s+object)?(?:\s+only)?|valid json only",
             lambda m: JsonResponse()),
    _reading(rf"(?:respond|answer|reply|write|speak|communicate)\s+(?:only\s+|exclusively\s+|always\s+)?in\s+"
             rf"(?P<lang>{_LANGUAGE_NAMES})(?:\s+only)?|(?P<lang>{_LANGUAGE_NAMES})\s+only",
             _language_of),
    _reading(rf"(?:start|begin|open)\s+(?:{_ANSWER}\s+)?(?:with|by saying)\s+(?:the\s+(?:exact\s+)?(?:words?|"
             rf"phrase|greeting)\s+)?{_Q}", lambda m: StartsWith(phrase=_quote(m))),
    _reading(rf"(?:end|finish|close|conclude)\s+(?:{_ANSWER}\s+)?(?:with|by saying)\s+(?:the\s+(?:exact\s+)?"
             rf"(?:words?|phrase|sentence|question)\s+)?{_Q}(?:\s*(?:,\s*)?(?:and\s+)?nothing (?:after|else)"
             rf"(?: after)?(?: (?:it|them))?)?|{_Q}\s+at the (?:very\s+)?end",
             lambda m: EndsWith(phrase=_quote(m))),
    _reading(rf"(?:include|use|mention)\s+{_WORD_LIST}\s+{_QS}", lambda m: _words(IncludeKeywords, "keywords", m)),
    _reading(rf"{_NEG}\s+(?:use|say|mention|write|using|saying)\s+(?:{_WORD_LIST}\s+)?{_QS}|{_WORD_LIST}\s+{_QS}\s+"
             rf"(?:are|is)\s+(?:not allowed|forbidden|banned)", lambda m: _words(ForbiddenWords, "words", m)),
    _reading(rf"(?:refer to yourself as|call yourself|introduce yourself as)\s+{_Q}",
             lambda m: MentionsName(persona=_quote(m))),
    _reading(rf"(?:sign off|sign)\s+(?:with|as)\s+{_Q}", lambda m: SignOff(phrase=_quote(m))),
    _reading(r"(?:wrap|enclose|put)\s+(?:the\s+|your\s+)?(?:entire|whole)\s+(?:answer|response|reply)\s+in\s+"
             r"double quot(?:es|ation marks)", lambda m: Quoted()),
    _reading(rf"(?:if|when)\b.*\b(?:outside|out of|beyond|unrelated|not related|off|other than)\b.*?\b"
             rf"(?:reply|respond|answer|say|decline|refuse)\w*\b.*?{_Q}",
             lambda m: RefusalPhrase(phrase=_quote(m))),
)


def _normal(text: str) -> str:
    """Straight double quotes around every quoted span, numbers as digits outside quotes, one space between
    words, no closing full stop."""
    text = " ".join(straighten_quotes(text).split())
    parts = re.split(r"(\"[^\"]*\"|(?<![\w'])'(?:[^'\n]|'(?=\w))+?'(?![\w']))", text)
    text = "".join(f'"{part[1:-1]}"' if index % 2 else digits_for_number_words(part)
                   for index, part in enumerate(parts))
    return text.rstrip(" .;")


def _explained(text: str, match: re.Match[str]) -> bool:
    rest = (text[: match.start()] + " " + text[match.end() :]).lower()
    return all(word in _FILLER for word in re.findall(r"[a-z']+", rest.replace("'", "")))


def read_paraphrase(text: str) -> Checker | None:
    """The check a rule written in everyday words states, or None where no reading explains the whole rule.

    >>> read_paraphrase("Please keep answers to no more than eighty words.")
    MaxWords(name='max_words', limit=80)
    >>> read_paraphrase("Keep answers under 80 words unless the user asks for code.") is None
    True
    """
    normal = _normal(text)
    for reading in _READINGS:
        for match in reading.pattern.finditer(normal):
            if not _explained(normal, match):
                continue
            try:
                check = reading.build(match)
            except (ValidationError, ValueError):
                check = None
            if check is not None:
                return check
    return None
