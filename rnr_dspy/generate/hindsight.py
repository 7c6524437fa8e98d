"""Hindsight rules: registry rules that a response already follows, so that a response the teacher wrote anyway
becomes a row that passes by construction and still teaches the model to condition on its rules."""

from __future__ import annotations

import random
import re
from typing import Any

from rnr_dspy.evals.checkers.base import count_words
from rnr_dspy.evals.checkers.length import count_sentences
from rnr_dspy.modules import normalize_rules
from rnr_dspy.types import Rule

__all__ = ["hindsight_rules"]

_LONG_WORD = re.compile(r"\b[^\W\d_]{7,}\b")


def _candidates(response: str) -> list[dict[str, Any]]:
    text = response.strip()
    words = text.split()
    checks: list[dict[str, Any]] = [
        {"name": "max_words", "limit": (count_words(text) // 10 + 1) * 10},
        {"name": "max_sentences", "limit": max(1, count_sentences(text))},
    ]
    if len(words) >= 6:
        checks.append({"name": "starts_with", "phrase": " ".join(words[:2])})
        checks.append({"name": "ends_with", "phrase": " ".join(words[-3:])})
    if "," not in text:
        checks.append({"name": "no_commas"})
    if not any(char.isupper() for char in text):
        checks.append({"name": "all_lowercase"})
    if "!" not in text:
        checks.append({"name": "no_exclamation"})
    keywords = sorted({word.lower() for word in _LONG_WORD.findall(text)})
    if keywords:
        checks.append({"name": "include_keywords", "keywords": keywords[:2]})
    checks += [{"name": "bullet_list", "min_items": 2}, {"name": "numbered_list", "min_items": 2}]
    return checks


def hindsight_rules(response: str, kept: list[Rule], seed: str, total: int = 3) -> list[Rule] | None:
    """`kept` rules plus registry rules the response follows, at least one new and `total` in all; None when the
    response offers too few (it is empty, say). Every rule returned is checked against the response."""
    rng = random.Random(seed)
    candidates = _candidates(response)
    rng.shuffle(candidates)
    names = {rule.check.name for rule in kept if rule.check is not None}
    added: list[Rule] = []
    for params in candidates:
        if len(kept) + len(added) >= max(total, len(kept) + 1):
            break
        rule = Rule.model_validate({"text": params["name"], "check": params})
        verdict = rule.verify(response)
        if rule.check is not None and params["name"] not in names and verdict and verdict.followed \
                and not rule.check.trivial():
            names.add(params["name"])
            added.append(rule)
    if not added or len(kept) + len(added) < 2:
        return None
    return normalize_rules([*kept, *added])
