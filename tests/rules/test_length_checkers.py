import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnr_dspy.rules.checkers import count_words
from rnr_dspy.rules.checkers.length import MaxCharacters, MaxSentences, MinSentences, count_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("", 0),
        ("   \n\t", 0),
        ("...", 0),
        ("Hello world", 1),
        ("Go early. Take water.", 2),
        ("Really?! Yes. Ok!!!", 3),
        ("A fragment at the end. Without a stop", 2),
        ("Line one\nline two\nline three.", 1),
        ("Dr. Lee met Mrs. Park at 9 a.m. today.", 1),
        ("J. R. R. Tolkien wrote it. Many read it.", 2),
        ("Apples, pears, etc. and plums. Then more.", 2),
        ("Apples, pears, etc. The rest is fine.", 2),
        ("See e.g. the docs. Done.", 2),
        ("Wait... what? Fine.", 2),
        ("Prices rose 3.5 percent. Wages did not.", 2),
        ('He said "Go." Then he left.', 2),
        ("**Bold claim.** Then proof.", 2),
        ("1. Preheat the oven.\n2. Bake the cake.\n3) Serve.", 3),
        ("It happened in 2020. Then it ended.", 2),
        ("今日は晴れ。明日は雨。", 2),
        ("¿Qué tal? ¡Muy bien!", 2),
    ],
)
def test_count_sentences(text, sentences):
    assert count_sentences(text) == sentences


def test_count_words_keeps_combining_marks_inside_their_word():
    assert count_words("नमस्ते दुनिया") == 2
    assert count_words("cafe\u0301 ok") == 2
    assert count_words("日本語の本") == 1


class TestSentenceLimits:
    def test_limits_are_inclusive(self):
        assert MaxSentences(limit=2).evaluate("One. Two.").followed
        assert MinSentences(limit=2).evaluate("One. Two.").followed
        assert not MaxSentences(limit=1).evaluate("One. Two.").followed
        assert not MinSentences(limit=3).evaluate("One. Two.").followed

    def test_reason_has_the_count_and_the_limit(self):
        assert MaxSentences(limit=1).evaluate("One. Two.").reason == "2 sentence(s); the limit is 1"
        assert MinSentences(limit=3).evaluate("One.").reason == "1 sentence(s); the minimum is 3"

    def test_empty_response(self):
        assert MaxSentences(limit=1).evaluate("").followed
        assert not MinSentences(limit=1).evaluate("").followed

    def test_markdown_list_without_stops_is_one_sentence(self):
        assert MaxSentences(limit=1).evaluate("- pack\n- go\n- enjoy").followed

    def test_describe_uses_the_singular_for_one(self):
        assert MaxSentences(limit=1).describe() == "Answer in at most 1 sentence."
        assert "at least 3 sentences" in MinSentences(limit=3).describe()


class TestMaxCharacters:
    def test_surrounding_whitespace_does_not_count(self):
        assert MaxCharacters(limit=3).evaluate("\n  abc \n").followed

    def test_inner_spaces_count(self):
        result = MaxCharacters(limit=3).evaluate("a b c")
        assert not result.followed
        assert result.reason == "5 characters; the limit is 3"

    def test_characters_are_code_points(self):
        assert MaxCharacters(limit=3).evaluate("日本語").followed
        assert MaxCharacters(limit=1).evaluate("🙂").followed

    def test_empty_response_follows(self):
        assert MaxCharacters(limit=1).evaluate("").followed


@pytest.mark.parametrize(
    "factory",
    [
        lambda: MaxSentences(limit=0),
        lambda: MaxSentences(limit=201),
        lambda: MinSentences(limit="few"),
        lambda: MinSentences(),
        lambda: MaxCharacters(limit=0),
        lambda: MaxCharacters(limit=50_001),
        lambda: MaxCharacters(limit=10, unit="bytes"),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


TEXT = st.lists(st.sampled_from([*"ab .!?…。\n\t\"')*1-", "Dr", "etc", "e.g", "A", "3.5"]), max_size=40).map("".join)


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.one_of(st.text(), TEXT), pad=st.sampled_from(["", " ", "\n\n", "\t "]))
def test_sentence_count_is_bounded_by_words_and_ignores_padding(text, pad):
    sentences = count_sentences(text)
    assert 0 <= sentences <= count_words(text)
    assert count_sentences(pad + text + pad) == sentences


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.one_of(st.text(), TEXT), limit=st.integers(1, 20))
def test_max_and_min_sentences_agree_with_count_sentences(text, limit):
    sentences = count_sentences(text)
    assert MaxSentences(limit=limit).evaluate(text).followed == (sentences <= limit)
    assert MinSentences(limit=limit).evaluate(text).followed == (sentences >= limit)
