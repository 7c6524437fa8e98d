import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnr_dspy.rules.checkers.content import KeywordFrequency, Placeholders
from rnr_dspy.rules.checkers.openings import Postscript


def story(relation: str, count: int) -> KeywordFrequency:
    return KeywordFrequency(keyword="story", relation=relation, count=count)


class TestKeywordFrequency:
    def test_whole_words_in_any_case(self):
        assert story("at_least", 3).evaluate("Story time: a STORY, a **story**.").followed
        assert not story("at_least", 1).evaluate("history, stories, storyline").followed

    def test_at_most_is_inclusive(self):
        assert story("at_most", 2).evaluate("a story and a story").followed
        assert not story("at_most", 1).evaluate("a story and a story").followed

    def test_multi_word_and_unicode_keywords(self):
        checker = KeywordFrequency(keyword="crème brûlée", relation="at_least", count=2)
        assert checker.evaluate("Crème brûlée first, crème brûlée again.").followed

    def test_keyword_with_regex_characters_is_literal(self):
        assert KeywordFrequency(keyword="C++", relation="at_least", count=2).evaluate("C++ and C++").followed
        assert not KeywordFrequency(keyword="a.b", relation="at_least", count=1).evaluate("axb").followed

    def test_reason(self):
        assert story("at_most", 1).evaluate("").reason == '"story" appears 0 time(s); at most 1'

    def test_describe(self):
        assert story("at_least", 1).describe() == 'Use the word "story" at least 1 time in every answer.'


class TestPlaceholders:
    @pytest.mark.parametrize(
        ("text", "found"),
        [
            ("", 0),
            ("Dear [name], meet at [time] in [room 4].", 3),
            ("Empty [] and blank [  ] are not placeholders", 0),
            ("A [link](https://example.com) is not one; [this] is", 1),
            ("[[nested]] counts once", 1),
            ("[multi\nline] does not count", 0),
            ("[名前] and [café]", 2),
        ],
    )
    def test_counts_placeholders(self, text, found):
        assert Placeholders(min_count=1).evaluate(text).reason == f"{found} placeholder(s); at least 1"

    def test_minimum_is_inclusive(self):
        assert Placeholders(min_count=2).evaluate("[a] [b]").followed
        assert not Placeholders(min_count=3).evaluate("[a] [b]").followed


class TestPostscript:
    @pytest.mark.parametrize(
        "text",
        ["Body.\n\nP.S. More.", "Body.\np.s. lowercase.", "Body.\nP. S. Spaced.", "Body.\n**P.S.** Bold.",
         "Body.\n> P.S. Quoted.", "Body.\n\nP.S. One.\n\nSecond paragraph of the postscript."],
    )
    def test_a_postscript_line_after_the_body_passes(self, text):
        assert Postscript().evaluate(text).followed

    @pytest.mark.parametrize("text", ["", "Body only.", "Body. P.S. inline.", "Body.\nPS: no dots.", "P.S. first\n"])
    def test_missing_or_leading_postscript_fails(self, text):
        assert not Postscript().evaluate(text).followed

    def test_the_postscript_needs_an_answer_before_it(self):
        assert Postscript().evaluate("P.S. only").reason == "the postscript has no answer before it"

    def test_custom_marker(self):
        checker = Postscript(marker="P.P.S")
        assert checker.evaluate("Body.\nP.S. one\nP.P.S two").followed
        assert not checker.evaluate("Body.\nP.S. one").followed
        assert Postscript(marker="Note:").evaluate("Body.\nNOTE: remember").followed

    def test_describe_quotes_the_marker(self):
        assert '"P.P.S"' in Postscript(marker="P.P.S").describe()


@pytest.mark.parametrize(
    "factory",
    [
        lambda: KeywordFrequency(keyword="", relation="at_least", count=1),
        lambda: KeywordFrequency(keyword="story", relation="exactly", count=1),
        lambda: KeywordFrequency(keyword="story", relation="at_least", count=0),
        lambda: KeywordFrequency(keyword="x" * 41, relation="at_least", count=1),
        lambda: Placeholders(min_count=0),
        lambda: Placeholders(min_count=101),
        lambda: Postscript(marker=" "),
        lambda: Postscript(marker="x" * 21),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


@settings(max_examples=200, deadline=None, database=None)
@given(times=st.integers(0, 8), noise=st.sampled_from([" ", ", ", " **", "\n- ", " history "]))
def test_keyword_frequency_counts_each_use(times, noise):
    text = noise.join(["Once"] + ["story"] * times + ["end"])
    assert story("at_least", max(times, 1)).evaluate(text).followed == (times >= 1)
    assert story("at_most", max(times, 1)).evaluate(text).followed


@settings(max_examples=200, deadline=None, database=None)
@given(body=st.text(alphabet="ab .\n", max_size=30), tail=st.text(max_size=20))
def test_a_postscript_after_any_body_with_a_word_passes(body, tail):
    text = f"Hello {body}\nP.S. {tail}"
    assert Postscript().evaluate(text).followed


def test_keywords_in_wide_scripts_need_no_word_boundary():
    tokyo = KeywordFrequency(keyword="東京", relation="at_least", count=2)
    assert tokyo.evaluate("東京へ行き、東京で食べる。").followed
    assert KeywordFrequency(keyword="서울", relation="at_least", count=1).evaluate("서울에서 만나요").followed
