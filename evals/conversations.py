"""Conversations to check: JSON Lines of a system prompt, a user turn and (unless a model answers) the assistant's
answer, in Hugging Face's messages shape or as flat fields.

    {"messages": [{"role": "system", "content": "..."}, {"role": "user", ...}, {"role": "assistant", ...}]}
    {"system": "...", "user": "...", "assistant": "..."}

A row may name its `id` and its `turn_type` (in_scope, adversarial, out_of_scope: what a rule on declining
out-of-scope requests needs). A line that is not such a row is a problem with its file and line; the others are
read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from rnr_dspy.rules import TurnType
from rnr_dspy.runtime.jsonl import read_jsonl

__all__ = ["Conversation", "read_conversations"]


class Conversation(BaseModel):
    id: str
    line: int
    system: str
    user: str
    assistant: str | None = None
    turn_type: TurnType | None = None


def _turns(row: dict[str, Any]) -> dict[str, str]:
    """The first system message, the last user message and the assistant message after it."""
    messages = row.get("messages")
    if messages is None:
        return {key: row[key] for key in ("system", "user", "assistant") if isinstance(row.get(key), str)}
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        raise ValueError("'messages' is not a list of {role, content} objects")
    found: dict[str, str] = {}
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if not isinstance(content, str):
            raise ValueError(f"a {role!r} message has no text content")
        if role == "system":
            found.setdefault("system", content)
        elif role == "user":
            found = {key: value for key, value in found.items() if key == "system"} | {"user": content}
        elif role == "assistant":
            found["assistant"] = content
    return found


def _conversation(line: int, row: dict[str, Any], answered: bool) -> Conversation:
    turns = _turns(row)
    missing = [key for key in ("system", "user", "assistant" if answered else "") if key and key not in turns]
    if missing:
        raise ValueError(f"no {' and no '.join(missing)} message")
    turn_type = row.get("turn_type")
    if turn_type is not None and turn_type not in get_args(TurnType):
        raise ValueError(f"turn_type {turn_type!r} is not one of {', '.join(get_args(TurnType))}")
    return Conversation(id=str(row.get("id", line)), line=line, turn_type=turn_type,
                        **{key: turns[key] for key in ("system", "user", "assistant") if key in turns})


def read_conversations(path: str | Path, *, answered: bool, problems: list[str]) -> list[Conversation]:
    """The conversations of a JSONL file; each bad line is appended to `problems` as "file:line: what".
    `answered`: the rows must hold the assistant's answer (no model answers them)."""
    found = []
    line_problems: list[Any] = []
    bad: list[tuple[int, str]] = []
    for line, row in read_jsonl(path, line_problems):
        try:
            found.append(_conversation(line, row, answered))
        except ValueError as error:
            bad.append((line, f"{path}:{line}: {error}"))
    bad += [(problem.line, str(problem)) for problem in line_problems]
    problems += [message for _, message in sorted(bad)]
    return found
