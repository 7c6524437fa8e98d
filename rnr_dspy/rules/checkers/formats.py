"""Checkers on the format of the whole response: a JSON object, a YAML mapping, CSV, an answer wrapped in tags.
They share the `form` family: a response has one format."""

from __future__ import annotations

import csv
import json
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Word, Wordings, plural
from rnr_dspy.rules.checkers.lexicon import between, field_names, one_of

__all__ = ["CsvTable", "JsonResponse", "TaggedWrapper", "YamlMapping"]

_FENCE = re.compile(r"```[ \t]*(?:json)?[ \t]*\n?(.*?)\n?[ \t]*```", re.DOTALL | re.IGNORECASE)
_TAG = r"^[a-z][a-z_-]{0,19}$"


def _unfenced(response: str, language: str) -> str:
    text = response.strip()
    fenced = re.fullmatch(rf"```[ \t]*(?:{language})?[ \t]*\n?(.*?)\n?[ \t]*```", text, re.DOTALL | re.IGNORECASE)
    return fenced.group(1) if fenced else text


def _reject_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


class JsonResponse(Checker):
    name: Literal["json_response"] = "json_response"
    lm_choice: ClassVar[int | None] = 29
    family: ClassVar[str | None] = "form"
    required_keys: list[Word] = Field(default_factory=list, max_length=10)
    draws: ClassVar[Draws] = {"required_keys": field_names(1, 3)}
    wordings: ClassVar[Wordings] = {
        "terse": "Format: {shape} only; nothing outside it (a ```json fence is fine).",
        "prohibitive": "Never write text outside the JSON: reply with {shape} alone (a ```json code fence is "
            "allowed).",
        "third_person": "The assistant replies with {shape} and nothing else, optionally in a ```json fence.",
    }

    def slots(self) -> dict[str, object]:
        keys = ", ".join(f'"{key}"' for key in self.required_keys)
        return {**super().slots(), "shape": f"a JSON object with the top-level keys {keys}" if keys else "valid JSON"}

    def required_text(self) -> list[str]:
        return [json.dumps(dict.fromkeys(self.required_keys, ""))] if self.required_keys else []

    def describe(self) -> str:
        keys = ", ".join(f'"{key}"' for key in self.required_keys)
        shape = f"a JSON object with the top-level keys {keys}" if keys else "valid JSON"
        return f"Reply with {shape} only, no text outside it (a ```json code fence is allowed)."

    def evaluate(self, response: str) -> CheckResult:
        text = response.strip()
        fenced = _FENCE.fullmatch(text)
        try:
            value: Any = json.loads(fenced.group(1) if fenced else text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as error:
            return CheckResult(False, f"not valid JSON: {str(error)[:80]}")
        if not self.required_keys:
            return CheckResult(True, f"valid JSON ({type(value).__name__})")
        if not isinstance(value, dict):
            return CheckResult(False, f"valid JSON but a {type(value).__name__}, not an object")
        missing = [key for key in self.required_keys if key not in value]
        return CheckResult(not missing, f"missing keys: {missing}" if missing else "all required keys present")


class YamlMapping(Checker):
    name: Literal["yaml_mapping"] = "yaml_mapping"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "form"
    required_keys: list[Word] = Field(min_length=1, max_length=10)
    draws: ClassVar[Draws] = {"required_keys": field_names(2, 4)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Reply with a YAML mapping only, with the top-level keys {required_keys}; no text outside it (a "
            "```yaml fence is allowed).",
        "terse": "YAML only: a mapping with top-level keys {required_keys} (```yaml fence optional).",
        "prohibitive": "Never write prose: answer as a YAML mapping whose top-level keys include {required_keys}, "
            "optionally fenced as ```yaml.",
        "third_person": "The assistant's reply is a YAML mapping with the top-level keys {required_keys} and nothing "
            "around it but an optional ```yaml fence.",
    }

    def required_text(self) -> list[str]:
        return [f"{key}:" for key in self.required_keys]

    def evaluate(self, response: str) -> CheckResult:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            value = yaml.load(_unfenced(response, "ya?ml"), Loader=loader)
        except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError) as error:
            return CheckResult(False, f"not valid YAML: {str(error)[:80]}")
        if not isinstance(value, dict):
            return CheckResult(False, f"valid YAML but a {type(value).__name__}, not a mapping")
        missing = [key for key in self.required_keys if key not in value]
        return CheckResult(not missing, f"missing keys: {missing}" if missing else "all required keys present")


class CsvTable(Checker):
    name: Literal["csv_table"] = "csv_table"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "form"
    columns: list[Word] = Field(min_length=2, max_length=8)
    min_rows: int = Field(ge=1, le=50)
    draws: ClassVar[Draws] = {"columns": field_names(2, 4), "min_rows": between(2, 5)}
    wordings: ClassVar[Wordings] = {
        "canonical": "Reply with CSV only: the header line {header}, then at least {rows} of {width} comma-separated "
            "values (a ```csv fence is allowed).",
        "terse": "CSV only. Header: {header}. Then {rows} or more, {width} values each.",
        "prohibitive": "Never write anything but CSV: header {header} first, then at least {rows} with exactly "
            "{width} comma-separated values.",
        "third_person": "The assistant answers in CSV: header {header} and at least {rows} of {width} values, "
            "optionally in a ```csv fence.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "header": f'"{",".join(self.columns)}"', "rows": plural(self.min_rows, "data row"),
                "width": len(self.columns)}

    def required_text(self) -> list[str]:
        return [",".join(self.columns)]

    def evaluate(self, response: str) -> CheckResult:
        text = _unfenced(response, "csv")
        try:
            rows = [[cell.strip() for cell in row] for row in csv.reader(text.splitlines()) if any(map(str.strip, row))]
        except csv.Error as error:
            return CheckResult(False, f"not valid CSV: {error}")
        if not rows or rows[0] != self.columns:
            return CheckResult(False, f"header is {rows[0] if rows else None}; expected {self.columns}")
        ragged = [index for index, row in enumerate(rows[1:], start=2) if len(row) != len(self.columns)]
        if ragged:
            return CheckResult(False, f"row {ragged[0]} does not have {len(self.columns)} values")
        return CheckResult(len(rows) - 1 >= self.min_rows, f"{plural(len(rows) - 1, 'data row')}; at least "
                           f"{self.min_rows}")


class TaggedWrapper(Checker):
    name: Literal["tagged_wrapper"] = "tagged_wrapper"
    family: ClassVar[str | None] = "form"
    repair_order: ClassVar[int] = 52
    tag: Annotated[str, StringConstraints(pattern=_TAG)]
    literal_fields: ClassVar[tuple[str, ...]] = ("tag",)
    draws: ClassVar[Draws] = {"tag": one_of(["answer", "reply", "response", "output", "final"])}
    wordings: ClassVar[Wordings] = {
        "canonical": "Wrap your entire answer in <{tag}> and </{tag}> tags, with nothing before or after them.",
        "terse": "Answer inside <{tag}>...</{tag}>, nothing outside.",
        "prohibitive": "Never write anything outside the <{tag}> and </{tag}> tags that enclose your answer.",
        "third_person": "The assistant puts its whole reply between <{tag}> and </{tag}>, with nothing around them.",
    }

    def evaluate(self, response: str) -> CheckResult:
        text = response.strip()
        opening, closing = f"<{self.tag}>", f"</{self.tag}>"
        wrapped = text.startswith(opening) and text.endswith(closing) and len(text) >= len(opening + closing)
        inner = text[len(opening) : -len(closing)] if wrapped else ""
        ok = wrapped and re.search(r"\w", inner) is not None
        return CheckResult(ok, "wrapped in its tags" if ok else f"starts {text[:20]!r}, ends {text[-20:]!r}")

    def _repair(self, response: str) -> str | None:
        # An answer that opened or closed the tag itself keeps one of each; one that uses it inside is given up.
        opening, closing = f"<{self.tag}>", f"</{self.tag}>"
        inner = response.strip().removeprefix(opening).removesuffix(closing).strip()
        if opening in inner or closing in inner or not inner:
            return None
        return f"{opening}\n{inner}\n{closing}"
