"""Reading the rules of a system prompt written by anyone: its role, its rules, and the registry check each rule
states, deterministically (no LM).

A rule's check comes from the registry's own wordings first (every wording the registry renders reads back to its
check and parameters), then from everyday wordings explained whole by a pattern; a rule neither reads is kept
without a check, for a judge, never given a guessed one.

>>> prompt = read_system_prompt("You are Ava, Acme's support assistant. Answer in at most 80 words. "
...                             "End with 'Anything else?'. Be warm.")
>>> prompt.role
"You are Ava, Acme's support assistant."
>>> [(rule.id, rule.check.name if rule.check else None) for rule in prompt.rules]
[('r1', 'max_words'), ('r2', 'ends_with'), ('r3', None)]
"""

from __future__ import annotations

from functools import lru_cache

from rnr_dspy.rules.checkers import Checker
from rnr_dspy.rules.model import Rule, SystemPrompt
from rnr_dspy.rules.reading.paraphrases import read_paraphrase
from rnr_dspy.rules.reading.registry import read_registry_wording
from rnr_dspy.rules.reading.split import split_system_prompt

__all__ = ["read_check", "read_rules", "read_system_prompt"]


@lru_cache(maxsize=8192)
def read_check(text: str) -> Checker | None:
    """The registry check one rule's text states, or None when it states none that code can decide (checks are
    frozen, so one read is shared)."""
    return read_registry_wording(text) or read_paraphrase(text)


def read_system_prompt(system_prompt: str) -> SystemPrompt:
    """The role and the rules of a system prompt; rules get ids r1, r2, … in the order they are written. A prompt
    is read once (callers read the same few prompts for every answer); each call gets its own copy."""
    return _read(system_prompt).model_copy(deep=True)


@lru_cache(maxsize=4096)
def _read(system_prompt: str) -> SystemPrompt:
    role, texts = split_system_prompt(system_prompt, reads_as_rule=lambda sentence: read_check(sentence) is not None)
    rules = []
    for index, text in enumerate(texts, start=1):
        check = read_check(text)
        # A rule's text holds at most 200 characters: a longer one is cut and marked as cut, its check read whole.
        fields = {"id": f"r{index}", "text": text if len(text) <= 200 else text[:199] + "…"}
        rules.append(Rule.model_validate(fields | ({"check": check} if check is not None else {})))
    return SystemPrompt(role=role, rules=rules)


def read_rules(system_prompt: str) -> list[Rule]:
    """The rules of a system prompt, each with the check it states where it states one (see `read_check`)."""
    return read_system_prompt(system_prompt).rules
