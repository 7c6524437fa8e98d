"""Checkers on numbers and units: digits spelled out or required, one system of units, currency codes."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, examples, plural
from rnr_dspy.rules.checkers.lexicon import between, one_of

__all__ = ["ONES", "TENS", "MinNumbers", "NoCurrencySymbols", "NoDigits", "UnitSystem", "spell_number"]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# The number words: ONES[n] for 0-19, TENS[n // 10] for twenty to ninety.
ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
# Unit words of each system, and abbreviations that count only right after a number.
_UNITS = {
    "metric": (r"kilometres?|kilometers?|metres?|meters?|centimetres?|centimeters?|millimetres?|millimeters?|"
               r"kilograms?|grams?|litres?|liters?|millilitres?|milliliters?|celsius|°C",
               r"km|cm|mm|m|kg|g|l|ml|kph|km/h"),
    "imperial": (r"miles?|feet|foot|inch(?:es)?|yards?|pounds?|ounces?|gallons?|pints?|quarts?|fahrenheit|°F",
                 r"mi|ft|yd|lbs?|oz|gal|mph"),
}
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB", "₺": "TRY",
             "₴": "UAH", "₦": "NGN", "₱": "PHP", "฿": "THB", "₫": "VND", "¢": "cents"}
_SYMBOL = re.compile(f"[{re.escape(''.join(_CURRENCY))}]")


def spell_number(digits: str) -> str:
    """A run of digits in words ("42" -> "forty-two"); beyond 999,999 and after a leading zero, digit by digit."""
    value = int(digits)
    if value >= 1_000_000 or (len(digits) > 1 and digits.startswith("0")):
        return " ".join(ONES[int(digit)] for digit in digits)
    if value >= 1000:
        rest = value % 1000
        return f"{spell_number(str(value // 1000))} thousand" + (f" {spell_number(str(rest))}" if rest else "")
    if value >= 100:
        rest = value % 100
        return f"{ONES[value // 100]} hundred" + (f" and {spell_number(str(rest))}" if rest else "")
    if value >= 20:
        return TENS[value // 10] + (f"-{ONES[value % 10]}" if value % 10 else "")
    return ONES[value]


_LIST_NUMBER = re.compile(r"^([ \t]*)\d+[.)][ \t]+", re.MULTILINE)
_PLAIN_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d{1,6})(?:\.\d{1,2})?(?!\w)")
_ORDINAL_NUMBER = re.compile(r"(?<![\w.])(\d{1,3})(?:st|nd|rd|th)\b")
_PERCENT = re.compile(r"(\d)\s*%")
_RANGE = re.compile(r"(\d)\s*[-–]\s*(?=\d)")
# Digits a person would not spell: in a formula or code, after a currency symbol, a date or a version, a decimal
# of 3 places or more, a million or more, a leading zero, glued to letters other than an ordinal's ending.
_UNSPELLABLE = re.compile(r"\d\s*[\^*/=×÷<>+:_#@~|\\]|[\^*/=×÷<>:_#@~|\\$€£¥₹]\s*\d|\d\.\d{3}|\d[.,-]\d+[.,-]\d"
                          r"|\d[\d,]{7}|(?<![\w.,])0\d|[A-Za-z]\d|\d(?!st\b|nd\b|rd\b|th\b)[A-Za-z]")
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}


def ordinal(words: str) -> str:
    """The ordinal of a spelled number ("twenty-one" -> "twenty-first", "forty" -> "fortieth")."""
    head, last = re.match(r"(.*?)(\w+)$", words).groups()  # type: ignore[union-attr]
    if last in _ORDINAL_WORDS:
        return head + _ORDINAL_WORDS[last]
    return head + (f"{last[:-1]}ieth" if last.endswith("y") else f"{last}th")


def _spelled(match: re.Match[str]) -> str:
    number = match.group(0)
    whole, _, fraction = number.replace(",", "").partition(".")
    words = spell_number(whole)
    return f"{words} point {' '.join(ONES[int(d)] for d in fraction)}" if fraction else words


class NoDigits(Checker):
    name: Literal["no_digits"] = "no_digits"
    family: ClassVar[str | None] = "digits"
    repair_order: ClassVar[int] = 35
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": 'Write every number in words (e.g. "twelve"); never use the digits 0-9.',
        "terse": "No digits (0-9); spell numbers out.",
        "prohibitive": "Never write a digit; numbers are spelled out in words.",
        "third_person": "The assistant spells out all numbers and writes no digits (0-9) at all.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = re.findall(r"\d", response)
        return CheckResult(not found, plural(len(found), "digit"))

    def _repair(self, response: str) -> str | None:
        # Numbers are spelled as a person writes them; where no one would (a formula, a code, a date, a long
        # decimal, a number glued to letters) the repair gives up. A numbered list becomes a bulleted one.
        text = _LIST_NUMBER.sub(r"\1- ", response)
        if _UNSPELLABLE.search(text):
            return None
        text = _RANGE.sub(r"\1 to ", _PERCENT.sub(r"\1 percent", text))
        text = _ORDINAL_NUMBER.sub(lambda match: ordinal(spell_number(match.group(1))), text)
        return _PLAIN_NUMBER.sub(_spelled, text)


class MinNumbers(Checker):
    name: Literal["min_numbers"] = "min_numbers"
    family: ClassVar[str | None] = "digits"
    min_count: int = Field(ge=1, le=30)
    kind: ClassVar[str] = "content"
    draws: ClassVar[Draws] = {"min_count": between(1, 3)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Give at least {numbers} written in digits (like 12 or 3.5) in every answer.",
        "terse": "Numbers in digits: {min_count} or more.",
        "prohibitive": "Never answer without at least {numbers} in digits, like 12 or 3.5.",
        "third_person": "The assistant backs each answer with at least {numbers} in digits (e.g. 12, 3.5).",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "numbers": plural(self.min_count, "number")}

    def required_text(self) -> list[str]:
        return ["1"]

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        found = len(_NUMBER.findall(response))
        return cls(min_count=found) if found else None

    def evaluate(self, response: str) -> CheckResult:
        found = len(_NUMBER.findall(response))
        return CheckResult(found >= self.min_count, f"{plural(found, 'number')} in digits; at least {self.min_count}")


class UnitSystem(Checker):
    name: Literal["unit_system"] = "unit_system"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "units"
    system: Literal["metric", "imperial"]
    kind: ClassVar[str] = "content"
    local: ClassVar[bool] = True
    draws: ClassVar[Draws] = {"system": one_of(["metric", "imperial"])}
    wordings: ClassVar[Wordings] = {
        "canonical": "Give every measurement in {system} units only; never use {other} units such as {banned}.",
        "terse": "Units: {system} only (no {other} units such as {banned}).",
        "prohibitive": "Never write a {other} unit such as {banned}.",
        "third_person": "The assistant measures in {system} units and never names {other} ones, such as {banned}.",
    }

    def slots(self) -> dict[str, object]:
        other = "imperial" if self.system == "metric" else "metric"
        examples = ("miles, feet, inches, pounds, ounces, gallons or °F" if other == "imperial"
                    else "kilometres, metres, centimetres, kilograms, grams, litres or °C")
        return {**super().slots(), "other": other, "banned": examples}

    def _banned(self) -> re.Pattern[str]:
        words, abbreviations = _UNITS["imperial" if self.system == "metric" else "metric"]
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)|(?<=\d)[ \t]?(?:{abbreviations})(?![\w/])", re.IGNORECASE)

    def evaluate(self, response: str) -> CheckResult:
        found = [match.group(0).strip() for match in self._banned().finditer(response)]
        return CheckResult(not found, f"{plural(len(found), 'unit')} of the wrong system{examples(found)}")


class NoCurrencySymbols(Checker):
    name: Literal["no_currency_symbols"] = "no_currency_symbols"
    repair_order: ClassVar[int] = 36
    kind: ClassVar[str] = "style"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Write amounts of money with currency codes or words (20 USD, 15 euros), never with symbols "
            "such as $, €, £ or ¥.",
        "terse": "No currency symbols ($ € £ ¥ ₹); use codes like USD or words.",
        "prohibitive": "Never write a currency symbol ($, €, £, ¥, ₹ and the like).",
        "third_person": "The assistant names currencies by code or word (USD, euros) and never uses symbols like $ "
            "or €.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if re.search(r"\d", response) and cls().evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        found = _SYMBOL.findall(response)
        return CheckResult(not found, f"{plural(len(found), 'currency symbol')}{examples(found)}")

    def _repair(self, response: str) -> str | None:
        text = re.sub(rf"({_SYMBOL.pattern})[ \t]?(\d[\d,.]*\d|\d)", lambda m: f"{m.group(2)} {_CURRENCY[m.group(1)]}",
                      response)
        return _SYMBOL.sub(lambda m: f" {_CURRENCY[m.group(0)]} ", text).replace("  ", " ")
