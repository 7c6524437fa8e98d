"""Reading a rule worded the way the registry words it: analysis by synthesis over every checker's wordings.

A text is read as a check only when some check of the registry, with parameters taken from the text, renders to
exactly that text: every wording the registry writes reads back to its check and parameters, and nothing else is
guessed.
"""

from __future__ import annotations

import itertools
import random
import re
import types
import typing
from collections.abc import Iterator
from functools import cache
from string import Formatter
from typing import Any, Literal

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from rnr_dspy.rules.checkers import REGISTRY, Checker, SampleContext
from rnr_dspy.rules.reading.words import quoted_spans

__all__ = ["read_registry_wording"]

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_WORD = re.compile(r"[a-z]+")
# Beyond this many parameter combinations a text is not worth trying on one checker (no wording has that many).
_MAX_TRIES = 4096
_OMIT = object()
# Requests to draw sample rules from, to learn the words a computed wording always has.
_DRAW_FROM = ["How do I plan a week in Lisbon on a budget?", "What should I pack for a hiking trip in spring?"]


def read_registry_wording(text: str) -> Checker | None:
    """The check whose registry wording `text` is, or None.

    >>> read_registry_wording("Keep every answer under 91 words (at most 90).")
    MaxWords(name='max_words', limit=90)
    """
    text = text.strip()
    words = set(_WORD.findall(text.lower()))
    for checker in REGISTRY.values():
        if not any(anchor <= words for anchor in _anchors(checker)):
            continue
        for values in _parameter_choices(checker, text):
            try:
                check = checker(**values)
            except (ValidationError, ValueError, TypeError):
                continue
            if check.wording_of(text):
                return check
    return None


@cache
def _anchors(checker: type[Checker]) -> tuple[frozenset[str], ...]:
    """For each wording of `checker`, the words every rule worded that way contains: a template's own words, and
    for a computed canonical wording (an overridden `describe()`) the words its renderings of drawn rules share."""
    anchors = []
    for template in checker.wordings.values():
        literal = "".join(part for part, *_ in Formatter().parse(template))
        anchors.append(frozenset(_WORD.findall(literal.lower())))
    if "canonical" not in checker.wordings:
        shared = [frozenset(_WORD.findall(check.describe().lower())) for check in _drawn(checker)]
        anchors.append(frozenset.intersection(*shared) if len(shared) > 1 else frozenset())
    return tuple(anchors)


def _drawn(checker: type[Checker]) -> list[Checker]:
    """Rules of `checker` drawn at random, each also with every choice of its choice parameters and with 1 and 2
    for its whole numbers (so that words that change with a parameter, "sentence" or "sentences", are not taken
    for words every rule has)."""
    context = [SampleContext(rng=random.Random(seed), instructions=_DRAW_FROM, theme="travel") for seed in range(8)]
    drawn = [check for check in map(checker.sample, context) if check is not None]
    variants = []
    for check in drawn:
        for field, info in checker.model_fields.items():
            choices = typing.get_args(info.annotation) if typing.get_origin(info.annotation) is Literal else (
                (1, 2) if info.annotation is int else ())
            for value in choices:
                try:
                    variants.append(checker.model_validate({**check.model_dump(), field: value}))
                except ValidationError:
                    continue
    return drawn + variants


@cache
def _template_patterns(checker: type[Checker]) -> tuple[re.Pattern[str], ...]:
    patterns = []
    for template in checker.wordings.values():
        pattern, seen = "", set()
        for literal, slot, *_ in Formatter().parse(template):
            pattern += re.escape(literal)
            if slot is None:
                continue
            pattern += f"(?P={slot})" if slot in seen else f"(?P<{slot}>.+?)"
            seen.add(slot)
        patterns.append(re.compile(pattern))
    return tuple(patterns)


def _captures(checker: type[Checker], text: str) -> dict[str, list[str]]:
    """What each slot of a template that matches `text` whole holds."""
    found: dict[str, list[str]] = {}
    for pattern in _template_patterns(checker):
        match = pattern.fullmatch(text)
        for slot, value in (match.groupdict() if match else {}).items():
            found.setdefault(slot, []).append(value)
    return found


def _parameter_choices(checker: type[Checker], text: str) -> Iterator[dict[str, Any]]:
    """Every combination of parameter values the text offers, defaults first."""
    captures = _captures(checker, text)
    fields = {name: info for name, info in checker.model_fields.items() if name != "name"}
    options = [_field_options(info, text, captures.get(name, [])) for name, info in fields.items()]
    if any(not option for option in options):
        return
    total = 1
    for option in options:
        total *= len(option)
    if total > _MAX_TRIES:
        return
    for combination in itertools.product(*options):
        yield {name: value for name, value in zip(fields, combination, strict=True) if value is not _OMIT}


def _field_options(info: FieldInfo, text: str, captured: list[str]) -> list[Any]:
    options: list[Any] = [] if info.is_required() else [_OMIT]
    for annotation in _alternatives(info.annotation):
        options += _values_of(annotation, text, captured)
    return list(_unique(options))


def _alternatives(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return [annotation]


def _values_of(annotation: Any, text: str, captured: list[str]) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return list(typing.get_args(annotation))
    if annotation is bool:
        return [False, True]
    if annotation in (int, float):
        numbers = [annotation(raw.replace(",", "")) for raw in _NUMBER.findall(text) if
                   annotation is float or "." not in raw]
        return [*numbers, *(number + step for number in numbers for step in (-1, 1))]
    spans = quoted_spans(text)
    if annotation is str:
        # Lower case first: a wording that shows a word in capitals reads back to the word as it was given.
        # A span's leading words too: a marker shown with its number ("Topic X" for the marker "Topic").
        leading = [" ".join(span.split()[:count]) for span in spans for count in range(1, len(span.split()))]
        found = [*captured, *spans, *leading]
        return [*(value.lower() for value in found), *found]
    if origin is list:
        runs = [spans[start:end] for start in range(len(spans)) for end in range(start + 1, len(spans) + 1)]
        return [*(quoted_spans(value) or [value] for value in captured), *runs, *(span.split(",") for span in spans)]
    return list(captured)


def _unique(values: list[Any]) -> Iterator[Any]:
    seen: list[Any] = []
    for value in values:
        if not any(value is other or (type(value) is type(other) and value == other) for other in seen):
            seen.append(value)
            yield value
