"""Rules drawn from the checker registry without an LM, for a teacher too weak to write or choose them.

Each group gets 2 to 4 compatible registry checks with parameters from small pools written for this project
(openings, endings, sign-offs, limits) and from the group itself (a keyword of its instructions, its theme in the
refusal). Every rule is decided by code, so the checkers' repairs can turn the teacher's answers into passing rows.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from rnr_dspy.modules import normalize_rules
from rnr_dspy.types import Rule

__all__ = ["sample_rules"]

_OPENINGS = ["Sure thing", "Happy to help", "Good question", "Here you go", "Glad you asked", "Let me explain",
             "Thanks for asking", "Right away"]
_ENDINGS = ["Hope this helps.", "Enjoy!", "Good luck.", "Take care.", "Have a great day.", "Let me know how it goes."]
_SIGN_OFFS = ["Cheers", "Best wishes", "Warm regards", "Talk soon"]
_NAMES = ["Sam", "Ava", "Milo", "Nora", "Leo", "Iris"]
_STOPWORDS = frozenset("about after again also because before being could does doing from have here into just "
                       "like make more most much need only other over should some such than that their them then "
                       "there these they this those through very want what when where which while will with "
                       "would your".split())

Factory = Callable[[random.Random, list[str], str], dict[str, Any] | None]


def _keyword(rng: random.Random, instructions: list[str], _: str) -> dict[str, Any] | None:
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{5,}", " ".join(instructions))} - _STOPWORDS)
    return {"name": "include_keywords", "keywords": [rng.choice(words)]} if words else None


# (family, factory): at most one rule per family, so the rules never contradict each other.
_FACTORIES: list[tuple[str, Factory]] = [
    ("length", lambda rng, _, __: {"name": "max_words", "limit": rng.choice([30, 40, 50, 60, 80, 100])}),
    ("length", lambda rng, _, __: {"name": "max_sentences", "limit": rng.choice([2, 3, 4, 5])}),
    ("opening", lambda rng, _, __: {"name": "starts_with", "phrase": rng.choice(_OPENINGS)}),
    ("opening", lambda rng, _, __: {"name": "mentions_name", "persona": rng.choice(_NAMES)}),
    ("ending", lambda rng, _, __: {"name": "ends_with", "phrase": rng.choice(_ENDINGS)}),
    ("ending", lambda rng, _, __: {"name": "sign_off", "phrase": rng.choice(_SIGN_OFFS)}),
    ("ending", lambda rng, _, __: {"name": "postscript", "marker": "P.S."}),
    ("layout", lambda rng, _, __: {"name": "bullet_list", "min_items": rng.choice([2, 3])}),
    ("layout", lambda rng, _, __: {"name": "numbered_list", "min_items": rng.choice([2, 3])}),
    ("punctuation", lambda rng, _, __: {"name": "no_commas"}),
    ("punctuation", lambda rng, _, __: {"name": "no_exclamation"}),
    ("content", _keyword),
    ("scope", lambda rng, _, theme: {"name": "refusal_phrase", "phrase": _refusal(theme)}),
]


def sample_rules(instructions: list[str], theme: str, seed: str) -> list[Rule]:
    """2 to 4 compatible registry rules, the same for the same `seed`; a refusal rule more often than not."""
    rng = random.Random(seed)
    wanted = rng.randint(2, 4)
    chosen: list[dict[str, Any]] = []
    families: set[str] = set()
    if rng.random() < 0.6:
        chosen.append(_FACTORIES[-1][1](rng, instructions, theme) or {})
        families.add("scope")
    for family, factory in rng.sample(_FACTORIES, len(_FACTORIES)):
        if len(chosen) >= wanted:
            break
        check = factory(rng, instructions, theme) if family not in families else None
        if check is not None and not (family == "punctuation" and _clashes(check, chosen)):
            chosen.append(check)
            families.add(family)
    return normalize_rules([{"text": "-", "check": check} for check in chosen])


def _refusal(theme: str) -> str:
    if not theme or theme.startswith("cluster-"):  # a TF-IDF cluster has no name to give
        return "Sorry, I can't help with that request."
    return f"Sorry, I can only help with {theme.replace('-', ' ').replace('_', ' ')}."


def _clashes(check: dict[str, Any], chosen: list[dict[str, Any]]) -> bool:
    # A punctuation ban must not forbid what a chosen phrase requires.
    mark = "," if check["name"] == "no_commas" else "!"
    return any(mark in str(value) for other in chosen for value in other.values())
