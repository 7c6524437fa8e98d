"""What a set of system prompts teaches: which rule types and which wordings they use, and how often."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from rnr_dspy.rules.model import Rule

__all__ = ["rule_census"]


def rule_census(rule_sets: Iterable[Sequence[Rule]]) -> dict[str, Any]:
    """Counts over every rule of every set: checked rules by type (`rule_types`) and by the style of their wording
    (`rule_wordings`; "other" for a text that is none of its check's wordings), and the judge-only rules.

    >>> from rnr_dspy.rules.checkers.length import MaxWords
    >>> check = MaxWords(limit=40)
    >>> rule_census([[Rule(text=check.phrasings()["terse"], check=check), Rule(text="Be kind.")]])
    {'rule_types': {'max_words': 1}, 'rule_wordings': {'terse': 1}, 'judge_only_rules': 1}
    """
    types: Counter[str] = Counter()
    wordings: Counter[str] = Counter()
    judge_only = 0
    for rules in rule_sets:
        for rule in rules:
            if rule.check is None:
                judge_only += 1
                continue
            types[rule.check.name] += 1
            wordings[rule.check.wording_of(rule.text) or "other"] += 1
    return {"rule_types": dict(types.most_common()), "rule_wordings": dict(wordings.most_common()),
            "judge_only_rules": judge_only}
