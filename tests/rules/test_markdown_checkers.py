import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnr_dspy.rules.checkers.markdown import Highlights, Title


class TestAngleBracketTitle:
    @pytest.mark.parametrize("text", ["<<Trip Plan>>\nDay one.", "Intro.\n\n<<Late Title>>", "<<🙂>>", "<< x >>"])
    def test_a_non_blank_title_anywhere_passes(self, text):
        assert Title().evaluate(text).followed

    @pytest.mark.parametrize("text", ["", "Trip Plan", "<< >>", "<Single>", "<<Broken\nTitle>>", "# Heading"])
    def test_missing_or_blank_title_fails(self, text):
        result = Title().evaluate(text)
        assert not result.followed
        assert result.reason == "no <<title>> found"

    def test_reason_shows_the_title(self):
        assert Title().evaluate("<<  Trip Plan >> body").reason == "title <<Trip Plan>>"


class TestHeadingTitle:
    def test_first_line_is_a_level_one_heading(self):
        checker = Title(style="heading")
        assert checker.evaluate("\n\n# Trip Plan\nDay one.").followed
        assert not checker.evaluate("Intro.\n# Trip Plan").followed
        assert not checker.evaluate("## Trip Plan").followed
        assert not checker.evaluate("#Trip Plan").followed
        assert not checker.evaluate("<<Trip Plan>>").followed
        assert not checker.evaluate("").followed

    def test_describe_states_which_style(self):
        assert "# Title" in Title(style="heading").describe()
        assert "<<" in Title().describe()


class TestHighlights:
    @pytest.mark.parametrize(
        ("text", "spans"),
        [
            ("", 0),
            ("*one* and *two*", 2),
            ("**bold** and *italic*", 2),
            ("*a* *b* *c*", 3),
            ("*multi\nline* stays plain", 0),
            ("2 * 3 * 4 is arithmetic", 0),
            ("* bullet one\n* bullet two", 0),
            ("* Drink **plenty** of water.", 1),
            ("** ** and * * are empty", 0),
            ("__underscores__ and _these_ are not asterisks", 0),
            ("*café* and *日本語* and *🙂*", 3),
        ],
    )
    def test_counts_spans(self, text, spans):
        assert Highlights(min_count=1).evaluate(text).reason.startswith(f"{spans} highlighted span(s)")

    def test_minimum_is_inclusive(self):
        assert Highlights(min_count=2).evaluate("*a* and *b*").followed
        assert not Highlights(min_count=3).evaluate("*a* and *b*").followed


@pytest.mark.parametrize(
    "factory",
    [
        lambda: Title(style="bold"),
        lambda: Title(style=None),
        lambda: Highlights(min_count=0),
        lambda: Highlights(min_count=51),
        lambda: Highlights(),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


WORD = st.text(alphabet="abcXYZ é", min_size=1, max_size=8).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None, database=None)
@given(words=st.lists(WORD, min_size=1, max_size=6), filler=st.sampled_from([" ", " and ", ", then "]))
def test_every_wrapped_word_is_one_highlight(words, filler):
    text = filler.join(f"*{word}*" for word in words)
    assert Highlights(min_count=len(words)).evaluate(text).followed
    assert not Highlights(min_count=len(words) + 1).evaluate(text).followed


@settings(max_examples=200, deadline=None, database=None)
@given(title=WORD, body=st.text(max_size=40))
def test_a_title_line_is_found_whatever_follows(title, body):
    assert Title().evaluate(f"<<{title}>>\n{body}").followed
