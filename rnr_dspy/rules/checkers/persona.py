"""Checkers on the assistant's persona: the name it goes by and how it signs off."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Phrase, SampleContext, phrase_pattern

__all__ = ["MentionsName", "SignOff"]

_NAMES = ["Sam", "Ava", "Milo", "Nora", "Leo", "Iris"]
_SIGN_OFFS = ["Cheers", "Best wishes", "Warm regards", "Talk soon"]


class MentionsName(Checker):
    name: Literal["mentions_name"] = "mentions_name"
    family: ClassVar[str | None] = 'opening'
    repair_order: ClassVar[int] = 40
    persona: Phrase
    kind: ClassVar[str] = "persona"

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(persona=context.rng.choice(_NAMES))

    def describe(self) -> str:
        return f'Your name is {self.persona}: refer to yourself as "{self.persona}" in every answer.'

    def evaluate(self, response: str) -> CheckResult:
        found = phrase_pattern(self.persona).findall(response)
        return CheckResult(bool(found), f'"{self.persona}" mentioned {len(found)} time(s)')

    def enforce(self, response: str) -> str | None:
        return f"{self.persona} here. {response.lstrip()}"


class SignOff(Checker):
    name: Literal["sign_off"] = "sign_off"
    family: ClassVar[str | None] = 'ending'
    repair_order: ClassVar[int] = 62
    phrase: Phrase
    exclusive: ClassVar[bool] = True
    kind: ClassVar[str] = "persona"

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        return cls(phrase=context.rng.choice(_SIGN_OFFS))

    def describe(self) -> str:
        return f'Sign off every answer with "{self.phrase}" on its own final line.'

    def evaluate(self, response: str) -> CheckResult:
        ending = re.compile(rf"(?:^|\n)[ \t*_>]*{phrase_pattern(self.phrase).pattern}[ \t*_]*\Z")
        ok = ending.search(response.strip()) is not None
        last = response.strip().rsplit("\n", 1)[-1]
        return CheckResult(ok, f"last line is {last[-80:]!r}")

    def enforce(self, response: str) -> str | None:
        return f"{response.rstrip()}\n\n{self.phrase}"
