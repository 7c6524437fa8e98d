"""The rule model every stage shares: rules, verdicts, and the one rendering of a system prompt."""

from __future__ import annotations

import difflib
import random
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema

from rnr_dspy.rules.checkers import REGISTRY, AnyCheck, LMCheck
from rnr_dspy.rules.held_out import is_held_out

__all__ = [
    "TURN_TYPES", "Rule", "RuleKind", "RuleVerdict", "SystemPrompt", "TurnType", "normalize_rules",
    "render_system_prompt",
]

RuleKind = Literal["format", "length", "content", "style", "language", "tone", "scope", "safety", "persona", "other"]
# What a user turn asks of the assistant: a request its role serves, one that tempts it to break a rule, or one
# its rules say to decline.
TurnType = Literal["in_scope", "adversarial", "out_of_scope"]
TURN_TYPES: tuple[TurnType, ...] = ("in_scope", "adversarial", "out_of_scope")


class _OfferedChecks:
    """A check field's JSON schema lists only the checks an LM is offered (`LM_CHOICES`), while validation accepts
    every registered check (benchmark items use them all)."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(TypeAdapter(LMCheck | None).core_schema)


class Rule(BaseModel):
    """One rule of a system prompt. With a `check` it is decided by code; without one, by a judge LM."""

    # (The docstring above is part of the JSON schema LMs read; notes for developers go here.)
    # Written by hand (`Rule(text=..., check=...)`), a rule with an unknown field, an unknown checker or bad
    # parameters raises at once. Parsed from data (`Rule.model_validate`, a `list[Rule]` field, an LM's reply),
    # unknown fields are dropped and a rule with a bad check is kept judge-only with `check_error` saying why, so
    # an LM's slip does not lose the rule. A checked rule's kind defaults to its checker's kind.
    model_config = ConfigDict(extra="ignore")

    # Ids are assigned by the program, not written by the LM, so they are left out of the LM-facing schema.
    id: SkipJsonSchema[str] = ""
    kind: RuleKind = "other"
    text: str = Field(min_length=1, max_length=200, description="The rule as the assistant will read it, one sentence.")
    check: Annotated[AnyCheck | None, _OfferedChecks()] = Field(
        default=None, description="A programmatic check from the registry that decides this rule, or null."
    )
    # Why a proposed check was refused (unknown name, bad parameters); the rule then stays judge-only.
    check_error: SkipJsonSchema[str | None] = None

    def __init__(self, /, **data: Any) -> None:
        # Only a hand-written rule comes through __init__: its check must be valid.
        self.__pydantic_validator__.validate_python(data, self_instance=self, context=_HAND_WRITTEN)

    # Marked as pydantic's own __init__, so parsing (`model_validate`, a `list[Rule]` field) does not call it.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="before")
    @classmethod
    def _keep_rule_when_check_is_invalid(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        if info.context is _HAND_WRITTEN:
            _known_fields(data, cls.model_fields)
            if data.get("check") is not None:
                _known_checker(data["check"])
            return data  # the field validates the parameters: a bad one raises, naming it
        if data.get("check") is None:
            return data
        try:
            _CHECK.validate_python(data["check"])
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "check"
            return {**data, "check": None, "check_error": f"invalid check {data['check']!r}: {where}: {first['msg']}"}
        return data

    @model_validator(mode="after")
    def _kind_from_check(self) -> Rule:
        if self.check is not None and "kind" not in self.model_fields_set:
            self.kind = type(self.check).kind  # type: ignore[assignment]
        return self

    @property
    def checkable(self) -> bool:
        return self.check is not None

    def verify(self, response: str, turn_type: TurnType | None = None) -> RuleVerdict | None:
        """Decide this rule by its check; None when it has no check and needs a judge.

        A rule on declining out-of-scope requests is followed on any other known turn type by not declining.
        """
        if self.check is None:
            return None
        result = self.check.evaluate(response)
        if self.check.out_of_scope_only and turn_type in ("in_scope", "adversarial"):
            declined = result.followed
            reason = "declined a request it should answer" if declined else "answered; no refusal needed"
            return RuleVerdict(rule_id=self.id, followed=not declined, reason=reason, method="check")
        return RuleVerdict(rule_id=self.id, followed=result.followed, reason=result.reason, method="check")


_CHECK: TypeAdapter[Any] = TypeAdapter(AnyCheck)
# The validation context of a rule built with `Rule(...)`; compared by identity.
_HAND_WRITTEN: dict[str, bool] = {"hand_written": True}


def _known_fields(data: dict[str, Any], fields: Any) -> None:
    # Parsed data may carry keys the rule does not keep (an LM's extra "reason"); a hand-written one may not, or a
    # misspelt `check` would silently leave the rule to a judge.
    unknown = [key for key in data if key not in fields]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), list(fields), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; a rule's fields are {', '.join(fields)}"
        raise ValueError(f"unknown field {unknown[0]!r} of a rule{hint}")


def _known_checker(check: Any) -> None:
    name = check.get("name") if isinstance(check, dict) else getattr(check, "name", None)
    if isinstance(name, str) and name not in REGISTRY:
        close = difflib.get_close_matches(name, REGISTRY, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known checkers: {', '.join(sorted(REGISTRY))}"
        raise ValueError(f"unknown checker {name!r}{hint}")


class RuleVerdict(BaseModel):
    """Whether a response followed one rule; `followed=None` means the verdict is unknown (e.g. unparsable judge)."""

    rule_id: str
    followed: bool | None
    reason: str = ""
    # Set by the program, not by the judge LM.
    method: SkipJsonSchema[Literal["check", "judge"]] = "judge"


class SystemPrompt(BaseModel):
    """A role and its rules: what a developer puts in the system message."""

    role: str
    rules: list[Rule] = Field(default_factory=list)

    def render(self) -> str:
        return render_system_prompt(self.role, self.rules)


def render_system_prompt(role: str, rules: list[Rule]) -> str:
    """Render a role and its rules as the system prompt text (role paragraph, blank line, numbered rules).

    Generation, training and evaluation all use this one function.

    >>> render_system_prompt("You are a travel guide.", [Rule(text="Answer in English.")])
    'You are a travel guide.\\n\\nRules:\\n1. Answer in English.'
    """
    role = role.strip()
    if not rules:
        return role
    numbered = "\n".join(f"{i}. {rule.text.strip()}" for i, rule in enumerate(rules, start=1))
    return f"{role}\n\nRules:\n{numbered}"


def normalize_rules(rules: list[Rule | dict[str, Any]], *, seed: str | None = None,
                    include_held_out: bool = False) -> list[Rule]:
    """Give rules stable ids (r1, r2, …); a checked rule's text and kind come from its check, so the system
    prompt states exactly what is verified.

    A text that is already one of the check's wordings is kept; any other is replaced by the canonical wording, or
    with a `seed` by a wording drawn from it. A check of a held-out type (`rnr_dspy.rules.held_out`) is dropped
    from its rule, which stays judge-only with the reason in `check_error`, unless `include_held_out`.
    """
    normalized = []
    wording = random.Random(seed) if seed is not None else None
    for index, rule in enumerate(rules, start=1):
        rule = rule if isinstance(rule, Rule) else Rule.model_validate(rule)
        update: dict[str, Any] = {"id": f"r{index}"}
        check = rule.check
        if check is not None and is_held_out(check.name) and not include_held_out:
            update |= {"check": None, "check_error": f"{check.name} is a held-out rule type, kept out of generation"}
        elif check is not None:
            text = rule.text if check.wording_of(rule.text) else (
                check.describe() if wording is None else check.render(wording))
            update |= {"text": text, "kind": type(check).kind}
        normalized.append(rule.model_copy(update=update))
    return normalized
