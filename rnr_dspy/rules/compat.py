"""Which rules can share a system prompt: the one home of rule compatibility.

Two rules conflict when they fill one slot (the same `family`), when their families exclude each other (a JSON-only
answer has no room for an opening phrase), when one bans what the other requires (no commas, and a sign-off with a
comma), or when the measures they bound cannot meet (at most 4 lines, and a list of 5 items). A set of rules also
conflicts when the text its rules require takes up more than half of a length limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from rnr_dspy.rules.checkers import Checker
from rnr_dspy.rules.checkers.text import count_words

__all__ = ["FAMILY_CLASHES", "clash", "compatible", "conflicts"]

# Families that exclude each other (the relation is symmetric).
_EXCLUDES = {
    # A rule that fixes the whole response's form (JSON, YAML, CSV, quotes or tags around it).
    "form": {"opening", "ending", "layout", "list_size", "sections", "paragraphs", "case", "title", "table", "code",
             "highlights", "blockquote", "lines", "line_width", "markdown_ban", "bookend", "questions", "fields",
             "sentence_length", "first_sentence", "placeholders"},
    "markdown_ban": {"layout", "sections", "table", "code", "highlights", "blockquote", "title", "paragraphs"},
    "title": {"opening"},
    "bookend": {"opening", "ending"},
}
FAMILY_CLASHES: frozenset[frozenset[str]] = frozenset(
    frozenset({family, other}) for family, others in _EXCLUDES.items() for other in others
)


def clash(first: Checker, second: Checker) -> str | None:
    """Why two rules cannot share a system prompt, or None when they can."""
    if first.family is not None and first.family == second.family:
        return f"{first.name} and {second.name} fill one slot ({first.family})"
    if frozenset({first.family, second.family}) in FAMILY_CLASHES:
        return f"{first.name} ({first.family}) leaves no room for {second.name} ({second.family})"
    for ban, other in ((first, second), (second, first)):
        if ban.clashes_with(other):
            return f"{ban.name} forbids what {other.name} requires"
    return None


def conflicts(checks: Sequence[Checker]) -> list[str]:
    """Every reason the rules cannot all be followed at once; empty when they can."""
    found = [reason for index, check in enumerate(checks) for other in checks[index + 1 :]
             if (reason := clash(check, other)) is not None]
    return found + _unmet_bounds(checks)


def compatible(check: Checker, chosen: Sequence[Checker]) -> bool:
    """Whether `check` can join the rules already chosen (which are compatible with each other)."""
    return all(clash(check, other) is None for other in chosen) and not _unmet_bounds([*chosen, check])


def _unmet_bounds(checks: Sequence[Checker]) -> list[str]:
    found = []
    measures = {measure for check in checks for measure in check.bounds()}
    for measure in sorted(measures):
        bounds = [check.bounds()[measure] for check in checks if measure in check.bounds()]
        least = max(low for low, _ in bounds)
        most = min((high for _, high in bounds if high is not None), default=None)
        if most is not None and least > most:
            found.append(f"{measure}: at least {least} and at most {most}")
    required = [text for check in checks for text in check.required_text()]
    words = [high for check in checks if (high := check.bounds().get("words", (0, None))[1]) is not None]
    characters = [high for check in checks if (high := check.bounds().get("characters", (0, None))[1]) is not None]
    if words and 2 * sum(count_words(text) for text in required) > min(words):
        found.append(f"the required text takes more than half of {min(words)} words")
    if characters and 2 * sum(len(text) for text in required) > min(characters):
        found.append(f"the required text takes more than half of {min(characters)} characters")
    return found
