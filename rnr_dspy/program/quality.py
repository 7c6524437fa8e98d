"""The data-quality gate of generation: a response that no rule checks for, but that no one should train on.

A weak teacher answering through DSPy's prompt format leaks that format into its answers (`[[ ## user ## ]]`,
`## system_prompt ##`), or a chat template's special tokens, or answers with a JSON object nobody asked for. Such
a response never passes, whatever its rules say; the attempt keeps it, with the reason, for the record.

It also runs on until its token limit cuts it off mid-sentence (two answers in five of the embedded teacher's). A
model trained on those learns never to finish, which breaks every rule about how an answer ends; so the cut-off
sentence is dropped (`without_cut_off_tail`) before the response is judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from rnr_dspy.rules import Rule
from rnr_dspy.rules.checkers.formats import JsonResponse

__all__ = ["FORMAT_MARKERS", "response_problems", "without_cut_off_tail"]

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
_FINISHED = re.compile(r"[.!?…:;)\]}\"'*`»”’>|]$")
# A last line that is a list item, heading, table row, quote or code: it may end without punctuation.
_STRUCTURED_LINE = re.compile(r"^(?:[-*+•]\s|\d+[.)]\s|#|\||>|```|    )")
_CUT_OFF_WORDS = 5
_SENTENCE_END = re.compile(r"[.!?…](?:[\"'”’)\]*_]*)(?=\s)")


def response_problems(response: str, rules: Sequence[Rule]) -> list[str]:
    """Why `response` must not pass under `rules` whatever their verdicts (empty when nothing is wrong).

    >>> response_problems("Sure. [[ ## completed ## ]]", [])
    ['contains the prompt-format marker "[[ ## completed ## ]]"']
    """
    problems = []
    marker = FORMAT_MARKERS.search(response)
    if marker:
        problems.append(f'contains the prompt-format marker "{marker.group(0)}"')
    asks_for_json = any(isinstance(rule.check, JsonResponse) for rule in rules)
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


def without_cut_off_tail(response: str) -> str:
    """`response` without an unfinished last sentence: five or more words of prose after the last sentence end,
    with no closing punctuation (a short tail is more likely a sign-off or a set closing phrase). Unchanged when
    it ends finished, on a structured line (list item, heading, table, quote, code) or has no earlier sentence end.

    >>> without_cut_off_tail("Boil the pasta for ten minutes. Then drain it and toss it with the")
    'Boil the pasta for ten minutes.'
    >>> without_cut_off_tail("Boil the pasta for ten minutes. Cheers, Nova")
    'Boil the pasta for ten minutes. Cheers, Nova'
    """
    text = response.rstrip()
    if not text or _FINISHED.search(text) or _STRUCTURED_LINE.match(text.rsplit("\n", 1)[-1]):
        return response
    ends = list(_SENTENCE_END.finditer(text))
    if not ends or len(text[ends[-1].end():].split()) < _CUT_OFF_WORDS:
        return response
    return text[:ends[-1].end()]
