"""The checker contract: a typed, validated check that a response follows one rule.

A checker is a pydantic model. Its fields are the rule's parameters (validated, with ranges), its `name` literal
is the registry key, `describe()` renders the rule text shown to the model and `evaluate()` decides, in code,
whether a response follows it. The LM may pick a checker and fill its parameters; it never writes code.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

__all__ = ["REGISTRY", "CheckResult", "Checker", "Relation", "compare", "count_words"]

REGISTRY: dict[str, type[Checker]] = {}

_WORD = re.compile(r"\b\w+\b", re.UNICODE)

Relation = Literal["at_least", "at_most"]


def _require_name(schema: dict[str, Any]) -> None:
    if "name" in schema.get("properties", {}):
        schema["required"] = ["name", *(field for field in schema.get("required", []) if field != "name")]


class CheckResult(NamedTuple):
    followed: bool
    reason: str


class Checker(BaseModel):
    """Base class of every registry checker; subclasses declare `name: Literal["..."]` and their parameters."""

    # `name` has a default (so `MaxWords(limit=50)` works) yet must be required in the JSON schema: it is the
    # discriminator a constrained decoder has to write.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_require_name)

    kind: ClassVar[str] = "format"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: object) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        key = cls.model_fields["name"].default if "name" in cls.model_fields else None
        if not isinstance(key, str):
            return  # an abstract intermediate class
        if key in REGISTRY:
            raise ValueError(f"duplicate checker name {key!r}")
        REGISTRY[key] = cls

    def describe(self) -> str:
        raise NotImplementedError

    def evaluate(self, response: str) -> CheckResult:
        raise NotImplementedError


def count_words(text: str) -> int:
    """Runs of word characters; combining marks (Devanagari vowel signs, accents) belong to their word."""
    if not text.isascii():
        text = "".join("a" if unicodedata.category(char)[0] == "M" else char for char in text)
    return len(_WORD.findall(text))


def compare(found: int, relation: Relation, count: int) -> bool:
    return found >= count if relation == "at_least" else found <= count
