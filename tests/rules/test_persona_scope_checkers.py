import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnr_dspy.rules.checkers.persona import MentionsName, SignOff
from rnr_dspy.rules.checkers.scope import RefusalPhrase


class TestMentionsName:
    @pytest.mark.parametrize("text", ["I'm Ava.", "Ava here!", "— **Ava**", "This is Ava's advice.", "Ava\nguide"])
    def test_the_name_as_a_whole_word_passes(self, text):
        assert MentionsName(persona="Ava").evaluate(text).followed

    @pytest.mark.parametrize("text", ["", "I'm Avalon.", "I'm ava.", "Java is fun.", "I'm your guide."])
    def test_missing_name_fails(self, text):
        result = MentionsName(persona="Ava").evaluate(text)
        assert not result.followed
        assert result.reason == '"Ava" mentioned 0 time(s)'

    def test_multi_word_and_unicode_names(self):
        assert MentionsName(persona="Zoë  Ångström").evaluate("I am Zoë\nÅngström.").followed
        assert MentionsName(persona="小林").evaluate("こんにちは、小林です。").followed
        assert MentionsName(persona="小林").evaluate("こんにちは 小林 です").followed


class TestSignOff:
    def test_the_phrase_on_its_own_final_line_passes(self):
        checker = SignOff(phrase="Safe travels, Ava")
        assert checker.evaluate("Go in May.\n\nSafe travels, Ava\n\n").followed
        assert checker.evaluate("Go in May.\n*Safe travels, Ava*").followed
        assert checker.evaluate("Go in May.\nSafe travels,\nAva").followed
        assert checker.evaluate("Safe travels, Ava").followed

    def test_the_phrase_elsewhere_fails(self):
        checker = SignOff(phrase="Safe travels, Ava")
        assert not checker.evaluate("Safe travels, Ava\nGo in May.").followed
        assert not checker.evaluate("Go in May. Safe travels, Ava").followed
        assert not checker.evaluate("Go in May.\nSafe travels, Ava.").followed
        assert not checker.evaluate("Go in May.\nsafe travels, ava").followed
        assert not checker.evaluate("").followed

    def test_reason_shows_the_last_line(self):
        assert SignOff(phrase="Bye").evaluate("Hi\nCiao").reason == "last line is 'Ciao'"


class TestRefusalPhrase:
    PHRASE = "I can only help with travel questions."

    def test_the_phrase_anywhere_passes(self):
        checker = RefusalPhrase(phrase=self.PHRASE)
        assert checker.evaluate(self.PHRASE).followed
        assert checker.evaluate(f"Sorry!\n\n{self.PHRASE} Try a travel agent.").followed

    def test_blanks_and_typographic_quotes_are_normalised(self):
        checker = RefusalPhrase(phrase="I’m only able to help with   travel.")
        assert checker.evaluate("Sorry, I'm only able\nto help with travel.").followed

    def test_a_paraphrase_fails(self):
        checker = RefusalPhrase(phrase=self.PHRASE)
        for text in ["", "I can only help with travel.", "i can only help with travel questions.", "Sure! Code."]:
            result = checker.evaluate(text)
            assert not result.followed
            assert result.reason == "the exact refusal phrase is missing"

    def test_describe_says_when_it_applies(self):
        assert RefusalPhrase(phrase=self.PHRASE).describe() == (
            f'When a request is outside your scope, reply with "{self.PHRASE}"'
        )


@pytest.mark.parametrize(
    "factory",
    [
        lambda: MentionsName(persona=""),
        lambda: MentionsName(persona="x" * 81),
        lambda: MentionsName(name="Ava"),
        lambda: SignOff(phrase="  "),
        lambda: SignOff(),
        lambda: RefusalPhrase(phrase=""),
        lambda: RefusalPhrase(phrase="x" * 161),
    ],
)
def test_invalid_parameters_raise_validation_error(factory):
    with pytest.raises(ValidationError):
        factory()


PHRASE = st.text(alphabet="abc XYZ,.!é’", min_size=1, max_size=20).filter(lambda s: any(c.isalnum() for c in s))


@settings(max_examples=200, deadline=None, database=None)
@given(phrase=PHRASE, body=st.text(max_size=40))
def test_a_response_ending_with_the_sign_off_line_passes(phrase, body):
    assert SignOff(phrase=phrase).evaluate(f"{body}\n{phrase}\n").followed


@settings(max_examples=200, deadline=None, database=None)
@given(phrase=PHRASE, before=st.text(max_size=30), after=st.text(max_size=30))
def test_a_response_containing_the_refusal_passes(phrase, before, after):
    assert RefusalPhrase(phrase=phrase).evaluate(f"{before} {phrase} {after}").followed
