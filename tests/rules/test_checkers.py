import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from rnr_dspy.rules import RuleKind
from rnr_dspy.rules.checkers import REGISTRY, AnyCheck, Checker, CheckResult, count_words
from rnr_dspy.rules.checkers.case import AllUppercase, CapitalWords
from rnr_dspy.rules.checkers.content import ForbiddenWords, IncludeKeywords, KeywordFrequency, Placeholders, Postscript
from rnr_dspy.rules.checkers.language import LANGUAGES, ResponseLanguage
from rnr_dspy.rules.checkers.length import MaxCharacters, MaxSentences, MaxWords, MinSentences, MinWords
from rnr_dspy.rules.checkers.markdown import Highlights, Title
from rnr_dspy.rules.checkers.persona import MentionsName, SignOff
from rnr_dspy.rules.checkers.scope import RefusalPhrase
from rnr_dspy.rules.checkers.structure import BulletCount, JsonResponse, NumberedList, Paragraphs, Sections
from rnr_dspy.rules.checkers.style import (
    AllLowercase,
    BulletList,
    EndsWith,
    NoCommas,
    NoExclamation,
    Quoted,
    StartsWith,
)

SAMPLES: dict[str, tuple[Checker, str, str]] = {
    "include_keywords": (
        IncludeKeywords(keywords=["budget", "itinerary"]),
        "Here is your itinerary, planned within budget.",
        "Here is your itinerary.",
    ),
    "forbidden_words": (
        ForbiddenWords(words=["cheap", "guarantee"]),
        "An affordable option that usually works.",
        "A cheap option that usually works.",
    ),
    "max_words": (MaxWords(limit=5), "One two three four five.", "One two three four five six."),
    "min_words": (MinWords(limit=5), "One two three four five.", "One two three four."),
    "starts_with": (StartsWith(phrase="Great question!"), "Great question! Here goes.", "Here goes. Great question!"),
    "ends_with": (EndsWith(phrase="Happy travels!"), "Go in May. Happy travels!", "Happy travels! Go in May."),
    "no_commas": (NoCommas(), "Pack light and go early.", "Pack light, and go early."),
    "all_lowercase": (AllLowercase(), "pack light and go early.", "Pack light and go early."),
    "bullet_list": (BulletList(min_items=3), "- one\n- two\n- three", "- one\n- two\nthree"),
    "max_sentences": (MaxSentences(limit=2), "Go early. Take water.", "Go early. Take water. Wear a hat."),
    "min_sentences": (MinSentences(limit=2), "Go early. Take water.", "Go early and take water."),
    "max_characters": (MaxCharacters(limit=12), "Short reply.", "A longer reply."),
    "paragraphs": (Paragraphs(count=2), "First.\n***\nSecond.", "First.\n\nSecond."),
    "numbered_list": (NumberedList(min_items=2), "1. Pack\n2. Go", "1. Pack, then go"),
    "bullet_count": (BulletCount(count=2), "- one\n- two", "- one\n- two\n- three"),
    "sections": (Sections(min_count=2), "SECTION 1\nWhy.\nSECTION 2\nHow.", "SECTION 1\nWhy and how."),
    "json_response": (JsonResponse(required_keys=["city"]), '```json\n{"city": "Oslo"}\n```', '{"town": "Oslo"}'),
    "title": (Title(), "<<Trip Plan>>\nDay one.", "Trip Plan\nDay one."),
    "highlights": (Highlights(min_count=2), "Bring *water* and *snacks*.", "Bring *water* and snacks."),
    "placeholders": (Placeholders(min_count=2), "Dear [name], see you at [time].", "Dear [name], see you soon."),
    "postscript": (Postscript(marker="P.S."), "See you.\n\nP.S. Bring snacks.", "See you. Bring snacks."),
    "keyword_frequency": (
        KeywordFrequency(keyword="story", relation="at_least", count=2),
        "A story within a story.",
        "A story within a tale.",
    ),
    "all_uppercase": (AllUppercase(), "PACK LIGHT AND GO EARLY.", "PACK LIGHT and go early."),
    "capital_words": (CapitalWords(relation="at_most", count=1), "This is VERY good.", "This is VERY VERY good."),
    "no_exclamation": (NoExclamation(), "Pack light and go early.", "Pack light and go early!"),
    "quoted": (Quoted(), '"Pack light and go early."', '"Pack light" and go early.'),
    "response_language": (
        ResponseLanguage(language="fr"),
        "Je vous conseille de partir tôt le matin pour éviter la foule.",
        "I suggest leaving early in the morning to avoid the crowds.",
    ),
    "mentions_name": (MentionsName(persona="Ava"), "Hi, I'm Ava, your travel guide.", "Hi, I'm your travel guide."),
    "sign_off": (SignOff(phrase="Safe travels, Ava"), "Go in May.\n\nSafe travels, Ava", "Safe travels, Ava. Go."),
    "refusal_phrase": (
        RefusalPhrase(phrase="I can only help with travel questions."),
        "Sorry! I can only help with travel questions.",
        "Sorry, I cannot help with that.",
    ),
}

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

