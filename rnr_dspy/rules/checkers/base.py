"""The checker contract: a typed, validated check that a response follows one rule.

A checker is a pydantic model. Its fields are the rule's parameters (validated, with ranges), its `name` literal
is the registry key, `describe()` renders the canonical rule text and `phrasings()` every wording of it (each
states exactly what `evaluate()` decides), `evaluate()` decides in code whether a response follows it and
`enforce()` repairs a response where code can. The LM may pick a checker and fill its parameters; it never writes
code. What generation needs (how to draw a rule, what it conflicts with) is declared on the class.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from rnr_dspy.rules.checkers.text import Relation, compare, count_words, phrase_pattern, split_sentences

__all__ = [
    "REGISTRY", "WORDING_STYLES", "CheckResult", "Checker", "Draw", "Draws", "Marker", "Phrase", "Relation",
    "SampleContext", "Sentence", "Visible", "Word", "Wordings", "compare", "count_words", "examples", "phrase_pattern",
    "plural", "quoted", "split_sentences", "theme_topic",
]

REGISTRY: dict[str, type[Checker]] = {}

# How a rule may be worded: `canonical` is `describe()`; the others say the same thing another way.
WORDING_STYLES = ("canonical", "terse", "prohibitive", "third_person", "requirement")
# A rule's text is at most this long (`Rule.text`).
MAX_TEXT = 200


def _strip_visible(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the type check that follows names what is wrong
    if not value.strip():
        raise ValueError("must contain a visible character")
    return value.strip()


# Stripped the Python way before the length is counted: pydantic's own stripping keeps what Python counts as blank
# ("\x1c", "\x1f"), which counted against the limit, and left a phrase of nothing else blank.
Visible = BeforeValidator(_strip_visible)


def _text(max_length: int) -> Any:
    return Annotated[str, Visible, StringConstraints(min_length=1, max_length=max_length)]


# Text parameters, by how long they may be: a keyword, a marker ("P.S."), a phrase, a whole sentence.
Word = _text(40)
Marker = _text(20)
Phrase = _text(80)
Sentence = _text(160)


def _require_name(schema: dict[str, Any]) -> None:
    if "name" in schema.get("properties", {}):
        schema["required"] = ["name", *(field for field in schema.get("required", []) if field != "name")]


@dataclass(frozen=True)
class SampleContext:
    """What a sampled rule may draw on: the group's instructions and theme, and the generator to draw with."""

    rng: random.Random
    instructions: list[str] = field(default_factory=list)
    theme: str = ""

    @property
    def topic(self) -> str | None:
        """The theme as words ("home repair"); None when it names no subject (a TF-IDF cluster's id)."""
        return theme_topic(self.theme)


def theme_topic(theme: str) -> str | None:
    """A group's theme as words to put in a sentence; None for an empty theme or a cluster id ("cluster-3").

    >>> theme_topic("home-repair"), theme_topic("cluster-3")
    ('home repair', None)
    """
    words = theme.replace("-", " ").replace("_", " ").strip()
    return words if words and not words.startswith("cluster") else None


# How `sample()` draws one parameter; None where the context offers no value.
Draw = Callable[[SampleContext], Any]
Draws = Mapping[str, Draw]
# Wording templates by style.
Wordings = Mapping[str, str]


class CheckResult(NamedTuple):
    followed: bool
    reason: str


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 word', '3 words'."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def examples(found: list[str], limit: int = 3) -> str:
    """' (e.g. 'a', 'b')' for a reason, or '' when nothing was found."""
    return f" (e.g. {', '.join(repr(item) for item in found[:limit])})" if found else ""


def quoted(values: list[str]) -> str:
    """'"a", "b" and "c"': the values, each in double quotes."""
    items = [f'"{value}"' for value in values]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


