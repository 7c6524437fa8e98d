"""The checker contract: a typed, validated check that a response follows one rule.

A checker is a pydantic model. Its fields are the rule's parameters (validated, with ranges), its `name` literal
is the registry key, `describe()` renders the rule text shown to the model and `evaluate()` decides, in code,
whether a response follows it. The LM may pick a checker and fill its parameters; it never writes code.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

__all__ = [
    "REGISTRY", "CheckResult", "Checker", "Marker", "Phrase", "Relation", "SampleContext", "Sentence", "Visible",
    "Word", "compare", "count_words", "phrase_pattern", "split_sentences",
]

REGISTRY: dict[str, type[Checker]] = {}

_WORD = re.compile(r"\b\w+\b", re.UNICODE)

Relation = Literal["at_least", "at_most"]


def _strip_visible(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain a visible character")
    return value.strip()


# After StringConstraints' own stripping: also strips what Python counts as blank (e.g. "\x1c"), so no phrase is blank.
Visible = AfterValidator(_strip_visible)


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length), Visible]


# Text parameters, by how long they may be: a keyword, a marker ("P.S."), a phrase, a whole sentence.
Word = _text(40)
Marker = _text(20)
Phrase = _text(80)
Sentence = _text(160)


def _require_name(schema: dict[str, Any]) -> None:
    if "name" in schema.get("properties", {}):
        schema["required"] = ["name", *(field for field in schema.get("required", []) if field != "name")]


@dataclass(frozen=True)
class SampleContext:
    """What a sampled rule may draw on: the group's instructions and theme, and the generator to draw with."""

    rng: random.Random
    instructions: list[str] = field(default_factory=list)
    theme: str = ""


class CheckResult(NamedTuple):
    followed: bool
    reason: str


class Checker(BaseModel):
    """Base class of every registry checker; subclasses declare `name: Literal["..."]` and their parameters."""

    # `name` has a default (so `MaxWords(limit=50)` works) yet must be required in the JSON schema: it is the
    # discriminator a constrained decoder has to write.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_require_name)

    kind: ClassVar[str] = "format"
    # True where a response can satisfy only one value of the check (one opening, one language, …): two rules
    # with the same exclusive checker and different parameters contradict each other.
    exclusive: ClassVar[bool] = False
    # True where the rule is about requests the assistant must decline: an in-scope request follows it by *not*
    # declining.
    out_of_scope_only: ClassVar[bool] = False
    # Rules of one family never share a system prompt when rules are drawn at random (one opening, one length
    # limit, one layout, …); None keeps the checker out of random draws.
    family: ClassVar[str | None] = None
    # Where its repair runs among several: cuts first, then layout, case and punctuation, openings, wrappers,
    # endings, so that a later repair does not undo an earlier one.
    repair_order: ClassVar[int] = 0

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: object) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        key = cls.model_fields["name"].default if "name" in cls.model_fields else None
        if not isinstance(key, str):
            return  # an abstract intermediate class
        if key in REGISTRY:
            raise ValueError(f"duplicate checker name {key!r}")
        REGISTRY[key] = cls

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        """A random rule of this type for a system prompt, or None where the context offers none."""
        return None

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        """A rule of this type that `response` already follows (a hindsight rule), or None."""
        return None

    def clashes_with(self, other: Checker) -> bool:
        """Whether this rule and `other` cannot share a system prompt."""
        return self.family is not None and self.family == other.family

    def trivial(self) -> bool:
        """Whether the parameters make the rule hold for virtually any answer (e.g. at most 5,000 words)."""
        return False

    def describe(self) -> str:
        raise NotImplementedError

    def evaluate(self, response: str) -> CheckResult:
        raise NotImplementedError

    def enforce(self, response: str) -> str | None:
        """A deterministic repair: the response changed as little as possible so that it follows this rule, or
        None where no honest edit can (it would have to invent content). Callers re-check the result."""
        return None


def count_words(text: str) -> int:
    """Runs of word characters; combining marks (Devanagari vowel signs, accents) belong to their word."""
    if not text.isascii():
        text = "".join("a" if unicodedata.category(char)[0] == "M" else char for char in text)
    return len(_WORD.findall(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of a plain answer, split after . ! ? and at line breaks; list markers are dropped."""
    lines = (re.sub(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+", "", line).strip() for line in text.splitlines())
    return [part for line in lines if line for part in re.split(r"(?<=[.!?])\s+(?=\S)", line) if part.strip()]


def compare(found: int, relation: Relation, count: int) -> bool:
    return found >= count if relation == "at_least" else found <= count


def phrase_pattern(phrase: str, flags: int = 0) -> re.Pattern[str]:
    """The phrase as whole words, any run of blanks standing for its spaces.

    An edge in a wide script (Chinese, Japanese, Korean) needs no word boundary: those words touch their neighbours.
    """
    words = phrase.split() or [phrase]
    body = r"\s+".join(re.escape(word) for word in words)
    before = "" if _wide(words[0][:1]) else r"(?<!\w)"
    after = "" if _wide(words[-1][-1:]) else r"(?!\w)"
    return re.compile(before + body + after, flags)


def _wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")
