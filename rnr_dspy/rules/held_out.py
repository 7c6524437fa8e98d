"""The held-out rule families: rule types that generation never draws, so that an evaluation on them measures
whether a model learned to follow rules it was never trained on, not the templates it saw.

About a fifth of the registry, across kinds. The sampler, hindsight rules and rule normalisation leave them out
unless asked (`include_held_out=True`); no LM is offered them (`rnr_dspy.rules.checkers.LM_CHOICES`).
"""

from __future__ import annotations

__all__ = ["HELD_OUT", "is_held_out"]

HELD_OUT: frozenset[str] = frozenset({
    "words_between",            # length
    "max_line_characters",      # counting
    "checklist",                # lists
    "qa_pairs",                 # layout
    "blockquote",               # markdown
    "yaml_mapping",             # data formats
    "csv_table",                # data formats
    "last_word",                # keyword placement
    "keyword_every_paragraph",  # keyword placement
    "min_questions",            # sentences
    "no_dashes",                # punctuation
    "emoji_count",              # typography
    "title_case_headings",      # case
    "script_only",              # language and script
    "we_voice",                 # persona and voice
    "refusal_redirect",         # scope and refusal
    "ends_with_question",       # ordering
    "bookend_word",             # repetition
    "unit_system",              # numbers and units
})


def is_held_out(name: str) -> bool:
    """Whether rules of checker `name` are held out of generation.

    >>> is_held_out("yaml_mapping"), is_held_out("max_words")
    (True, False)
    """
    return name in HELD_OUT
