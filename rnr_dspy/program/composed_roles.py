"""Roles composed from the group's theme, for a teacher whose own roles do not say what the assistant is for (a
weak teacher's usual case: "You are an AI assistant designed to enhance daily life.").

A scope rule asks the model to decline what lies outside the role; it can only learn which requests those are when
the role names its subject. Every choice is drawn from `seed`, so a resumed run composes the same role.
"""

from __future__ import annotations

import random

from rnr_dspy.rules.checkers import theme_topic

__all__ = ["ROLE_TEMPLATES", "composed_role"]

# Written for this project: who the assistant is, whom it serves, and its subject, named once or twice.
ROLE_TEMPLATES = (
    "You are an assistant for {topic}. You help people with their questions and tasks about {topic}.",
    "You are the helper of an online {topic} service: its users come to you with {topic} questions.",
    "You are an assistant that specialises in {topic}. You explain, plan and answer anything to do with {topic}.",
    "You are a friendly guide to {topic}. People ask you about {topic}, and that is what you help them with.",
    "You are an expert in {topic} who answers questions from the public. Your subject is {topic}.",
    "You are the {topic} desk of a community help line. Callers bring you their {topic} problems.",
)


def composed_role(theme: str, seed: str) -> str | None:
    """A role naming the theme's subject, drawn from `seed`; None when the theme names none (a cluster id).

    >>> composed_role("home-repair", "7").count("home repair") >= 1
    True
    """
    topic = theme_topic(theme)
    if topic is None:
        return None
    return random.Random(f"composed-role:{seed}").choice(ROLE_TEMPLATES).format(topic=topic)
