
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from rule_cases import CASES

from rnr_dspy.rules.checkers import REGISTRY, AnyCheck, count_words
from rnr_dspy.rules.checkers.case import AllLowercase
from rnr_dspy.rules.checkers.content import ForbiddenWords, IncludeKeywords
from rnr_dspy.rules.checkers.length import MaxWords, MinWords
from rnr_dspy.rules.checkers.lists import BulletList
from rnr_dspy.rules.checkers.openings import EndsWith, StartsWith
from rnr_dspy.rules.checkers.punctuation import NoCommas

PARAMETERS_IN_DESCRIPTION = {
    "include_keywords": ["budget", "itinerary"],
    "forbidden_words": ["cheap", "guarantee"],
    "max_words": ["5"],
    "min_words": ["5"],
    "starts_with": ["Great question!"],
    "ends_with": ["Happy travels!"],
    "no_commas": ["comma"],
    "all_lowercase": ["lowercase"],
    "bullet_list": ["3"],
    "max_sentences": ["at most 2 sentences"],
    "min_sentences": ["at least 2 sentences"],
    "max_characters": ["at most 12 characters"],
    "paragraphs": ["exactly 2 paragraphs", "***"],
    "numbered_list": ["at least 2", "numbered"],
    "bullet_count": ["exactly 2"],
    "sections": ["at least 2", "SECTION 1"],
    "json_response": ["JSON", '"city"'],
    "title": ["<<", ">>"],
    "highlights": ["at least 2", "*highlighted section*"],
    "placeholders": ["at least 2", "[address]"],
    "postscript": ['"P.S."'],
    "keyword_frequency": ['"story"', "at least 2 times"],
    "all_uppercase": ["capital letters"],
    "capital_words": ["at most 1", "capital letters"],
    "no_exclamation": ["exclamation mark"],
    "quoted": ["double quotation marks"],
    "response_language": ["French", "(fr)"],
    "mentions_name": ['"Ava"'],
    "sign_off": ['"Safe travels, Ava"'],
    "refusal_phrase": ["When a request is outside your scope", '"I can only help with travel questions."'],
}

MARKDOWNISH = st.lists(
    st.sampled_from(["**", "*", "_", "`", "```", "# ", "- ", "* ", "• ", "1. ", "> ", "\n", "\n\n", " ", ",",
                     "[[", "]]", "word", "Word", "WORD", "café", "Straße", "日本語", "🙂", "\u200b", "\t", "don't"]),
    max_size=40,
).map("".join)
ANY_TEXT = st.one_of(st.text(), MARKDOWNISH)


def test_the_original_checkers_keep_their_canonical_wording():
    # The shipped benchmark's rule texts are these descriptions, word for word.
    assert set(PARAMETERS_IN_DESCRIPTION) <= set(REGISTRY) and len(PARAMETERS_IN_DESCRIPTION) == 30


@pytest.mark.parametrize("name", sorted(PARAMETERS_IN_DESCRIPTION))
def test_describe_mentions_the_parameters(name):
    description = CASES[name][0].describe()
    for needle in PARAMETERS_IN_DESCRIPTION[name]:
        assert needle in description


def test_json_schema_requires_the_discriminator_name():
    definitions = TypeAdapter(AnyCheck).json_schema()["$defs"]
    optional = [name for name, cls in REGISTRY.items() if "name" not in definitions[cls.__name__].get("required", [])]
    assert optional == []


