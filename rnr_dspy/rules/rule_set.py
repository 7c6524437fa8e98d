"""What makes a set of rules unusable as a system prompt, whatever wrote it: a rule stated twice, a rule that is a
question, a rule that copies one of the user requests it was written for (a weak model's usual slips)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rnr_dspy.rules.model import Rule

__all__ = ["duplicate_rules", "rule_set_problems"]

# A rule is an instruction to the assistant; these openings make it a question instead.
_QUESTION_OPENINGS = frozenset({"what", "why", "how", "who", "whom", "whose"})
# Fewer words than this could match a request by chance ("Be brief.").
_MIN_COPIED_WORDS = 4


def duplicate_rules(rules: Sequence[Rule]) -> list[str]:
    """'r2 repeats r1' for each rule with the same check, or (judge-only) the same words, as an earlier one."""
    seen: dict[str, str] = {}
    problems = []
    for rule in rules:
        key = rule.check.model_dump_json() if rule.check else " ".join(_words(rule.text))
        name = _name(rule)
        if key in seen:
            problems.append(f"{name} repeats {seen[key]}")
        seen.setdefault(key, name)
    return problems


def rule_set_problems(rules: Sequence[Rule], instructions: Sequence[str] = ()) -> list[str]:
    """Every problem that disqualifies the rule set: duplicates; a judge-only rule that is a question or copies
    one of `instructions`. (A checked rule's text is rendered from its check, so only free text is examined.)

    >>> rule_set_problems([Rule(id="r1", text="What is the capital of France?")], ["What is the capital of France?"])
    ['r1 is a question, not a rule', 'r1 copies the request "What is the capital of France?"']
    """
    problems = duplicate_rules(rules)
    requests = [(text, _words(text)) for text in instructions]
    for rule in rules:
        if rule.check is not None:
            continue
        name = _name(rule)
        words = _words(rule.text)
        if rule.text.rstrip().endswith("?") or (words and words[0] in _QUESTION_OPENINGS):
            problems.append(f"{name} is a question, not a rule")
        copied = next((text for text, request in requests if _copies(words, request)), None)
        if copied is not None:
            problems.append(f'{name} copies the request "{_short(copied)}"')
    return problems


def _copies(rule: list[str], request: list[str]) -> bool:
    """The rule's words are a run of the request's, or the request's a run of the rule's."""
    shorter, longer = sorted((rule, request), key=len)
    if len(shorter) < _MIN_COPIED_WORDS:
        return False
    joined, needle = f" {' '.join(longer)} ", f" {' '.join(shorter)} "
    return needle in joined


def _name(rule: Rule) -> str:
    return rule.id or repr(rule.text)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
