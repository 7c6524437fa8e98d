"""What a run records: the system prompt of each group, its user turns, and every prompt's attempts; and the
training rows they yield (TRL's conversational SFT and preference formats)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from rnr_dspy.program.answer import Attempt, chosen_attempt
from rnr_dspy.program.quality import response_problems
from rnr_dspy.rules import Rule, TurnType, decide

__all__ = ["Attempt", "GroupRecord", "Outcome", "PromptRecord", "Provenance", "SystemRecord", "TurnsRecord"]

Status = Literal["ok", "passed", "failed", "error"]
Outcome = Literal["passed", "failed", "error"]


class Provenance(BaseModel):
    seed_ids: list[str]
    program: str = Field(description="Hash of the program state that generated the row.")
    lm: str
    judge_lm: str


class SystemRecord(BaseModel):
    stage: Literal["system"] = "system"
    key: str
    status: Status
    provenance: Provenance
    instructions: list[str]
    role: str = ""
    rules: list[Rule] = []
    system_prompt: str = ""
    error: str | None = None
    tries: int = 1


class TurnsRecord(BaseModel):
    stage: Literal["turns"] = "turns"
    key: str
    status: Status
    system_key: str
    turns: list[tuple[TurnType, str]] = []
    error: str | None = None
    tries: int = 1


class GroupRecord(BaseModel):
    """A group's flow went through: the keys of its records and each prompt's outcome, so that a resumed run
    passes over the group without reading them, while none of them is to be generated again."""

    stage: Literal["group"] = "group"
    key: str
    status: Literal["ok"] = "ok"
    keys: list[str]
    outcomes: list[Outcome]


class PromptRecord(BaseModel):
    stage: Literal["prompt"] = "prompt"
    key: str
    status: Status
    system_key: str
    provenance: Provenance
    turn_type: TurnType
    system_prompt: str
    rules: list[Rule]
    user: str
    attempts: list[Attempt] = []
    error: str | None = None
    tries: int = 1

    @model_validator(mode="after")
    def _status_from_attempts(self) -> PromptRecord:
        # The quality gate holds for records of any age: a response it rejects never passes.
        for attempt in self.attempts:
            problems = response_problems(attempt.response, attempt.rules or self.rules)
            if problems:
                attempt.passed, attempt.problems = False, problems
        # Whether a prompt passed follows from its attempts; only an error is stated by the caller.
        if self.status != "error":
            self.status = "passed" if self.chosen() else "failed"
        return self

    def chosen(self) -> Attempt | None:
        """The attempt that follows every rule of the real system prompt (sampled or repaired)."""
        return chosen_attempt(self.attempts)

    def _meta(self, attempt: Attempt) -> dict[str, Any]:
        rules = attempt.rules or self.rules
        return {"id": self.key, "turn_type": self.turn_type, "method": attempt.method,
                "rule_kinds": [rule.kind for rule in rules], **self.provenance.model_dump()}

    def to_messages(self) -> list[dict[str, Any]]:
        """SFT rows: the chosen response under the system prompt, and a hindsight row under its own rules."""
        rows = []
        chosen = self.chosen()
        for attempt in self.attempts:
            if attempt is chosen or (attempt.passed and attempt.method == "hindsight"):
                system = attempt.system_prompt or self.system_prompt
                messages = [{"role": "system", "content": system}, {"role": "user", "content": self.user},
                            {"role": "assistant", "content": attempt.response}]
                rows.append({"messages": messages, **self._meta(attempt)})
        return rows

    def to_preference(self) -> dict[str, Any] | None:
        """A DPO pair: the chosen response against the worst failed sample for the same prompt; without a chosen
        one, a hindsight response that is not a sample (a refusal, or an answer a repair mended in part) against a
        sample that breaks its rules."""
        chosen = self.chosen()
        failed = [a for a in self.attempts if not a.passed and a.method == "sampled"]
        if chosen is None:
            chosen = next((a for a in self.attempts if a.passed and a.method == "hindsight"), None)
            if chosen is None or any(a.response == chosen.response for a in failed):
                return None
            rules = chosen.rules or []
            failed = [a for a in failed if any(v.followed is False
                                               for v in decide(rules, a.response, turn_type=self.turn_type))]
        failed = [a for a in failed if a.response != chosen.response]
        if not failed:
            return None
        rejected = min(failed, key=lambda a: a.followed)
        system = chosen.system_prompt or self.system_prompt
        prompt = [{"role": "system", "content": system}, {"role": "user", "content": self.user}]
        return {"prompt": prompt, "chosen": [{"role": "assistant", "content": chosen.response}],
                "rejected": [{"role": "assistant", "content": rejected.response}], **self._meta(chosen)}
