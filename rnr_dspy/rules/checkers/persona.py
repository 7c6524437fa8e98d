"""Checkers on the assistant's persona and voice: its name, its sign-off, first person singular or plural, and
addressing the user by name."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Phrase, Word, Wordings, examples, phrase_pattern
from rnr_dspy.rules.checkers.lexicon import persona_name, sign_off

__all__ = ["AddressUser", "FirstPerson", "MentionsName", "NoFirstPerson", "SignOff", "WeVoice"]

_SINGULAR = re.compile(r"(?<!\w)(?:I|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself|ME|MY|MINE|MYSELF)(?!\w)")
_PLURAL = re.compile(r"(?<!\w)(?:we|us|our|ours|ourselves)(?!\w)", re.IGNORECASE)


class MentionsName(Checker):
    name: Literal["mentions_name"] = "mentions_name"
    lm_choice: ClassVar[int | None] = 22
    family: ClassVar[str | None] = "opening"
    repair_order: ClassVar[int] = 40
    persona: Phrase
    kind: ClassVar[str] = "persona"
    literal_fields: ClassVar[tuple[str, ...]] = ("persona",)
    draws: ClassVar[Draws] = {"persona": persona_name}
    wordings: ClassVar[Wordings] = {
        "terse": 'Persona name: {persona}; say "{persona}" in each answer.',
        "prohibitive": 'Never send a reply that does not contain your name, "{persona}".',
        "third_person": 'The assistant is called {persona} and uses the name "{persona}" in every answer.',
    }

    def describe(self) -> str:
        return f'Your name is {self.persona}: refer to yourself as "{self.persona}" in every answer.'

    def evaluate(self, response: str) -> CheckResult:
        found = phrase_pattern(self.persona).findall(response)
        return CheckResult(bool(found), f'"{self.persona}" mentioned {len(found)} time(s)')

    def _repair(self, response: str) -> str | None:
        return f"{self.persona} here. {response.lstrip()}"


class SignOff(Checker):
    name: Literal["sign_off"] = "sign_off"
    lm_choice: ClassVar[int | None] = 23
    family: ClassVar[str | None] = "ending"
    repair_order: ClassVar[int] = 62
    phrase: Phrase
    exclusive: ClassVar[bool] = True
    kind: ClassVar[str] = "persona"
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase",)
    draws: ClassVar[Draws] = {"phrase": sign_off}
    wordings: ClassVar[Wordings] = {
        "terse": 'Sign-off: "{phrase}", alone on the last line.',
        "prohibitive": 'Never end without the sign-off "{phrase}" on a final line of its own.',
        "third_person": 'The assistant signs off every answer with "{phrase}" on its own last line.',
    }

    def describe(self) -> str:
        return f'Sign off every answer with "{self.phrase}" on its own final line.'

    def evaluate(self, response: str) -> CheckResult:
        ending = re.compile(rf"(?:^|\n)[ \t*_>]*{phrase_pattern(self.phrase).pattern}[ \t*_]*\Z")
        ok = ending.search(response.strip()) is not None
        last = response.strip().rsplit("\n", 1)[-1]
        return CheckResult(ok, f"last line is {last[-80:]!r}")

    def _repair(self, response: str) -> str | None:
        return f"{response.rstrip()}\n\n{self.phrase}"


class FirstPerson(Checker):
    name: Literal["first_person"] = "first_person"
    family: ClassVar[str | None] = "voice"
    kind: ClassVar[str] = "persona"
    wordings: ClassVar[Wordings] = {
        "canonical": 'Speak in the first person: use "I", "me" or "my" at least once in every answer.',
        "terse": 'First person singular: "I", "me" or "my" at least once.',
        "prohibitive": 'Never answer impersonally; say "I", "me" or "my" at least once.',
        "third_person": 'The assistant speaks for itself, using "I", "me" or "my" in every answer.',
    }

    def required_text(self) -> list[str]:
        return ["I"]

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if _SINGULAR.search(response) else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_SINGULAR.findall(response))
        return CheckResult(found > 0, f"{found} first-person word(s)")


class NoFirstPerson(Checker):
    name: Literal["no_first_person"] = "no_first_person"
    family: ClassVar[str | None] = "voice"
    kind: ClassVar[str] = "persona"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": 'Never refer to yourself: no "I", "me", "my", "mine" or "myself".',
        "terse": 'Impersonal voice: no "I", "me", "my", "mine", "myself".',
        "prohibitive": 'Do not write "I", "me", "my", "mine" or "myself" anywhere.',
        "third_person": 'The assistant never speaks of itself; "I", "me", "my", "mine" and "myself" never appear.',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if re.search(r"\w", response) and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = _SINGULAR.findall(response)
        return CheckResult(not found, f"{len(found)} first-person word(s){examples(found)}")


class WeVoice(Checker):
    name: Literal["we_voice"] = "we_voice"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "voice"
    kind: ClassVar[str] = "persona"
    wordings: ClassVar[Wordings] = {
        "canonical": 'Speak for the team: use "we", "us" or "our" at least once, and never "I", "me", "my", "mine" '
            'or "myself".',
        "terse": 'Team voice: "we"/"us"/"our" at least once; no "I"/"me"/"my"/"mine"/"myself".',
        "prohibitive": 'Never speak as a single person ("I", "me", "my", "mine", "myself"); say "we", "us" or "our" '
            "instead, at least once.",
        "third_person": 'The assistant speaks as a team, with "we", "us" or "our", and never with "I", "me" or "my".',
    }

    def required_text(self) -> list[str]:
        return ["we"]

    def forbids(self, text: str) -> bool:
        return _SINGULAR.search(text) is not None

    def evaluate(self, response: str) -> CheckResult:
        singular, plural = _SINGULAR.findall(response), _PLURAL.findall(response)
        ok = bool(plural) and not singular
        return CheckResult(ok, f"{len(plural)} first-person plural and {len(singular)} singular word(s)")


class AddressUser(Checker):
    name: Literal["address_user"] = "address_user"
    user_name: Word
    kind: ClassVar[str] = "persona"
    literal_fields: ClassVar[tuple[str, ...]] = ("user_name",)
    draws: ClassVar[Draws] = {"user_name": persona_name}
    wordings: ClassVar[Wordings] = {
        "canonical": 'The user is called {user_name}: address them as "{user_name}" at least once in every answer.',
        "terse": 'Address the user by name ("{user_name}") in each answer.',
        "prohibitive": 'Never answer without addressing the user by the name "{user_name}".',
        "third_person": 'The assistant calls the user "{user_name}" at least once per answer.',
    }

    def evaluate(self, response: str) -> CheckResult:
        found = len(phrase_pattern(self.user_name).findall(response))
        return CheckResult(found > 0, f'"{self.user_name}" used {found} time(s)')
