"""Checkers on how a response opens and closes: fixed openings and endings, a postscript, a summary line first,
a restated question first, a question last."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Marker, Phrase, Wordings, split_sentences
from rnr_dspy.rules.checkers.lexicon import closing, label, one_of, opening

__all__ = ["EndsWith", "EndsWithQuestion", "Postscript", "RestateQuestion", "StartsWith", "SummaryFirst"]

_LIST_OR_HEADING = re.compile(r"(?:[-*•#]|\d+[.)])\s")
_TRAILING = "\"'”’)]*_ \t\n"


class StartsWith(Checker):
    name: Literal["starts_with"] = "starts_with"
    lm_choice: ClassVar[int | None] = 10
    family: ClassVar[str | None] = "opening"
    repair_order: ClassVar[int] = 41
    phrase: Phrase
    exclusive: ClassVar[bool] = True
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase",)
    draws: ClassVar[Draws] = {"phrase": opening}
    wordings: ClassVar[Wordings] = {
        "terse": 'Opening words: "{phrase}".',
        "prohibitive": 'Never start an answer with anything but the exact words "{phrase}".',
        "third_person": 'The assistant opens every reply with the exact words "{phrase}".',
        "requirement": 'The first words of each answer must be exactly "{phrase}".',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(phrase=" ".join(words[:2])) if len(words := response.split()) >= 6 else None

    def describe(self) -> str:
        return f'Begin every answer with the exact words "{self.phrase}".'

    def evaluate(self, response: str) -> CheckResult:
        ok = response.lstrip().startswith(self.phrase.strip())
        return CheckResult(ok, f'starts with {response.lstrip()[: len(self.phrase) + 10]!r}')

    def _repair(self, response: str) -> str | None:
        # Before a list or a heading the opening goes on its own line, so the first item keeps its marker.
        separator = "\n" if _LIST_OR_HEADING.match(response.lstrip()) else " "
        return f"{self.phrase}{separator}{response.lstrip()}"


class EndsWith(Checker):
    name: Literal["ends_with"] = "ends_with"
    lm_choice: ClassVar[int | None] = 11
    family: ClassVar[str | None] = "ending"
    repair_order: ClassVar[int] = 61
    phrase: Phrase
    exclusive: ClassVar[bool] = True
    literal_fields: ClassVar[tuple[str, ...]] = ("phrase",)
    draws: ClassVar[Draws] = {"phrase": closing}
    wordings: ClassVar[Wordings] = {
        "terse": 'Closing words: "{phrase}" (nothing after them).',
        "prohibitive": 'Never add anything after the closing words "{phrase}", which end every answer.',
        "third_person": 'The assistant ends each reply with the exact words "{phrase}" and nothing after.',
        "requirement": 'Each answer must finish with exactly "{phrase}", with nothing following it.',
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(phrase=" ".join(words[-3:])) if len(words := response.split()) >= 6 else None

    def describe(self) -> str:
        return f'End every answer with the exact words "{self.phrase}", with nothing after them.'

    def evaluate(self, response: str) -> CheckResult:
        ok = response.rstrip().endswith(self.phrase.strip())
        return CheckResult(ok, f'ends with {response.rstrip()[-(len(self.phrase) + 10):]!r}')

    def _repair(self, response: str) -> str | None:
        return f"{response.rstrip()} {self.phrase}"


class Postscript(Checker):
    name: Literal["postscript"] = "postscript"
    lm_choice: ClassVar[int | None] = 4
    family: ClassVar[str | None] = "ending"
    repair_order: ClassVar[int] = 60
    marker: Marker = "P.S."
    kind: ClassVar[str] = "format"
    literal_fields: ClassVar[tuple[str, ...]] = ("marker",)
    draws: ClassVar[Draws] = {"marker": one_of(["P.S.", "PS:", "Note:", "By the way:"])}
    wordings: ClassVar[Wordings] = {
        "terse": 'Postscript required: a last part on its own line, opening with "{marker}".',
        "prohibitive": 'Never finish an answer without a postscript: a closing line that opens with "{marker}".',
        "third_person": "The assistant closes every reply with a postscript on its own line, starting with "
            '"{marker}".',
    }

    def describe(self) -> str:
        return f'End every answer with a postscript: a final part on its own line starting with "{self.marker}".'

    def _line(self) -> re.Pattern[str]:
        flexible = r"\.\s?".join(re.escape(part) for part in self.marker.split("."))
        return re.compile(rf"^[ \t>*_]*{flexible}", re.IGNORECASE | re.MULTILINE)

    def evaluate(self, response: str) -> CheckResult:
        starts = [match.start() for match in self._line().finditer(response)]
        if not starts:
            return CheckResult(False, f'no line starts with "{self.marker}"')
        body = re.search(r"\w", response[: starts[-1]]) is not None
        return CheckResult(body, "postscript after the answer" if body else "the postscript has no answer before it")

    def _repair(self, response: str) -> str | None:
        if not response.strip():
            return None
        return f"{response.rstrip()}\n\n{self.marker} More details are available on request."


class SummaryFirst(Checker):
    name: Literal["summary_first"] = "summary_first"
    family: ClassVar[str | None] = "opening"
    repair_order: ClassVar[int] = 42
    label: Marker
    literal_fields: ClassVar[tuple[str, ...]] = ("label",)
    draws: ClassVar[Draws] = {"label": label}
    wordings: ClassVar[Wordings] = {
        "canonical": 'Open every answer with a one-line summary that starts with "{label}:".',
        "terse": 'First line: "{label}:" followed by a one-line summary.',
        "prohibitive": 'Never begin an answer with anything other than a line starting "{label}:" that sums it up.',
        "third_person": 'The assistant starts each reply with a summary line beginning "{label}:".',
    }

    def evaluate(self, response: str) -> CheckResult:
        first = response.strip().split("\n", 1)[0]
        ok = re.match(rf"[#>*_ \t]*{re.escape(self.label)}[*_]*:[*_]*[ \t]*\S", first) is not None
        return CheckResult(ok, f"first line is {first[:60]!r}")

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = re.match(r"([A-Z][\w ;]{1,18}):[ \t]*\S", response.strip())
        return cls(label=found.group(1)) if found else None

    def _repair(self, response: str) -> str | None:
        # The label goes before a first sentence of prose; a list or a heading has no sentence to sum up with.
        text = response.strip()
        return f"{self.label}: {text}" if text and not _LIST_OR_HEADING.match(text) else None


class RestateQuestion(Checker):
    name: Literal["restate_question"] = "restate_question"
    family: ClassVar[str | None] = "opening"
    wordings: ClassVar[Wordings] = {
        "canonical": "Begin every answer by restating the user's question in one sentence ending with a question "
            "mark, then answer it.",
        "terse": "First sentence: the user's question, restated, ending in '?'; then the answer.",
        "prohibitive": "Never start answering before you have restated the question as one sentence ending with a "
            "question mark.",
        "third_person": "The assistant first restates the question in a sentence ending with '?', and only then "
            "answers.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        sentences = split_sentences(response)
        if not sentences or not sentences[0].rstrip(_TRAILING).endswith("?"):
            return CheckResult(False, f"first sentence is {sentences[0][:60]!r}" if sentences else "empty answer")
        answered = any(re.search(r"\w", sentence) for sentence in sentences[1:])
        return CheckResult(answered, "restated, then answered" if answered else "a question and no answer after it")


class EndsWithQuestion(Checker):
    name: Literal["ends_with_question"] = "ends_with_question"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "ending"
    repair_order: ClassVar[int] = 63
    wordings: ClassVar[Wordings] = {
        "canonical": "End every answer with a question to the user: the last sentence ends with a question mark.",
        "terse": "Last sentence: a question ending in '?'.",
        "prohibitive": "Never end an answer on a statement; finish with a question ending in '?'.",
        "third_person": "The assistant always closes with a question; its last sentence ends with '?'.",
    }

    def required_text(self) -> list[str]:
        return ["?"]

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        last = response.rstrip(_TRAILING)
        return CheckResult(last.endswith(("?", "？")), f"ends with {last[-40:]!r}")

    def _repair(self, response: str) -> str | None:
        return f"{response.rstrip()}\n\nWhat would you like to explore next?" if response.strip() else None