TEXT = st.text(min_size=1, max_size=30).filter(str.strip)
# Valid parameters for every checker, so each can be checked with any parameters on any text.
PARAMETERS: dict[str, st.SearchStrategy] = {
    "include_keywords": st.builds(IncludeKeywords, keywords=st.lists(TEXT, min_size=1, max_size=3)),
    "forbidden_words": st.builds(ForbiddenWords, words=st.lists(TEXT, min_size=1, max_size=3)),
    "max_words": st.builds(MaxWords, limit=st.integers(1, 5000)),
    "min_words": st.builds(MinWords, limit=st.integers(1, 5000)),
    "starts_with": st.builds(StartsWith, phrase=TEXT),
    "ends_with": st.builds(EndsWith, phrase=TEXT),
    "no_commas": st.just(NoCommas()),
    "all_lowercase": st.just(AllLowercase()),
    "bullet_list": st.builds(BulletList, min_items=st.integers(1, 50)),
    "max_sentences": st.builds(MaxSentences, limit=st.integers(1, 200)),
    "min_sentences": st.builds(MinSentences, limit=st.integers(1, 200)),
    "max_characters": st.builds(MaxCharacters, limit=st.integers(1, 50_000)),
    "paragraphs": st.builds(Paragraphs, count=st.integers(1, 50)),
    "numbered_list": st.builds(NumberedList, min_items=st.integers(1, 50)),
    "bullet_count": st.builds(BulletCount, count=st.integers(1, 50)),
    "sections": st.builds(Sections, marker=st.text(min_size=1, max_size=20).filter(str.strip),
                          min_count=st.integers(1, 50)),
    "json_response": st.builds(JsonResponse, required_keys=st.lists(TEXT, max_size=3)),
    "title": st.builds(Title, style=st.sampled_from(["angle_brackets", "heading"])),
    "highlights": st.builds(Highlights, min_count=st.integers(1, 50)),
    "placeholders": st.builds(Placeholders, min_count=st.integers(1, 100)),
    "postscript": st.builds(Postscript, marker=st.text(min_size=1, max_size=20).filter(str.strip)),
    "keyword_frequency": st.builds(KeywordFrequency, keyword=TEXT, relation=st.sampled_from(["at_least", "at_most"]),
                                   count=st.integers(1, 100)),
    "all_uppercase": st.just(AllUppercase()),
    "capital_words": st.builds(CapitalWords, relation=st.sampled_from(["at_least", "at_most"]),
                               count=st.integers(0, 1000)),
    "no_exclamation": st.just(NoExclamation()),
    "quoted": st.just(Quoted()),
    "response_language": st.builds(ResponseLanguage, language=st.sampled_from(sorted(LANGUAGES))),
    "mentions_name": st.builds(MentionsName, persona=TEXT),
    "sign_off": st.builds(SignOff, phrase=TEXT),
    "refusal_phrase": st.builds(RefusalPhrase, phrase=TEXT),
}