@pytest.mark.parametrize(
    "factory",
    [
        lambda: MaxWords(limit=0),
        lambda: MaxWords(limit=5001),
        lambda: MinWords(limit=-1),
        lambda: MaxWords(limit="many"),
        lambda: MaxWords(),
        lambda: BulletList(min_items=0),
        lambda: BulletList(min_items=51),
        lambda: IncludeKeywords(keywords=[]),
        lambda: IncludeKeywords(keywords=["a"] * 11),
        lambda: IncludeKeywords(keywords=["   "]),
        lambda: ForbiddenWords(words=["x" * 41]),
        lambda: StartsWith(phrase=""),
        lambda: EndsWith(phrase="x" * 81),
        lambda: NoCommas(strict=True),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


def test_keywords_are_stripped():
    assert IncludeKeywords(keywords=["  budget "]).keywords == ["budget"]


@pytest.mark.parametrize("cls", [StartsWith, EndsWith])
def test_whitespace_only_phrase_is_rejected(cls):
    with pytest.raises(ValidationError):
        cls(phrase="   ")


def test_count_words():
    assert count_words("") == 0
    assert count_words("   \n\t ") == 0
    assert count_words("one two  three\nfour") == 4
    assert count_words("**bold** _it_ `code`") == 3
    assert count_words("café naïve Straße") == 3
    assert count_words("- one\n- two\n1. three") == 4


class TestIncludeKeywords:
    def test_matching_is_case_insensitive_and_unicode_aware(self):
        assert IncludeKeywords(keywords=["café"]).evaluate("Meet me at the CAFÉ.").followed

    def test_a_keyword_must_be_a_whole_word(self):
        result = IncludeKeywords(keywords=["cat"]).evaluate("The category is concatenated.")
        assert not result.followed
        assert "cat" in result.reason

    def test_keywords_in_markdown_still_count(self):
        assert IncludeKeywords(keywords=["budget"]).evaluate("Your **budget**: `budget`.").followed

    def test_keywords_with_symbols(self):
        assert IncludeKeywords(keywords=["C++"]).evaluate("I write C++, daily.").followed

    def test_reason_lists_only_the_missing_keywords(self):
        result = IncludeKeywords(keywords=["alpha", "beta", "gamma"]).evaluate("alpha and gamma")
        assert not result.followed
        assert "beta" in result.reason
        assert "alpha" not in result.reason

    def test_empty_response_misses_every_keyword(self):
        assert not IncludeKeywords(keywords=["a"]).evaluate("").followed


class TestForbiddenWords:
    def test_case_insensitive(self):
        assert not ForbiddenWords(words=["cheap"]).evaluate("CHEAP flights").followed

    def test_substrings_are_not_words(self):
        assert ForbiddenWords(words=["cheap"]).evaluate("cheapest cheaply").followed

    def test_reason_names_the_word_used(self):
        result = ForbiddenWords(words=["cheap", "free"]).evaluate("It is free!")
        assert not result.followed
        assert "free" in result.reason
        assert "cheap" not in result.reason

    def test_empty_response_follows(self):
        assert ForbiddenWords(words=["x"]).evaluate("").followed


class TestWordLimits:
    def test_limit_is_inclusive(self):
        assert MaxWords(limit=3).evaluate("a b c").followed
        assert MinWords(limit=3).evaluate("a b c").followed

    def test_markdown_and_whitespace_do_not_count_as_words(self):
        text = "\n\n  **one**   - two\n\n# three  \n"
        assert MaxWords(limit=3).evaluate(text).followed
        assert MinWords(limit=3).evaluate(text).followed

    def test_empty_response(self):
        assert MaxWords(limit=1).evaluate("").followed
        assert not MinWords(limit=1).evaluate("").followed

    def test_reason_has_the_count_and_the_limit(self):
        assert MaxWords(limit=2).evaluate("a b c").reason == "3 words; the limit is 2"
        assert MinWords(limit=4).evaluate("a b c").reason == "3 words; the minimum is 4"

    def test_max_words_description_says_at_most_the_limit(self):
        assert "at most 40" in MaxWords(limit=40).describe()


class TestStartsAndEndsWith:
    def test_leading_and_trailing_whitespace_are_ignored(self):
        assert StartsWith(phrase="Hello").evaluate("\n\n  Hello there").followed
        assert EndsWith(phrase="Bye.").evaluate("See you. Bye.\n\n  ").followed
        assert StartsWith(phrase=" Hello ").evaluate("Hello there").followed

    def test_match_is_case_sensitive_and_exact(self):
        assert not StartsWith(phrase="Hello").evaluate("hello there").followed
        assert not EndsWith(phrase="Bye.").evaluate("Bye").followed

    def test_markdown_around_the_phrase_breaks_it(self):
        assert not StartsWith(phrase="Hello").evaluate("**Hello** there").followed
        assert not EndsWith(phrase="Bye.").evaluate("_Bye._").followed

    def test_unicode_phrase(self):
        assert StartsWith(phrase="¡Hola! 🙂").evaluate("¡Hola! 🙂 ¿Qué tal?").followed
        assert EndsWith(phrase="さようなら").evaluate("またね、さようなら").followed

    def test_empty_response(self):
        assert not StartsWith(phrase="Hi").evaluate("").followed
        assert not EndsWith(phrase="Hi").evaluate("").followed


class TestNoCommas:
    def test_reason_counts_commas(self):
        assert NoCommas().evaluate("a, b, c").reason == "2 comma(s)"

    def test_other_comma_like_characters_are_not_commas(self):
        assert NoCommas().evaluate("一、二 ; a\u201ab").followed

    def test_empty_response_follows(self):
        assert NoCommas().evaluate("").followed


class TestAllLowercase:
    def test_any_uppercase_letter_fails(self):
        result = AllLowercase().evaluate("all lowercase except Ω")
        assert not result.followed
        assert result.reason == "1 uppercase letter(s)"

    def test_non_ascii_lowercase_passes(self):
        assert AllLowercase().evaluate("straße, café, ñandú 42!").followed

    def test_non_ascii_uppercase_fails(self):
        assert not AllLowercase().evaluate("ÉCOLE").followed

    def test_empty_or_blank_response_fails(self):
        assert not AllLowercase().evaluate("").followed
        assert not AllLowercase().evaluate(" \n\t").followed


class TestBulletList:
    def test_dash_star_and_bullet_markers_count(self):
        assert BulletList(min_items=3).evaluate("Intro:\n- one\n* two\n• three\nDone.").followed

    def test_indented_items_count(self):
        assert BulletList(min_items=2).evaluate("  - one\n    - two").followed

    def test_numbered_items_and_emphasis_do_not_count(self):
        result = BulletList(min_items=1).evaluate("1. one\n2. two\n**bold** text\n-no space")
        assert not result.followed
        assert result.reason.startswith("0 bullet item(s)")

    def test_a_marker_with_nothing_after_it_is_not_an_item(self):
        assert not BulletList(min_items=2).evaluate("- one\n-").followed
        assert not BulletList(min_items=2).evaluate("- one\n- ").followed

    @pytest.mark.parametrize("text", ["Prices:\n*\nvary by season.\n*\nexclude taxes.", "- one\n- \n-"])
    def test_a_bare_marker_line_does_not_join_the_next_line(self, text):
        assert not BulletList(min_items=2).evaluate(text).followed

    def test_thematic_breaks_are_not_items(self):
        assert not BulletList(min_items=2).evaluate("Intro\n\n- - -\n\nBody\n\n* * *\n\nEnd").followed

    def test_default_needs_two_items(self):
        assert not BulletList().evaluate("- only one").followed
        assert BulletList().evaluate("- one\n- two").followed


@pytest.mark.parametrize("name", ["starts_with", "ends_with", "include_keywords", "max_words", "bullet_list"])
@settings(max_examples=200, deadline=None, database=None)
@given(text=ANY_TEXT, pad=st.sampled_from(["", " ", "\n", "\n\n  \t"]))
def test_surrounding_whitespace_never_changes_the_verdict(name, text, pad):
    checker = CASES[name][0]
    assert checker.evaluate(pad + text + pad).followed == checker.evaluate(text).followed


# The free-text parameter of each checker that has one: any value is either refused or safe to evaluate with.
TEXT_PARAMETERS = {
    "starts_with": "phrase", "ends_with": "phrase", "sign_off": "phrase", "refusal_phrase": "phrase",
    "mentions_name": "persona", "postscript": "marker", "sections": "marker", "keyword_frequency": "keyword",
    "include_keywords": "keywords", "forbidden_words": "words", "json_response": "required_keys",
}


@pytest.mark.parametrize("name", sorted(TEXT_PARAMETERS))
@settings(max_examples=200, deadline=None, database=None)
@given(value=st.text(max_size=30), text=ANY_TEXT)
def test_any_free_text_parameter_is_refused_or_safe(name, value, text):
    checker, _, _ = CASES[name]
    field = TEXT_PARAMETERS[name]
    listed = isinstance(getattr(checker, field), list)
    try:
        checker = type(checker).model_validate({**checker.model_dump(), field: [value] if listed else value})
    except ValidationError:
        assert not value.strip() or len(value.strip()) > 20
        return
    parameter = getattr(checker, field)
    assert (parameter[0] if listed else parameter) == value.strip()
    assert checker.evaluate(text).reason
    assert checker.describe()


@settings(max_examples=200, deadline=None, database=None)
@given(text=ANY_TEXT, limit=st.integers(min_value=1, max_value=60))
def test_max_and_min_words_agree_with_count_words(text, limit):
    words = count_words(text)
    assert MaxWords(limit=limit).evaluate(text).followed == (words <= limit)
    assert MinWords(limit=limit).evaluate(text).followed == (words >= limit)


def test_a_marker_is_as_long_as_what_is_kept_of_it():
    # "\x1f" is blank to Python, not to pydantic's own stripping: it counted against the limit, then was stripped.
    from rnr_dspy.rules.checkers.sections import Sections

    assert Sections(marker="0" * 20 + "\x1f", min_count=2).marker == "0" * 20
