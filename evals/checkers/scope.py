"""Checkers on staying in scope: the fixed reply to a request the assistant must not handle."""

from __future__ import annotations

from typing import ClassVar, Literal

from rnr_dspy.evals.checkers.base import Checker, CheckResult, Sentence

__all__ = ["RefusalPhrase"]

_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def _normalise(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHIC).split())


class RefusalPhrase(Checker):
    name: Literal["refusal_phrase"] = "refusal_phrase"
    phrase: Sentence
    kind: ClassVar[str] = "scope"
    out_of_scope_only: ClassVar[bool] = True

    def describe(self) -> str:
        return f'When a request is outside your scope, reply with "{self.phrase}"'

    def evaluate(self, response: str) -> CheckResult:
        ok = _normalise(self.phrase) in _normalise(response)
        return CheckResult(ok, "the refusal phrase is present" if ok else "the exact refusal phrase is missing")

    def enforce(self, response: str) -> str | None:
        return self.phrase
