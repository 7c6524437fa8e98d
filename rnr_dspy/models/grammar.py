"""Derive a decoding constraint (a GBNF grammar for llama.cpp) from what a DSPy request asks for.

- `response_format` with a JSON schema (sent by `dspy.JSONAdapter` to an LM that declares schema support):
  the grammar admits exactly the JSON documents of that schema.
- `{"type": "json_object"}`: any JSON object.
- No response format, but a `dspy.ChatAdapter` prompt: the reply must be the adapter's `[[ ## field ## ]]`
  sections in order, then `[[ ## completed ## ]]`. Text fields are free text; typed fields are JSON values.
- Anything else (a plain chat, e.g. a model answering under a real system prompt): no constraint.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from dspy.lm15 import Request

__all__ = ["grammar_for"]

# The adapter's closing reminder, e.g. "Respond with the corresponding output fields, starting with the field
# `[[ ## role ## ]]`, then `[[ ## rules ## ]]` (must be formatted as a valid Python list[Rule]), and then ending
# with the marker for `[[ ## completed ## ]]`."
_CHAT_REMINDER = re.compile(r"Respond with the corresponding output fields, starting with the field (.*?)and then "
                            r"ending with the marker for `\[\[ ## completed ## \]\]`", re.DOTALL)
_CHAT_FIELD = re.compile(r"`\[\[ ## (\w+) ## \]\]`( \(must be formatted as a valid Python [^)]*\))?")

# Free text that never opens a new `[[ ## … ## ]]` section.
_FREE_TEXT = r"""text ::= ( [^\[] | "[" [^\[] )+"""


def grammar_for(request: Request) -> str | None:
    """The GBNF grammar that constrains the reply to `request`, or None for an unconstrained reply."""
    response_format = request.config.response_format
    if response_format is not None:
        if response_format.get("type") == "json_schema":
            return _json_schema_grammar(json.dumps(response_format["schema"]))  # key order is field order
        return "root ::= object\n" + _json_value_rules()
    last_user = next((m for m in reversed(request.messages) if m.role == "user"), None)
    match = _CHAT_REMINDER.search(last_user.text if last_user is not None else "")
    if match is None:
        return None
    return _chat_sections_grammar(tuple((name, bool(typed)) for name, typed in _CHAT_FIELD.findall(match.group(1))))


@lru_cache(maxsize=128)
def _json_schema_grammar(schema: str) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(schema)


def _json_value_rules() -> str:
    """llama.cpp's own JSON grammar without its root: `object`, `value` (any JSON value) and the rules under them."""
    from llama_cpp.llama_grammar import JSON_GBNF

    return JSON_GBNF.replace("root   ::= object", "")


@lru_cache(maxsize=128)
def _chat_sections_grammar(fields: tuple[tuple[str, bool], ...]) -> str:
    parts = []
    for index, (name, typed) in enumerate(fields):
        opening = f"[[ ## {name} ## ]]\n" if index == 0 else f"\n\n[[ ## {name} ## ]]\n"
        parts.append(f"{json.dumps(opening)} {'value' if typed else 'text'}")
    parts.append(json.dumps("\n\n[[ ## completed ## ]]"))
    return "root ::= " + " ".join(parts) + "\n" + _FREE_TEXT + "\n" + _json_value_rules()
