"""Every wording the registry renders reads back to the same check and parameters."""

from __future__ import annotations

import random
from typing import Any

from annotated_types import Ge, Le
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from rnr_dspy.rules.checkers import REGISTRY, Checker, SampleContext
from rnr_dspy.rules.reading import read_check
from rnr_dspy.rules.reading.registry import read_registry_wording

_INSTRUCTIONS = ["How do I fix a leaking tap in my kitchen?", "What is the cheapest way to paint a wall?",
                 "Explain how to save money on groceries each week."]
# Text parameters as an LM or a person might give them: words, blanks and punctuation.
_TEXT = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ '?!.,-"), min_size=1, max_size=24)


def _bounds(info: FieldInfo) -> tuple[int, int]:
    low, high = 0, 10_000
    for constraint in info.metadata:
        low = constraint.ge if isinstance(constraint, Ge) else low
        high = constraint.le if isinstance(constraint, Le) else high
    return low, high


def _assert_round_trip(check: Checker) -> None:
    for style, text in check.phrasings().items():
        assert read_registry_wording(text) == check, (style, text)
        assert read_check(text) == check, (style, text)


def test_every_checker_and_wording_reads_back_from_its_sampled_rules() -> None:
    for name, checker in REGISTRY.items():
        checks = [check for seed in range(3) if (check := checker.sample(SampleContext(
            rng=random.Random(seed), instructions=_INSTRUCTIONS, theme="home-repair"))) is not None]
        assert checks, f"{name} draws no rule"
        for check in checks:
            _assert_round_trip(check)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(sorted(REGISTRY)), seed=st.integers(0, 10**6), data=st.data())
def test_any_parameters_read_back(name: str, seed: int, data: st.DataObject) -> None:
    checker = REGISTRY[name]
    sampled = checker.sample(SampleContext(rng=random.Random(seed), instructions=_INSTRUCTIONS, theme="home-repair"))
    assume(sampled is not None)
    values: dict[str, Any] = sampled.model_dump()
    for field, info in checker.model_fields.items():
        if info.annotation is int:
            values[field] = data.draw(st.integers(*_bounds(info)), label=field)
        # A word in capitals is shown only in capitals by one wording: its parameter is the word in lower case.
        elif info.annotation is str and field != "name" and name != "word_in_caps":
            values[field] = data.draw(_TEXT, label=field)
    try:
        check = checker(**values)
    except ValueError:
        assume(False)
    _assert_round_trip(check)


def test_a_text_that_is_no_wording_reads_as_nothing() -> None:
    assert read_registry_wording("Keep every answer under 91 words (at most 89).") is None
    assert read_registry_wording("Be kind to every customer.") is None
