import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnr_dspy.rules.checkers.case import AllUppercase, CapitalWords, capital_words
from rnr_dspy.rules.checkers.punctuation import NoExclamation
from rnr_dspy.rules.checkers.typography import Quoted


class TestAllUppercase:
    @pytest.mark.parametrize("text", ["PACK LIGHT, GO EARLY!", "ÉCOLE ET STRASSE 42", "- ONE\n- TWO", "**BOLD**"])
    def test_capitals_only_pass(self, text):
        assert AllUppercase().evaluate(text).followed

    @pytest.mark.parametrize("text", ["PACK LIGHT, go early", "ALMOST ALL CAPITALß", "école"])
    def test_any_lowercase_letter_fails(self, text):
        assert not AllUppercase().evaluate(text).followed

    @pytest.mark.parametrize("text", ["", "  \n", "42 !?", "日本語", "🙂"])
    def test_text_without_any_capital_fails(self, text):
        result = AllUppercase().evaluate(text)
        assert not result.followed
        assert "0 uppercase" in result.reason


class TestCapitalWords:
    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("", []),
            ("I think A plan works.", []),
            ("NASA's data and the ESA report", ["NASA", "ESA"]),
            ("URGENT: call NOW!", ["URGENT", "NOW"]),
            ("Q3 and P.S. and U.S.A.", []),
            ("ÉCOLE and STRASSE", ["ÉCOLE", "STRASSE"]),
            ("**BOLD** and _LOUD_", ["BOLD", "LOUD"]),
            ("McDonald and iPhone", []),
        ],
    )
    def test_capital_words(self, text, words):
        assert capital_words(text) == words

    def test_at_most(self):
        checker = CapitalWords(relation="at_most", count=1)
        assert checker.evaluate("VERY good").followed
        assert not checker.evaluate("VERY VERY good").followed
        assert CapitalWords(relation="at_most", count=0).evaluate("").followed

    def test_at_least(self):
        checker = CapitalWords(relation="at_least", count=2)
        assert checker.evaluate("VERY VERY good").followed
        assert not checker.evaluate("VERY good").followed

    def test_reason_lists_a_few_words(self):
        result = CapitalWords(relation="at_most", count=1).evaluate("AA BB CC DD EE FF")
        assert result.reason == "6 all-capital word(s) (AA, BB, CC, DD, EE, …); at most 1"

    def test_describe_states_the_relation(self):
        assert "at least 3 words" in CapitalWords(relation="at_least", count=3).describe()


class TestNoExclamation:
    def test_counts_every_exclamation_mark(self):
        result = NoExclamation().evaluate("¡Hola! Great！")
        assert not result.followed
        assert result.reason == "3 exclamation mark(s)"

    def test_calm_text_and_empty_text_follow(self):
        assert NoExclamation().evaluate("Calm. Quiet? Yes.").followed
        assert NoExclamation().evaluate("").followed


class TestQuoted:
    @pytest.mark.parametrize("text", ['"Wrapped."', '  "Wrapped"\n', "“Typographic.”", '"""Triple."""', '"A" and "B"'])
    def test_wrapped_text_passes(self, text):
        assert Quoted().evaluate(text).followed

    @pytest.mark.parametrize("text", ["", '"', '"Open.', 'Close."', "'Single.'", "“Mixed.\"", "«Guillemets.»"])
    def test_unwrapped_text_fails(self, text):
        assert not Quoted().evaluate(text).followed


@pytest.mark.parametrize(
    "factory",
    [
        lambda: CapitalWords(relation="less_than", count=3),
        lambda: CapitalWords(relation="at_most", count=-1),
        lambda: CapitalWords(relation="at_most", count=1001),
        lambda: CapitalWords(count=3),
        lambda: AllUppercase(strict=True),
        lambda: NoExclamation(allow=1),
        lambda: Quoted(style="single"),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(), pad=st.sampled_from(["", " ", "\n", "42 ", " 🙂"]))
def test_all_uppercase_means_a_capital_and_no_lowercase_letter(text, pad):
    expected = any(char.isupper() for char in text) and not any(char.islower() for char in text)
    assert AllUppercase().evaluate(text).followed == expected
    assert AllUppercase().evaluate(pad + text + pad).followed == expected


@settings(max_examples=200, deadline=None, database=None)
@given(words=st.lists(st.sampled_from(["OK", "NASA", "I", "a", "Word", "ÉTÉ", "x1", "THE"]), max_size=12))
def test_capital_words_match_a_direct_count(words):
    expected = sum(1 for word in words if len(word) > 1 and word.isupper() and word.isalpha())
    assert len(capital_words(" ".join(words))) == expected
    assert CapitalWords(relation="at_least", count=expected).evaluate(" ".join(words)).followed
