"""Checkers on staying in scope: the fixed reply to a request the assistant must not handle, a referral, topic
bounds, and what an answer must never carry (links, contact details)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import (
    Checker,
    CheckResult,
    Draws,
    Phrase,
    SampleContext,
    Sentence,
    Word,
    Wordings,
    examples,
    phrase_pattern,
)
from rnr_dspy.rules.checkers.content import cut_sentences_with
from rnr_dspy.rules.checkers.lexicon import one_of, refusal, topic_words

__all__ = ["NoContactDetails", "NoUrls", "RefusalPhrase", "RefusalRedirect", "StayOnTopic"]

_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Nine or more digits in one run, broken up by no more than two spaces, dots, dashes or brackets at a time.
_PHONE = re.compile(r"\+?\(?\d(?:[ .()\-]{0,2}\d){8,}")
_REFERRALS = ["a qualified professional", "a doctor", "a lawyer", "a licensed electrician", "a financial adviser",
              "a pharmacist", "your local library", "the official website", "a customer service agent",
              "a teacher", "a travel agent", "a registered dietitian", "a mechanic"]


def _normalise(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHIC).split())


class RefusalPhrase(Checker):
    name: Literal["refusal_phrase"] = "refusal_phrase"
    lm_choice: ClassVar[int | None] = 24
    family: ClassVar[str | None] = "scope"
    phrase: Sentence
    kind: ClassVar[str] = "scope"
    out_of_scope_only: ClassVar[bool] = True
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase",)
    draws: ClassVar[Draws] = {"phrase": refusal}
    wordings: ClassVar[Wordings] = {
        "terse": 'Out-of-scope requests: reply "{phrase}"',
        "prohibitive": 'Never help with a request outside your scope; answer it with "{phrase}"',
        "third_person": 'Asked something outside its scope, the assistant replies "{phrase}"',
    }

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        if context.rng.random() < 0.5 or not context.topic:
            return super().sample(context)
        return cls(phrase=f"Sorry, I can only help with {context.topic}.")

    def describe(self) -> str:
        return f'When a request is outside your scope, reply with "{self.phrase}"'

    def evaluate(self, response: str) -> CheckResult:
        ok = _normalise(self.phrase) in _normalise(response)
        return CheckResult(ok, "the refusal phrase is present" if ok else "the exact refusal phrase is missing")

    def _repair(self, response: str) -> str | None:
        return self.phrase


class RefusalRedirect(Checker):
    name: Literal["refusal_redirect"] = "refusal_redirect"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "scope"
    phrase: Sentence
    redirect: Phrase
    kind: ClassVar[str] = "scope"
    out_of_scope_only: ClassVar[bool] = True
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase", "redirect")
    draws: ClassVar[Draws] = {"phrase": refusal, "redirect": one_of(_REFERRALS)}
    wordings: ClassVar[Wordings] = {
        "canonical": 'When a request is outside your scope, decline with "{phrase}" and suggest asking {redirect}.',
        "terse": 'Out of scope: say "{phrase}", then refer the user to {redirect}.',
        "prohibitive": 'Never handle out-of-scope requests; reply "{phrase}" and name {redirect} as where to turn.',
        "third_person": 'Outside its scope, the assistant answers "{phrase}" and points the user to {redirect}.',
    }

    def evaluate(self, response: str) -> CheckResult:
        phrase = _normalise(self.phrase) in _normalise(response)
        redirect = phrase_pattern(self.redirect, re.IGNORECASE).search(response) is not None
        return CheckResult(phrase and redirect, f"refusal phrase {'present' if phrase else 'missing'}, referral to "
                           f"{self.redirect!r} {'present' if redirect else 'missing'}")

    def _repair(self, response: str) -> str | None:
        return f"{self.phrase} You could ask {self.redirect}."


class StayOnTopic(Checker):
    name: Literal["stay_on_topic"] = "stay_on_topic"
    family: ClassVar[str | None] = "scope"
    topics: list[Word] = Field(min_length=1, max_length=8)
    kind: ClassVar[str] = "scope"
    draws: ClassVar[Draws] = {"topics": topic_words(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Stay on topic: every answer mentions at least one of {topics}.",
        "terse": "Topic words (one or more per answer): {topics}.",
        "prohibitive": "Never drift off topic; each answer names at least one of {topics}.",
        "third_person": "The assistant keeps to its subject: each reply mentions one or more of {topics}.",
    }

    def evaluate(self, response: str) -> CheckResult:
        found = [topic for topic in self.topics if phrase_pattern(topic, re.IGNORECASE).search(response)]
        return CheckResult(bool(found), f"mentions {found}" if found else f"mentions none of {self.topics}")


class NoUrls(Checker):
    name: Literal["no_urls"] = "no_urls"
    repair_order: ClassVar[int] = 15
    kind: ClassVar[str] = "safety"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": 'Never include links or web addresses (nothing starting "http://", "https://" or "www.").',
        "terse": 'No URLs ("http://", "https://", "www.").',
        "prohibitive": 'Do not paste any web address: no "http://", "https://" or "www." anywhere.',
        "third_person": 'The assistant gives no links: nothing beginning with "http://", "https://" or "www.".',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if re.search(r"\w", response) and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = _URL.findall(response)
        return CheckResult(not found, f"{len(found)} link(s){examples([url[:40] for url in found], 1)}")

    def _repair(self, response: str) -> str | None:
        kept = cut_sentences_with(response, [_URL])
        return kept if re.search(r"\w", kept) else None


class NoContactDetails(Checker):
    name: Literal["no_contact_details"] = "no_contact_details"
    repair_order: ClassVar[int] = 16
    kind: ClassVar[str] = "safety"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Never give email addresses or phone numbers (no run of nine or more digits, even broken up by "
            "spaces, dots, dashes or brackets).",
        "terse": "No email addresses; no phone numbers (9+ digits in a run, separators included).",
        "prohibitive": "Do not write an email address or a phone number (nine or more digits in a row, spaces, dots, "
            "dashes or brackets between them included).",
        "third_person": "The assistant shares no email addresses and no phone numbers (runs of nine or more digits, "
            "whatever the separators).",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if re.search(r"\w", response) and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        emails, phones = _EMAIL.findall(response), _PHONE.findall(response)
        return CheckResult(not emails and not phones, f"{len(emails)} email address(es), {len(phones)} phone "
                           "number(s)")

    def _repair(self, response: str) -> str | None:
        kept = cut_sentences_with(response, [_EMAIL, _PHONE])
        return kept if re.search(r"\w", kept) else None
