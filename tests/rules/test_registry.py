"""Every checker of the registry: typed parameters, a hand-written case each way, repairs that pass their own
check, wordings that state the parameters, and no crash on adversarial text or parameters."""

import random
import typing

import annotated_types
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from rule_cases import CASES

from rnr_dspy.rules import RuleKind
from rnr_dspy.rules.checkers import REGISTRY, WORDING_STYLES, AnyCheck, Checker, CheckResult, SampleContext
from rnr_dspy.rules.checkers.base import MAX_TEXT

NAMES = sorted(REGISTRY)
INSTRUCTIONS = ["How do I make a basic pan sauce from the browned bits left in the skillet?",
                "Why should a steak rest after cooking, and for how long?"]
# Markdown, list markers, dividers, styled letters and scripts the checkers' regexes and repairs must survive.
PIECES = ["**", "*", "***", "_", "`", "```", "```json\n", "# ", "## ", "- ", "* ", "• ", "1. ", "2) ", "> ", "\n",
          "\n\n", " ", ",", ";", ".", "...", "…", "!", "?", "—", " - ", "(", ")", '"', "“", "”", "'", "’", "[[",
          "]]", "[x]", "| a | b |", "|---|---|", "<answer>", "</answer>", "Q:", "A:", "Step 1:", "P.S.", "SECTION 1",
          "word", "Word", "WORD", "I", "my", "we", "café", "Straße", "日本語", "Привет", "𝐀", "ϒ", "ª", "0", "42",
          "3.5", "$20", "5 km", "3 miles", "http://x.io", "a@b.co", "555 123 4567", "🙂", "👍🏽", "\u200b", "\t",
          "don't", "pan sauce", "pan\nsauce", "tea", "Sure", "Enjoy"]
ADVERSARIAL = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(PIECES), max_size=40).map("".join))


def _field_strategy(info):
    annotation, metadata = info.annotation, info.metadata
    if typing.get_origin(annotation) is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if annotation is int:
        low = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), -5)
        high = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), 1000)
        return st.integers(low - 1, high + 1)
    if typing.get_origin(annotation) is list:
        return st.lists(st.one_of(st.text(max_size=12), st.sampled_from(PIECES)), max_size=4)
    return st.one_of(st.text(max_size=30), st.sampled_from(PIECES))


def any_parameters(cls):
    """Parameters of every shape and range, valid or not: a check is built or refused, never anything else."""
    fields = {name: _field_strategy(info) for name, info in cls.model_fields.items() if name != "name"}
    return st.fixed_dictionaries(fields)


def _build(cls, params):
    try:
        return cls(**params)
    except ValidationError:
        return None


# --- the registry --------------------------------------------------------------------------------------------------

def test_the_registry_is_wide_and_every_checker_has_a_case():
    assert len(REGISTRY) >= 80
    assert set(CASES) == set(REGISTRY)
    kinds = {cls.kind for cls in REGISTRY.values()}
    assert {"format", "length", "content", "style", "language", "persona", "scope", "safety"} <= kinds
    modules = {cls.__module__ for cls in REGISTRY.values()}
    assert len(modules) >= 15


@pytest.mark.parametrize("name", NAMES)
def test_a_checker_is_typed_registered_and_validated(name):
    cls = REGISTRY[name]
    assert typing.get_args(cls.model_fields["name"].annotation) == (name,)
    assert cls.kind in typing.get_args(RuleKind)
    check = CASES[name][0]
    assert TypeAdapter(AnyCheck).validate_json(check.model_dump_json()) == check
    with pytest.raises(ValidationError):
        cls.model_validate({**check.model_dump(), "surprise": 1})
    with pytest.raises(ValidationError):
        check.name = "other"


@pytest.mark.parametrize("name", NAMES)
def test_hand_written_responses_are_decided_each_way(name):
    check, follows, breaks = CASES[name]
    assert check.evaluate(follows).followed, check.evaluate(follows).reason
    result = check.evaluate(breaks)
    assert result.followed is False and result.reason


@pytest.mark.parametrize("name", [name for name in NAMES if CASES[name][0].repairable])
def test_a_repair_of_the_breaking_response_passes_its_own_check(name):
    check, follows, breaks = CASES[name]
    repaired = check.enforce(breaks)
    assert repaired is not None and check.evaluate(repaired).followed
    again = check.enforce(follows)
    assert again is None or check.evaluate(again).followed


# --- wordings ------------------------------------------------------------------------------------------------------

def _instances(cls, count=25):
    found = [CASES[cls.model_fields["name"].default][0]]
    for seed in range(count):
        check = cls.sample(SampleContext(random.Random(seed), INSTRUCTIONS, "home-cooking"))
        if check is not None:
            found.append(check)
    return found


def _parameter_texts(check):
    for name, value in check.model_dump().items():
        info = type(check).model_fields[name]
        if name == "name" or typing.get_origin(info.annotation) is typing.Literal:
            continue  # a choice among words is stated by its own wording; distinct wordings are checked below
        yield from (str(item) for item in (value if isinstance(value, list) else [value]))


