"""The data-quality gate of generation: a response that no rule checks for, but that no one should train on.

A weak teacher answering through DSPy's prompt format leaks that format into its answers (`[[ ## user ## ]]`,
`## system_prompt ##`), or a chat template's special tokens, or answers with a JSON object nobody asked for. Such
a response never passes, whatever its rules say; the attempt keeps it, with the reason, for the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from rnr_dspy.rules import Rule

__all__ = ["FORMAT_MARKERS", "response_problems"]

# DSPy's field markers and the field names of this project's signatures as a model echoes them (also bare, in their
# identifier form: "**System_prompt**", "system-prompt"), and chat-template special tokens.
_FIELDS = ("system_prompt", "user", "response", "role", "rules", "checks", "seed_instructions", "instructions",
           "verdicts", "in_scope", "adversarial", "out_of_scope", "reasoning", "completed")
FORMAT_MARKERS = re.compile(
    r"\[\[\s*##.{0,40}?##\s*\]\]"
    rf"|##\s*(?:{'|'.join(_FIELDS)})\s*##"
    r"|\b(?:system|seed)[_-](?:prompt|instructions)\b"
    r"|<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|system|user|assistant)\|>",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def response_problems(response: str, rules: Sequence[Rule]) -> list[str]:
    """Why `response` must not pass under `rules` whatever their verdicts (empty when nothing is wrong).

    >>> response_problems("Sure. [[ ## completed ## ]]", [])
    ['contains the prompt-format marker "[[ ## completed ## ]]"']
    """
    problems = []
    marker = FORMAT_MARKERS.search(response)
    if marker:
        problems.append(f'contains the prompt-format marker "{marker.group(0)}"')
    asks_for_json = any(rule.check is not None and rule.check.name == "json_response" for rule in rules)
    if not asks_for_json and _is_json(response):
        problems.append("is a JSON object or list, and no rule asks for JSON")
    return problems


def _is_json(response: str) -> bool:
    text = response.strip()
    fenced = _FENCE.match(text)
    text = fenced.group(1) if fenced else text
    if not text.startswith(("{", "[")):
        return False
    try:
        return isinstance(json.loads(text), dict | list)
    except ValueError:
        return False
