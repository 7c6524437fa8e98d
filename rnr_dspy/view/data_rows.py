"""What the viewer's data tab shows of a generate run: every SFT row and DPO pair of its datasets, and every prompt
that yielded no row, each with its rules, their verdicts and reasons, and how the answer was made."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rnr_dspy.errors import RnrError, validation_problems
from rnr_dspy.generate.records import PromptRecord
from rnr_dspy.generate.run_dir import RECORD_FILE
from rnr_dspy.program.answer import Attempt, best_attempt
from rnr_dspy.rules import Rule, RuleVerdict, decide
from rnr_dspy.runtime.jsonl import read_jsonl

__all__ = ["data_view", "prompt_rows", "word_diff"]

_WORDS = re.compile(r"\S+\s*|\s+")  # each word with the space after it


def data_view(run_dir: Path) -> dict[str, Any]:
    """The data tab of a generate run directory: its system prompts (each stored once) and its rows."""
    systems: dict[str, int] = {}
    table: list[dict[str, Any]] = []
    rows = []
    for record in _prompt_records(run_dir / RECORD_FILE):
        try:
            prompt = PromptRecord.model_validate(record)
        except ValidationError as error:
            raise RnrError(f"{run_dir / RECORD_FILE}: record {record['key']} cannot be read: "
                           f"{validation_problems(error, model=PromptRecord)[0]}") from None
        for row in prompt_rows(prompt):
            entry = {"text": row.pop("system"), "rules": [_rule(rule) for rule in row.pop("rules")]}
            key = json.dumps(entry, sort_keys=True)  # one text may stand for rules of other checks
            if key not in systems:
                systems[key] = len(table)
                table.append(entry)
            rows.append({"system": systems[key], **row})
    return {"systems": table, "rows": rows}


def _prompt_records(path: Path) -> list[dict[str, Any]]:
    """The latest record of each prompt, read without touching the file: a run may be writing it (its torn last
    line, or any other unreadable one, is left out)."""
    latest: dict[str, dict[str, Any]] = {}
    for _, record in read_jsonl(path, []):
        if record.get("stage") == "prompt" and isinstance(record.get("key"), str):
            latest[record["key"]] = record
    return list(latest.values())


def prompt_rows(record: PromptRecord) -> list[dict[str, Any]]:
    """The rows one prompt yields as the datasets hold them (`to_messages`, `to_preference`), or, when it yields
    none, one row of kind `no_row` with its best attempt: what the teacher wrote and which rules it broke."""
    rows = []
    for message_row in record.to_messages():
        attempt = _attempt_of(record, message_row["method"], message_row["messages"][2]["content"])
        rows.append(_row(record, "sft", attempt))
    pair = record.to_preference()
    if pair is not None:
        chosen = _attempt_of(record, pair["method"], pair["chosen"][0]["content"])
        rejected = _attempt_of(record, "sampled", pair["rejected"][0]["content"])
        if chosen.rules:  # a hindsight pair: the rejected answer is judged under the chosen one's rules
            verdicts = decide(chosen.rules, rejected.response, turn_type=record.turn_type)
            rejected = rejected.model_copy(update={"verdicts": verdicts})
        rows.append({**_row(record, "dpo", chosen), "rejected": _answer(rejected)})
    if not rows:
        best = max((a for a in record.attempts if a.method != "hindsight"), key=lambda a: a.followed, default=None)
        rows.append(_row(record, "no_row", best))
    return rows


def word_diff(before: str, after: str) -> list[list[str]]:
    """`after` against `before`, word by word: segments `["=", text]`, `["-", text]` (dropped), `["+", text]`."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    segments: list[list[str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(["=", "".join(old[i1:i2])])
            continue
        if i2 > i1:
            segments.append(["-", "".join(old[i1:i2])])
        if j2 > j1:
            segments.append(["+", "".join(new[j1:j2])])
    return segments


def _row(record: PromptRecord, kind: str, attempt: Attempt | None) -> dict[str, Any]:
    rules = (attempt.rules if attempt is not None and attempt.rules else None) or record.rules
    system = (attempt.system_prompt if attempt is not None and attempt.system_prompt else None) or record.system_prompt
    how = "failed" if attempt is None or kind == "no_row" else _how_made(record, attempt)
    source = _best_sample(record) if how in ("repaired", "hindsight", "refusal") else None
    return {
        "kind": kind, "id": record.key, "status": record.status, "error": record.error, "method": how,
        "turn_type": record.turn_type, "seed_ids": record.provenance.seed_ids, "lm": record.provenance.lm,
        "judge_lm": record.provenance.judge_lm, "system": system, "rules": rules, "user": record.user,
        **_answer(attempt),
        "diff": word_diff(source.response, attempt.response)
        if source is not None and attempt is not None and source.response != attempt.response else None,
    }


def _how_made(record: PromptRecord, attempt: Attempt) -> str:
    """`sampled` (as written), `repaired`, `hindsight`, or `refusal`: a hindsight row whose answer is the refusal
    an out-of-scope turn's rules ask for, written by code rather than by the teacher."""
    if attempt.method != "hindsight" or record.turn_type != "out_of_scope":
        return attempt.method
    sampled = {a.response for a in record.attempts if a.method == "sampled"}
    refusal_checks = [rule.check for rule in record.rules if rule.check is not None and rule.check.out_of_scope_only]
    if attempt.response not in sampled and any(check.evaluate(attempt.response).followed for check in refusal_checks):
        return "refusal"
    return "hindsight"


def _best_sample(record: PromptRecord) -> Attempt | None:
    """The sample a repair or a hindsight row starts from (as `answer_under_rules` picks it)."""
    return best_attempt([a for a in record.attempts if a.method == "sampled"])


def _attempt_of(record: PromptRecord, method: str, response: str) -> Attempt:
    return next(a for a in record.attempts if a.response == response and a.method == method)


def _answer(attempt: Attempt | None) -> dict[str, Any]:
    if attempt is None:
        return {"answer": None, "verdicts": [], "problems": []}
    return {"answer": attempt.response, "verdicts": [_verdict(v) for v in attempt.verdicts],
            "problems": attempt.problems}


def _verdict(verdict: RuleVerdict) -> list[Any]:
    return [verdict.rule_id, verdict.followed, verdict.reason, verdict.method]


def _rule(rule: Rule) -> dict[str, str]:
    return {"id": rule.id, "kind": rule.kind, "text": rule.text,
            "checker": rule.check.name if rule.check is not None else "judge"}
