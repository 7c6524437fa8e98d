import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnr_dspy.rules.checkers.formats import JsonResponse
from rnr_dspy.rules.checkers.lists import BulletCount, NumberedList
from rnr_dspy.rules.checkers.sections import Paragraphs, Sections


class TestNumberedList:
    def test_period_and_parenthesis_markers_count(self):
        assert NumberedList(min_items=3).evaluate("Steps:\n1. Pack\n2) Drive\n  10. Arrive").followed

    def test_a_number_without_a_blank_or_text_is_not_an_item(self):
        result = NumberedList(min_items=1).evaluate("1.5 litres\n2.\n3.Go\nIn 2020. we left")
        assert not result.followed
        assert result.reason == "0 numbered item(s); at least 1 required"

    def test_bullets_are_not_numbered_items(self):
        assert not NumberedList(min_items=1).evaluate("- one\n* two").followed

    def test_empty_response(self):
        assert not NumberedList().evaluate("").followed


class TestBulletCount:
    def test_exact_count(self):
        checker = BulletCount(count=2)
        assert checker.evaluate("- a\n* b").followed
        assert not checker.evaluate("- a").followed
        assert not checker.evaluate("- a\n- b\n• c").followed

    def test_rules_and_text_with_dashes_are_not_bullets(self):
        assert BulletCount(count=1).evaluate("Intro - with a dash\n---\n-5 degrees\n- real item").followed

    def test_nested_items_count(self):
        assert BulletCount(count=3).evaluate("- a\n  - a.1\n- b").followed

    def test_reason(self):
        assert BulletCount(count=2).evaluate("").reason == "0 bullet item(s); exactly 2 required"


class TestParagraphs:
    def test_divider_lines_separate_paragraphs(self):
        assert Paragraphs(count=3).evaluate("One.\n***\nTwo.\n\n  ***  \n\nThree.").followed

    def test_blank_lines_alone_do_not_separate(self):
        assert not Paragraphs(count=2).evaluate("One.\n\nTwo.").followed
        assert Paragraphs(count=1).evaluate("One.\n\nStill one.").followed

    def test_leading_and_trailing_dividers_are_ignored(self):
        assert Paragraphs(count=2).evaluate("***\nOne.\n***\nTwo.\n***\n").followed

    def test_an_empty_paragraph_fails(self):
        result = Paragraphs(count=2).evaluate("One.\n***\n\n***\nTwo.")
        assert not result.followed
        assert "empty paragraph" in result.reason

    def test_inline_asterisks_are_not_dividers(self):
        assert Paragraphs(count=1).evaluate("A ***very*** bold claim.\n****\n* * *").followed

    def test_empty_response_has_no_paragraph(self):
        assert not Paragraphs(count=1).evaluate("").followed

    def test_describe_states_the_convention(self):
        assert "***" in Paragraphs(count=4).describe()
        assert "exactly 4 paragraphs" in Paragraphs(count=4).describe()


class TestSections:
    def test_headers_at_line_starts_count(self):
        text = "SECTION 1\nWhy.\n## SECTION 2\nHow.\n**SECTION 3**: When."
        result = Sections(min_count=3).evaluate(text)
        assert result.followed
        assert "numbered 1, 2, 3" in result.reason

    def test_inline_mentions_do_not_count(self):
        assert not Sections(min_count=2).evaluate("SECTION 1\nAs SECTION 2 says, wait.").followed

    def test_marker_is_case_sensitive(self):
        assert not Sections(min_count=1).evaluate("Section 1\nText.").followed
        assert Sections(marker="Section", min_count=1).evaluate("Section 1\nText.").followed

    def test_at_least_semantics(self):
        assert Sections(min_count=1).evaluate("SECTION 1\nA\nSECTION 2\nB").followed

    def test_unicode_marker(self):
        assert Sections(marker="Sección", min_count=2).evaluate("Sección 1\nUno.\nSección 2\nDos.").followed

    def test_describe_names_the_marker(self):
        assert '"PART X"' in Sections(marker="PART", min_count=2).describe()


class TestJsonResponse:
    @pytest.mark.parametrize(
        "text",
        ['{"a": 1}', "[1, 2]", '"text"', "42", "null", '```json\n{"a": 1}\n```', "```JSON\n[]\n```",
         '```\n{"a": 1}\n```', '  \n{"a": 1}\n  ', '```json {"a": 1} ```', '{"ключ": "значение 🙂"}'],
    )
    def test_valid_json_passes(self, text):
        assert JsonResponse().evaluate(text).followed

    @pytest.mark.parametrize(
        "text",
        ["", "Here it is: {\"a\": 1}", "{'a': 1}", '{"a": 1', "NaN", '{"a": Infinity}', '```json\n{"a": 1}\n```\nDone.',
         "```python\n{}\n```", "[" * 5000],
    )
    def test_invalid_json_fails(self, text):
        result = JsonResponse().evaluate(text)
        assert not result.followed
        assert result.reason.startswith("not valid JSON")

    def test_required_keys(self):
        checker = JsonResponse(required_keys=["city", "days"])
        assert checker.evaluate('{"city": "Oslo", "days": 2, "extra": true}').followed
        result = checker.evaluate('{"city": "Oslo"}')
        assert not result.followed
        assert "days" in result.reason

    def test_required_keys_need_an_object_at_the_top(self):
        result = JsonResponse(required_keys=["city"]).evaluate('[{"city": "Oslo"}]')
        assert not result.followed
        assert "not an object" in result.reason

    def test_describe_lists_the_keys(self):
        assert '"city", "days"' in JsonResponse(required_keys=["city", "days"]).describe()
        assert "```json" in JsonResponse().describe()


@pytest.mark.parametrize(
    "factory",
    [
        lambda: NumberedList(min_items=0),
        lambda: BulletCount(count=0),
        lambda: BulletCount(count=51),
        lambda: BulletCount(),
        lambda: Paragraphs(count=0),
        lambda: Sections(min_count=0),
        lambda: Sections(marker="  ", min_count=2),
        lambda: Sections(marker="X" * 21, min_count=2),
        lambda: JsonResponse(required_keys=["k"] * 11),
        lambda: JsonResponse(required_keys=[""]),
        lambda: JsonResponse(required_keys="city"),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, database=None)
@given(value=JSONISH, fenced=st.booleans(), pad=st.sampled_from(["", "\n", "  \n"]))
def test_any_serialised_json_value_passes(value, fenced, pad):
    text = json.dumps(value, ensure_ascii=False)
    text = f"```json\n{text}\n```" if fenced else text
    assert JsonResponse().evaluate(pad + text + pad).followed


@settings(max_examples=200, deadline=None, database=None)
@given(items=st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=10).filter(str.strip), max_size=8))
def test_bullet_count_counts_generated_items(items):
    text = "\n".join(f"- {item.strip()}" for item in items)
    assert BulletCount(count=max(len(items), 1)).evaluate(text).followed == bool(items)
