"""What sampled rules are made of: word lists written for this project, and draws that compose parameters from
them and from the group's own instructions (its topic words), so that no two prompts need share a phrase.

A draw takes a `SampleContext` and returns a parameter value, or None where the context offers none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rnr_dspy.rules.checkers.base import Draw, SampleContext

__all__ = [
    "STOPWORDS", "between", "closing", "field_names", "filler_words", "label", "one_of", "opening", "part_labels",
    "persona_name", "refusal", "section_marker", "sign_off", "some", "topic", "topic_phrase", "topic_word",
    "topic_words",
]

STOPWORDS = frozenset(
    "about after again also because before being could does doing from have here into just like make more most "
    "much need only other over should some such than that their them then there these they this those through "
    "very want what when where which while will with would your always never every someone something thing things "
    "really actually still even maybe please thanks tell give good best around without within worth basic three "
    "seven eight first second third might often quite whether until since across along among another anything "
    "better bring could doesn explain going great little makes means other people right seems short simple "
    "start started small large keeping using usually whole works world years today tomorrow yesterday".split()
)
_FALLBACK_TOPICS = ["plan", "budget", "schedule", "checklist", "routine", "project", "question", "answer", "option",
                    "method", "example", "summary", "detail", "timeline", "approach", "estimate", "overview"]
_OPENING_HEADS = ["Sure", "Of course", "Certainly", "Absolutely", "Right", "Okay", "Alright", "Good question",
                  "Happy to help", "Great question", "Thanks for asking", "Glad you asked", "Here goes", "Let's see",
                  "In short", "Quick answer", "Short version", "Hello there", "Hi there", "Welcome back"]
_OPENING_TAILS = ["here is what I suggest", "here is the plan", "let me explain", "let's get started",
                  "here is a quick guide", "here's the short answer", "this is how it works", "here is my take",
                  "let's walk through it", "here is what matters", "let me break it down", "here are the basics"]
_CLOSINGS = ["Hope this helps.", "Good luck.", "Enjoy.", "Take care.", "Have a great day.", "Let me know how it goes.",
             "Happy to help further.", "That's all for now.", "Any other questions?", "Talk soon.",
             "Best of luck with your {topic}.", "Enjoy your {topic}.", "Good luck with the {topic}.",
             "Let me know how the {topic} goes.", "Ask me more about {topic} anytime."]
_SIGN_OFF_HEADS = ["Cheers", "Best wishes", "Warm regards", "Kind regards", "Talk soon", "All the best", "Yours truly",
                   "With care", "Until next time", "Take care", "Regards", "Best"]
_NAMES = ["Sam", "Ava", "Milo", "Nora", "Leo", "Iris", "Theo", "Maya", "Ezra", "Lena", "Omar", "Zara", "Felix",
          "Ines", "Kai", "Rosa", "Jonah", "Mira", "Ravi", "Elsa", "Tomas", "Yuki", "Ada", "Bruno", "Cleo", "Dev",
          "Hana", "Ivo", "Juno", "Luca", "Nina", "Otto", "Pia", "Quinn", "Rhea", "Silas", "Tara", "Uma", "Vera", "Wes"]
_TITLES = ["Coach", "Chef", "Captain", "Professor", "Doctor", "Aunt", "Uncle", "Guide"]
_REFUSALS = ["Sorry, I can only help with {theme}.", "I only answer questions about {theme}.",
             "That is outside my scope; I help with {theme} only.", "I can't help with that, but ask me about {theme}.",
             "Sorry, that falls outside what I cover.", "I'm not able to help with that request.",
             "That's not something I can help with here.", "This assistant only covers {theme}.",
             "That request is outside the scope of this service.", "Only {theme} questions are answered here."]
_LABELS = ["Summary", "In short", "Bottom line", "Key point", "Answer", "Takeaway", "Quick take", "Overview",
           "Short answer", "Main idea", "Verdict", "Gist", "Next step", "Tip", "Note", "Result"]
_PART_LABELS = ["Background", "Answer", "Steps", "Example", "Tip", "Why", "How", "Risks", "Next steps", "Details",
                "Options", "Summary", "Context", "Advice", "Caveats", "Cost"]
_SECTION_MARKERS = ["SECTION", "PART", "Part", "Step", "Stage", "Chapter", "Topic", "Point", "Block", "Phase"]
_FIELDS = ["answer", "summary", "steps", "tips", "title", "reason", "details", "items", "sources", "category",
           "notes", "warnings", "cost", "duration", "difficulty", "example", "next_step", "question", "date", "place"]
_FILLER = ["basically", "actually", "literally", "really", "very", "just", "obviously", "simply", "honestly",
           "totally", "stuff", "awesome", "amazing", "definitely", "super", "kind of", "sort of", "needless to say",
           "in my opinion", "to be honest", "perfect", "guarantee", "cheap", "easy", "always", "never", "must"]
_WORD = re.compile(r"[A-Za-z]{5,}")


def between(low: int, high: int, step: int = 1) -> Draw:
    """A whole number from `low` to `high`, in steps of `step`."""
    return lambda context: context.rng.randrange(low, high + 1, step)


def one_of(values: Sequence[Any]) -> Draw:
    return lambda context: context.rng.choice(list(values))


def some(values: Sequence[str], low: int, high: int) -> Draw:
    """Between `low` and `high` different values, in their listed order."""
    def draw(context: SampleContext) -> list[str]:
        chosen = set(context.rng.sample(list(values), context.rng.randint(low, high)))
        return [value for value in values if value in chosen]
    return draw


def _topics(context: SampleContext) -> list[str]:
    """Content words of the instructions; a name keeps its capital (a capital word not opening a sentence)."""
    names = {word for text in context.instructions for word in re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{4,}",
                                                                              text)}
    found = {word if word in names else word.lower() for word in _WORD.findall(" ".join(context.instructions))}
    return sorted(word for word in found if word.lower() not in STOPWORDS) or _FALLBACK_TOPICS


def topic(context: SampleContext) -> str:
    """What the group is about: its theme, or a word of its instructions."""
    return context.topic or context.rng.choice(_topics(context))


def topic_word(context: SampleContext) -> str:
    """A content word of the group's instructions (a project list when there are none)."""
    return context.rng.choice(_topics(context))


