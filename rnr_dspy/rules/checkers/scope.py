"""Checkers on staying in scope: the fixed reply to a request the assistant must not handle."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from rnr_dspy.rules.checkers.base import Checker, CheckResult, SampleContext, Sentence

__all__ = ["RefusalPhrase"]

_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _normalise(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHIC).split())


class RefusalPhrase(Checker):
    name: Literal["refusal_phrase"] = "refusal_phrase"
    family: ClassVar[str | None] = 'scope'
    phrase: Sentence
    kind: ClassVar[str] = "scope"
    out_of_scope_only: ClassVar[bool] = True

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        theme = context.theme
        if not theme or theme.startswith("cluster-"):  # a TF-IDF cluster has no name to give
            return cls(phrase="Sorry, I can't help with that request.")
        return cls(phrase=f"Sorry, I can only help with {theme.replace('-', ' ').replace('_', ' ')}.")

    def describe(self) -> str:
        return f'When a request is outside your scope, reply with "{self.phrase}"'

    def evaluate(self, response: str) -> CheckResult:
        ok = _normalise(self.phrase) in _normalise(response)
        return CheckResult(ok, "the refusal phrase is present" if ok else "the exact refusal phrase is missing")

    def enforce(self, response: str) -> str | None:
        return self.phrase