class Checker(BaseModel):
    """Base class of every registry checker; subclasses declare `name: Literal["..."]` and their parameters."""

    # `name` has a default (so `MaxWords(limit=50)` works) yet must be required in the JSON schema: it is the
    # discriminator a constrained decoder has to write.
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_require_name)
    if TYPE_CHECKING:
        name: str  # each registered subclass declares its own `name: Literal[...]` field

    held_out: ClassVar[bool] = False
    """Held out of generation: the sampler, hindsight rules and LMs never use it, so an evaluation on it measures
    whether a model learned to follow rules it was never trained on."""
    lm_choice: ClassVar[int | None] = None
    """Its place among the checks an LM may choose (`LM_CHOICES`, the order its schema lists them); None: not
    offered."""
    kind: ClassVar[str] = "format"
    # True where a response can satisfy only one value of the check (one opening, one language, …): two rules
    # with the same exclusive checker and different parameters contradict each other.
    exclusive: ClassVar[bool] = False
    # True where the rule is about requests the assistant must decline: an in-scope request follows it by *not*
    # declining.
    out_of_scope_only: ClassVar[bool] = False
    # The slot a rule fills in a system prompt (one opening, one length budget, one layout, …): rules of one
    # family never share a sampled system prompt; `rnr_dspy.rules.compat` lists families that exclude each other.
    family: ClassVar[str | None] = None
    # Where its repair runs among several: cuts first, then layout, case and punctuation, openings, wrappers,
    # endings, so that a later repair does not undo an earlier one.
    repair_order: ClassVar[int] = 0
    # Parameters whose text a following response contains verbatim (an opening, keywords, a name).
    literal_fields: ClassVar[tuple[str, ...]] = ()
    # True for a ban that holds of a response only if it holds of each of its parts (no commas, lowercase, …):
    # it then forbids any text another rule requires that it fails on.
    local: ClassVar[bool] = False
    # How `sample()` draws each parameter (see `rnr_dspy.rules.checkers.lexicon`); a parameter without a draw
    # keeps its default.
    draws: ClassVar[Draws] = {}
    # Templates of the rule's wordings by style, filled from `slots()`; "canonical" is `describe()`.
    wordings: ClassVar[Wordings] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: object) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "enforce" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides enforce(); override _repair() so the result is verified")
        key = cls.model_fields["name"].default if "name" in cls.model_fields else None
        if not isinstance(key, str):
            return  # an abstract intermediate class
        if key in REGISTRY:
            raise ValueError(f"duplicate checker name {key!r}")
        REGISTRY[key] = cls

    # --- drawing rules -------------------------------------------------------------------------------------------

    @classmethod
    def sample(cls, context: SampleContext) -> Self | None:
        """A random rule of this type for a system prompt (each parameter from its declared draw), or None where
        the context offers none or the type declares no draw for a required parameter."""
        required = [name for name, info in cls.model_fields.items() if info.is_required()]
        if any(name not in cls.draws for name in required):
            return None
        values = {name: draw(context) for name, draw in cls.draws.items()}
        if any(value is None for value in values.values()):
            return None
        try:
            return cls(**values)
        except ValidationError:
            return None

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        """A rule of this type that `response` already follows (a hindsight rule), or None."""
        return None

    # --- compatibility -------------------------------------------------------------------------------------------

    def required_text(self) -> list[str]:
        """Text a following response contains verbatim (the values of `literal_fields`)."""
        found: list[str] = []
        for name in self.literal_fields:
            value = getattr(self, name)
            found += value if isinstance(value, list) else [str(value)]
        return found

    def forbids(self, text: str) -> bool:
        """Whether a response holding `text` breaks this rule whatever else it says (a ban on what it contains)."""
        return self.local and not self.evaluate(text).followed

    def bounds(self) -> Mapping[str, tuple[int, int | None]]:
        """What the rule demands of a measure of the response ("words", "sentences", "lines", "paragraphs",
        "items"): the least and the most it allows (None: no upper bound)."""
        return {}

    def clashes_with(self, other: Checker) -> bool:
        """Whether this rule and `other` cannot share a system prompt: one slot, or a ban on what `other` needs."""
        if self.family is not None and self.family == other.family:
            return True
        return any(self.forbids(text) for text in other.required_text())

    def trivial(self) -> bool:
        """Whether the parameters make the rule hold for virtually any answer (e.g. at most 5,000 words)."""
        return False

    # --- wording -------------------------------------------------------------------------------------------------

    def slots(self) -> dict[str, Any]:
        """The values the wording templates are filled with: each parameter (a list as quoted, joined values)."""
        return {name: quoted(value) if isinstance(value, list) else value
                for name, value in self.model_dump().items() if value is not None}

    def describe(self) -> str:
        """The canonical rule text."""
        template = self.wordings.get("canonical")
        if template is None:
            raise NotImplementedError(f"{type(self).__name__} has no canonical wording")
        return template.format(**self.slots())

    def phrasings(self) -> dict[str, str]:
        """Every wording of the rule by style, "canonical" first; each states exactly what is checked."""
        slots = self.slots()
        others = {style: template.format(**slots) for style, template in self.wordings.items() if style != "canonical"}
        return {"canonical": self.describe(), **others}

    def render(self, rng: random.Random) -> str:
        """One wording drawn with `rng` among those that fit a rule's text."""
        options = sorted((style, text) for style, text in self.phrasings().items() if len(text) <= MAX_TEXT)
        return rng.choice(options)[1] if options else self.describe()

    def wording_of(self, text: str) -> str | None:
        """The style of `text` when it is one of this rule's wordings, else None."""
        return next((style for style, phrasing in self.phrasings().items() if phrasing == text.strip()), None)

    # --- checking and repairing ----------------------------------------------------------------------------------

    def evaluate(self, response: str) -> CheckResult:
        raise NotImplementedError

    def enforce(self, response: str) -> str | None:
        """A deterministic repair: the response changed as little as possible so that it follows this rule, or
        None where no honest edit can (it would have to invent content). The result always passes `evaluate`."""
        repaired = self._repair(response)
        if repaired is None or not self.evaluate(repaired).followed:
            return None
        return repaired

    def _repair(self, response: str) -> str | None:
        """The edit `enforce` verifies; checkers with a deterministic repair override it."""
        return None

    @property
    def repairable(self) -> bool:
        return type(self)._repair is not Checker._repair
