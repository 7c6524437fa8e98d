"""Splitting a system prompt written by anyone into its role and the texts of its rules.

Rules are the items of numbered or bulleted lists (a "Rules:" heading above them or not) and, in prose, the
sentences that tell the assistant what to do; what is left describes the role.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rnr_dspy.rules.reading.words import straighten_quotes

__all__ = ["is_directive", "split_system_prompt"]

_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)]|\(\d{1,3}\)|[a-z][.)])\s+(?P<text>\S.*)$")
# A line that only introduces a list: "Rules:", "## Guidelines", "Follow these rules:".
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*\S.*|[^.!?]{1,60}:\s*)$")
# A markdown heading ("# Role") names a part of the prompt; it is neither role nor rule.
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+\S")
_IDENTITY = re.compile(r"^(?:you are|you're|you work|you help|you represent|you serve|as an? |your name is|"
                       r"this assistant|the assistant is)\b", re.IGNORECASE)
_MODAL = re.compile(r"\b(?:must|should|never|always|only|do not|don't|avoid|make sure|be sure|no more than|"
                    r"at most|at least)\b", re.IGNORECASE)
_IMPERATIVE = frozenset(
    "add address answer avoid be begin close decline do don't end ensure finish format give include keep limit "
    "mention never only open put refer refuse reply respond say sign speak start stay stick talk use wrap write "
    "always".split())


# After . ! or ?, and any closing quote or bracket, before the next sentence.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=\S)")


def _sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph; a quoted span ("Sure. Thanks.") is never split."""
    straight = straighten_quotes(paragraph)
    cuts = [match for match in _SENTENCE_END.finditer(straight) if straight.count('"', 0, match.start()) % 2 == 0]
    starts = [0, *(match.end() for match in cuts)]
    ends = [*(match.start() for match in cuts), len(paragraph)]
    parts = (paragraph[start:end].strip() for start, end in zip(starts, ends, strict=True))
    return [part for part in parts if part]


def is_directive(sentence: str) -> bool:
    """Whether a prose sentence tells the assistant what to do (an imperative, or must/never/only…) rather than
    describing who it is.

    >>> is_directive("Answer in at most 80 words."), is_directive("You are Ava, the support assistant of Acme.")
    (True, False)
    """
    first = sentence.split(maxsplit=1)[0].lower().strip(",:;") if sentence.split() else ""
    if _IDENTITY.match(sentence):
        return False
    return first in _IMPERATIVE or _MODAL.search(sentence) is not None


def _items_and_prose(text: str) -> tuple[list[str], list[str]]:
    """The list items of `text` (an indented line under an item continues it) and its other lines, the headings
    that introduce a list dropped."""
    items: list[str] = []
    prose: list[str] = []
    continues = False
    lines = text.splitlines()
    for index, line in enumerate(lines):
        item = _ITEM.match(line)
        if item:
            items.append(item["text"].strip())
        elif continues and line.startswith((" ", "\t")) and line.strip():
            items[-1] = f"{items[-1]} {line.strip()}"
        elif not (_MARKDOWN_HEADING.match(line) or (_HEADING.match(line) and _next_is_item(lines, index))):
            prose.append(line.strip())
        continues = bool(item) or (continues and bool(line.strip()))
    return items, prose


def _next_is_item(lines: list[str], index: int) -> bool:
    following = next((line for line in lines[index + 1 :] if line.strip()), "")
    return _ITEM.match(following) is not None


def split_system_prompt(text: str, reads_as_rule: Callable[[str], bool] | None = None) -> tuple[str, list[str]]:
    """The role (the prose that describes the assistant) and the rule texts of a system prompt, in order.

    `reads_as_rule(sentence) -> bool` may name more prose sentences as rules (those a checker reads).

    >>> split_system_prompt("You are Ava, Acme's helper.\\n\\nRules:\\n1. Be brief.\\n2. No emoji.")
    ("You are Ava, Acme's helper.", ['Be brief.', 'No emoji.'])
    >>> split_system_prompt("You are Ava. Answer in at most 80 words. Stay friendly.")
    ('You are Ava.', ['Answer in at most 80 words.', 'Stay friendly.'])
    """
    items, prose = _items_and_prose(text.strip())
    role: list[str] = []
    rules: list[str] = []
    for line in "\n".join(prose).splitlines():
        for sentence in _sentences(line):
            as_rule = is_directive(sentence) or (reads_as_rule is not None and reads_as_rule(sentence))
            (rules if as_rule else role).append(sentence)
    # Prose rules usually sit above the list, in the role's paragraph: they come first.
    return " ".join(role), [*rules, *items]