def topic_words(low: int, high: int) -> Draw:
    def draw(context: SampleContext) -> list[str]:
        pool = _topics(context)
        return context.rng.sample(pool, min(len(pool), context.rng.randint(low, high)))
    return draw


def topic_phrase(context: SampleContext) -> str:
    """Two neighbouring content words of one instruction ("pan sauce"), else one topic word."""
    pairs = [f"{a} {b}".lower() for text in context.instructions
             for a, b in zip(text.split(), text.split()[1:], strict=False)
             if _WORD.fullmatch(a) and _WORD.fullmatch(b) and not {a.lower(), b.lower()} & STOPWORDS]
    return context.rng.choice(pairs) if pairs else topic_word(context)


def opening(context: SampleContext) -> str:
    head = context.rng.choice(_OPENING_HEADS)
    return head if context.rng.random() < 0.4 else f"{head}, {context.rng.choice(_OPENING_TAILS)}"


def closing(context: SampleContext) -> str:
    return context.rng.choice(_CLOSINGS).format(topic=topic_word(context))


def persona_name(context: SampleContext) -> str:
    name = context.rng.choice(_NAMES)
    return f"{context.rng.choice(_TITLES)} {name}" if context.rng.random() < 0.25 else name


def sign_off(context: SampleContext) -> str:
    head = context.rng.choice(_SIGN_OFF_HEADS)
    return head if context.rng.random() < 0.5 else f"{head}, {persona_name(context)}"


def refusal(context: SampleContext) -> str:
    """A sentence to decline with; now and then in one case throughout, to suit a rule on letter case."""
    theme = context.topic
    templates = _REFUSALS if theme else [t for t in _REFUSALS if "{" not in t]
    phrase = context.rng.choice(templates).format(theme=theme)
    case = context.rng.random()
    return phrase.lower() if case < 0.15 else phrase.upper() if case < 0.25 else phrase


def label(context: SampleContext) -> str:
    return context.rng.choice(_LABELS)


def part_labels(low: int, high: int) -> Draw:
    """Labels of an answer's parts, in a drawn order."""
    return lambda context: context.rng.sample(_PART_LABELS, context.rng.randint(low, high))


def section_marker(context: SampleContext) -> str:
    return context.rng.choice(_SECTION_MARKERS)


def field_names(low: int, high: int) -> Draw:
    return some(_FIELDS, low, high)


def filler_words(low: int, high: int) -> Draw:
    return some(_FILLER, low, high)
