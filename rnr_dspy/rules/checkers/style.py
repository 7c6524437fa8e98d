"""Checkers on the form of a response: openings, endings, punctuation, case, lists."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Phrase, SampleContext, split_sentences

__all__ = ["AllLowercase", "BulletList", "EndsWith", "NoCommas", "NoExclamation", "Phrase", "Quoted", "StartsWith"]

# A marker, blanks on the same line, then content; a line of markers only ("- - -") is a thematic break.
# Pools written for this project that sampled openings and endings draw from.
_OPENINGS = ["Sure thing", "Happy to help", "Good question", "Here you go", "Glad you asked", "Let me explain",
             "Thanks for asking", "Right away"]
_ENDINGS = ["Hope this helps.", "Enjoy!", "Good luck.", "Take care.", "Have a great day.", "Let me know how it goes."]
BULLET = re.compile(r"^[ \t]*[-*•][ \t]+(?!(?:[-*•][ \t]*)+$)\S", re.MULTILINE)


class StartsWith(Checker):
    name: Literal["starts_with"] = "starts_with"
    family: ClassVar[str | None] = 'opening'
    repair_order: ClassVar[int] = 41
    phrase: Phrase
    exclusive: ClassVar[bool] = True

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(phrase=context.rng.choice(_OPENINGS))

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(phrase=" ".join(words[:2])) if len(words := response.split()) >= 6 else None

    def describe(self) -> str:
        return f'Begin every answer with the exact words "{self.phrase}".'

    def evaluate(self, response: str) -> CheckResult:
        ok = response.lstrip().startswith(self.phrase.strip())
        return CheckResult(ok, f'starts with {response.lstrip()[: len(self.phrase) + 10]!r}')

    def enforce(self, response: str) -> str | None:
        # Before a list or a heading the opening goes on its own line, so the first item keeps its marker.
        separator = "\n" if re.match(r"(?:[-*•#]|\d+[.)])\s", response.lstrip()) else " "
        return f"{self.phrase}{separator}{response.lstrip()}"


class EndsWith(Checker):
    name: Literal["ends_with"] = "ends_with"
    family: ClassVar[str | None] = 'ending'
    repair_order: ClassVar[int] = 61
    phrase: Phrase
    exclusive: ClassVar[bool] = True

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(phrase=context.rng.choice(_ENDINGS))

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(phrase=" ".join(words[-3:])) if len(words := response.split()) >= 6 else None

    def describe(self) -> str:
        return f'End every answer with the exact words "{self.phrase}", with nothing after them.'

    def evaluate(self, response: str) -> CheckResult:
        ok = response.rstrip().endswith(self.phrase.strip())
        return CheckResult(ok, f'ends with {response.rstrip()[-(len(self.phrase) + 10):]!r}')

    def enforce(self, response: str) -> str | None:
        return f"{response.rstrip()} {self.phrase}"


class NoCommas(Checker):
    name: Literal["no_commas"] = "no_commas"
    family: ClassVar[str | None] = 'punctuation'
    repair_order: ClassVar[int] = 30

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls()

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if "," not in response else None

    def clashes_with(self, other: Checker) -> bool:
        # A ban must not forbid what another rule's phrase requires.
        return super().clashes_with(other) or any("," in str(value) for value in other.model_dump().values())

    def describe(self) -> str:
        return "Never use a comma anywhere in your answer."

    def evaluate(self, response: str) -> CheckResult:
        commas = response.count(",")
        return CheckResult(commas == 0, f"{commas} comma(s)")

    def enforce(self, response: str) -> str | None:
        return re.sub(r"\s*,\s*", " ", response).replace(",", "")


class AllLowercase(Checker):
    name: Literal["all_lowercase"] = "all_lowercase"
    repair_order: ClassVar[int] = 32
    kind: ClassVar[str] = "style"

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if not any(char.isupper() for char in response) else None

    def describe(self) -> str:
        return "Write your entire answer in lowercase letters only; no capital letters at all."

    def evaluate(self, response: str) -> CheckResult:
        upper = sum(1 for char in response if char.isupper())
        return CheckResult(upper == 0 and response.strip() != "", f"{upper} uppercase letter(s)")

    def enforce(self, response: str) -> str | None:
        return response.lower() if response.strip() else None


class BulletList(Checker):
    name: Literal["bullet_list"] = "bullet_list"
    family: ClassVar[str | None] = 'layout'
    repair_order: ClassVar[int] = 20
    min_items: int = Field(default=2, ge=1, le=50)

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(min_items=context.rng.choice([2, 3]))

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(min_items=2)

    def describe(self) -> str:
        return (f"Format your answer as a bulleted list of at least {self.min_items} items, "
                'each line starting with "- ".')

    def evaluate(self, response: str) -> CheckResult:
        items = len(BULLET.findall(response))
        return CheckResult(items >= self.min_items, f"{items} bullet item(s); at least {self.min_items} required")

    def enforce(self, response: str) -> str | None:
        sentences = split_sentences(response)
        return "\n".join(f"- {s}" for s in sentences) if len(sentences) >= self.min_items else None


class NoExclamation(Checker):
    name: Literal["no_exclamation"] = "no_exclamation"
    family: ClassVar[str | None] = 'punctuation'
    repair_order: ClassVar[int] = 31
    kind: ClassVar[str] = "style"

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls()

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if "!" not in response else None

    def clashes_with(self, other: Checker) -> bool:
        # A ban must not forbid what another rule's phrase requires.
        return super().clashes_with(other) or any("!" in str(value) for value in other.model_dump().values())

    def describe(self) -> str:
        return "Never use an exclamation mark (!) anywhere in your answer; keep a calm tone."

    def evaluate(self, response: str) -> CheckResult:
        marks = sum(response.count(mark) for mark in "!！¡")
        return CheckResult(marks == 0, f"{marks} exclamation mark(s)")

    def enforce(self, response: str) -> str | None:
        return response.replace("!", ".").replace("！", "。").replace("¡", "")


class Quoted(Checker):
    name: Literal["quoted"] = "quoted"
    repair_order: ClassVar[int] = 50

    def describe(self) -> str:
        return 'Wrap your entire answer in double quotation marks: start it with " and end it with ".'

    def evaluate(self, response: str) -> CheckResult:
        text = response.strip()
        ok = len(text) > 1 and (text[0], text[-1]) in {('"', '"'), ("“", "”")}
        return CheckResult(ok, f"starts with {text[:1]!r} and ends with {text[-1:]!r}")

    def enforce(self, response: str) -> str | None:
        return f'"{response.strip()}"' if response.strip() else None