MARKDOWNISH = st.lists(
    st.sampled_from(["**", "*", "_", "`", "```", "# ", "- ", "* ", "• ", "1. ", "> ", "\n", "\n\n", " ", ",",
                     "[[", "]]", "word", "Word", "WORD", "café", "Straße", "日本語", "🙂", "\u200b", "\t", "don't"]),
    max_size=40,
).map("".join)
ANY_TEXT = st.one_of(st.text(), MARKDOWNISH)


def test_samples_cover_the_whole_registry():
    assert set(SAMPLES) == set(REGISTRY)
    assert set(PARAMETERS_IN_DESCRIPTION) == set(REGISTRY)
    assert set(PARAMETERS) == set(REGISTRY)


def test_the_registry_has_at_least_27_checkers_of_every_main_kind():
    assert len(REGISTRY) >= 27
    kinds = {cls.kind for cls in REGISTRY.values()}
    assert {"format", "length", "content", "style", "language", "persona", "scope"} <= kinds


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_key_is_the_checker_name_literal(name):
    cls = REGISTRY[name]
    assert typing.get_args(cls.model_fields["name"].annotation) == (name,)
    assert cls.model_fields["name"].default == name


def test_registry_names_are_unique():
    literals = [typing.get_args(cls.model_fields["name"].annotation)[0] for cls in REGISTRY.values()]
    assert len(literals) == len(set(literals)) == len(REGISTRY)
    assert len(set(REGISTRY.values())) == len(REGISTRY)


def test_registering_a_duplicate_name_is_refused():
    with pytest.raises(ValueError, match="duplicate checker name 'no_commas'"):

        class AnotherNoCommas(Checker):
            name: typing.Literal["no_commas"] = "no_commas"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_checker_kind_is_a_rule_kind(name):
    assert REGISTRY[name].kind in typing.get_args(RuleKind)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_checker_passes_a_following_response(name):
    checker, passing, _ = SAMPLES[name]
    result = checker.evaluate(passing)
    assert isinstance(result, CheckResult)
    assert result.followed is True, result.reason


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_checker_fails_a_violating_response(name):
    checker, _, failing = SAMPLES[name]
    result = checker.evaluate(failing)
    assert result.followed is False
    assert result.reason


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_describe_mentions_the_parameters(name):
    description = SAMPLES[name][0].describe()
    for needle in PARAMETERS_IN_DESCRIPTION[name]:
        assert needle in description


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_checker_round_trips_through_any_check(name):
    checker = SAMPLES[name][0]
    assert TypeAdapter(AnyCheck).validate_python(checker.model_dump()) == checker
    assert TypeAdapter(AnyCheck).validate_json(checker.model_dump_json()) == checker


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_checker_is_frozen_and_forbids_extra_fields(name):
    checker = SAMPLES[name][0]
    with pytest.raises(ValidationError):
        checker.name = "other"
    with pytest.raises(ValidationError):
        type(checker).model_validate({**checker.model_dump(), "surprise": 1})


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


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=200, deadline=None, database=None)
@given(text=ANY_TEXT)
def test_evaluate_never_raises_and_returns_a_bool_and_a_reason(name, text):
    result = SAMPLES[name][0].evaluate(text)
    assert isinstance(result, CheckResult)
    assert isinstance(result.followed, bool)
    assert isinstance(result.reason, str)
    assert result.reason


@pytest.mark.parametrize("name", ["starts_with", "ends_with", "include_keywords", "max_words", "bullet_list"])
@settings(max_examples=200, deadline=None, database=None)
@given(text=ANY_TEXT, pad=st.sampled_from(["", " ", "\n", "\n\n  \t"]))
def test_surrounding_whitespace_never_changes_the_verdict(name, text, pad):
    checker = SAMPLES[name][0]
    assert checker.evaluate(pad + text + pad).followed == checker.evaluate(text).followed


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=200, deadline=None, database=None)
@given(data=st.data(), text=ANY_TEXT)
def test_evaluate_never_raises_whatever_the_parameters(name, data, text):
    checker = data.draw(PARAMETERS[name])
    result = checker.evaluate(text)
    assert isinstance(result.followed, bool)
    assert result.reason
    assert isinstance(checker.describe(), str)


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
    checker, _, _ = SAMPLES[name]
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