@pytest.mark.parametrize("name", NAMES)
def test_every_wording_renders_and_states_the_parameters(name):
    for check in _instances(REGISTRY[name]):
        phrasings = check.phrasings()
        assert len(phrasings) >= 3 and set(phrasings) <= set(WORDING_STYLES)
        assert next(iter(phrasings)) == "canonical" and phrasings["canonical"] == check.describe()
        assert len(set(phrasings.values())) == len(phrasings)
        for style, text in phrasings.items():
            assert "{" not in text and "}" not in text.replace("{}", ""), (style, text)
            for needle in _parameter_texts(check):
                assert needle.lower() in text.lower() or needle.upper() in text, (style, needle, text)
            assert check.wording_of(text) == style


@pytest.mark.parametrize("name", NAMES)
def test_a_wording_names_one_set_of_parameters(name):
    seen = {}
    for check in _instances(REGISTRY[name], count=60):
        for text in check.phrasings().values():
            assert seen.setdefault(text, check) == check, f"{text!r} states two checks"


@pytest.mark.parametrize("name", NAMES)
def test_sampled_rules_fit_a_rule_text_and_render_by_seed(name):
    for check in _instances(REGISTRY[name]):
        assert any(len(text) <= MAX_TEXT for text in check.phrasings().values())
        rendered = {check.render(random.Random(seed)) for seed in range(40)}
        assert rendered <= set(check.phrasings().values()) and len(rendered) >= 2


# --- adversarial text and parameters -------------------------------------------------------------------------------

def _assert_sound(check, text):
    result = check.evaluate(text)
    assert isinstance(result, CheckResult) and isinstance(result.followed, bool) and result.reason
    repaired = check.enforce(text)
    assert repaired is None or check.evaluate(repaired).followed, (check, text, repaired)


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ADVERSARIAL)
def test_no_checker_raises_or_repairs_into_a_violation_on_adversarial_text(text):
    for name in NAMES:
        _assert_sound(CASES[name][0], text)


@pytest.mark.parametrize("group", range(4))
@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data(), text=ADVERSARIAL)
def test_any_parameters_are_refused_or_safe(group, data, text):
    for name in NAMES[group::4]:
        cls = REGISTRY[name]
        check = _build(cls, data.draw(any_parameters(cls), label=name))
        if check is not None:
            _assert_sound(check, text)
            assert check.describe() and all(check.phrasings().values())


@settings(max_examples=50, deadline=None, database=None)
@given(data=st.data())
def test_text_parameters_that_are_blank_or_too_long_are_refused(data):
    name = data.draw(st.sampled_from([n for n in NAMES if any(
        info.annotation is str for info in REGISTRY[n].model_fields.values())]))
    cls = REGISTRY[name]
    field = next(field for field, info in cls.model_fields.items() if info.annotation is str and field != "name")
    base = CASES[name][0].model_dump()
    value = data.draw(st.sampled_from(["", "   ", "\n\t", "x" * 200]))
    assume(field in base)
    with pytest.raises(ValidationError):
        cls.model_validate({**base, field: value})


# --- the repair contract -------------------------------------------------------------------------------------------

def test_enforce_returns_none_rather_than_a_non_repair():
    class Shouty(Checker):
        name: typing.Literal["_test_shouty"] = "_test_shouty"
        wordings: typing.ClassVar = {"canonical": "Shout.", "terse": "Loud.", "third_person": "It shouts."}

        def evaluate(self, response):
            return CheckResult(response.isupper(), "case")

        def _repair(self, response):
            return response + "!"  # not a repair of lowercase text

    try:
        assert Shouty().enforce("quiet") is None
        assert Shouty().enforce("LOUD") == "LOUD!"
    finally:
        del REGISTRY["_test_shouty"]


def test_a_checker_cannot_bypass_the_verified_repair():
    with pytest.raises(TypeError, match="override _repair"):
        class Sneaky(Checker):
            def enforce(self, response):
                return response


# The adversarial cases where a repair used to return text its own check refuses.
@pytest.mark.parametrize(("name", "params", "text"), [
    ("all_lowercase", {}, "𝐀 big ϒ"),
    ("all_uppercase", {}, "0"),
    ("all_uppercase", {}, "ª and more"),
    ("bullet_list", {"min_items": 2}, "•\n***\nFirst. Second."),
    ("numbered_list", {"min_items": 2}, "***\nFirst. Second."),
    ("paragraphs", {"count": 2}, "First.\n***\n***\nSecond."),
    ("forbidden_words", {"words": ["pan sauce"]}, "Make a pan\nsauce. Rest it. Serve."),
    ("postscript", {"marker": "."}, "Done."),
    ("postscript", {"marker": "P.S."}, "***"),
])
def test_repairs_of_formerly_broken_cases_pass_or_are_refused(name, params, text):
    check = REGISTRY[name](**params)
    repaired = check.enforce(text)
    assert repaired is None or check.evaluate(repaired).followed


def test_styled_letters_are_lowercased_and_a_phrase_across_lines_is_cut():
    assert REGISTRY["all_lowercase"]().enforce("𝐀 big ϒ") == "a big υ"
    forbidden = REGISTRY["forbidden_words"](words=["pan sauce"])
    assert forbidden.enforce("Make a pan\nsauce. Rest it. Serve.") == "Rest it. Serve."
    assert REGISTRY["bullet_list"](min_items=2).enforce("•\n***\nFirst. Second.") == "- First.\n- Second."
    assert REGISTRY["paragraphs"](count=2).enforce("First.\n***\n***\nSecond.") == "First.\n\n***\n\nSecond."
