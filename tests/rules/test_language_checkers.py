import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from rnr_dspy.rules.checkers.language import LANGUAGES, ResponseLanguage, detect_language

SAMPLES = {
    "en": "The museum opens at nine and the guided tour starts half an hour later.",
    "fr": "Le musée ouvre à neuf heures et la visite guidée commence une demi-heure plus tard.",
    "de": "Das Museum öffnet um neun Uhr und die Führung beginnt eine halbe Stunde später.",
    "es": "El museo abre a las nueve y la visita guiada empieza media hora más tarde.",
    "ja": "博物館は九時に開館し、ガイドツアーはその三十分後に始まります。",
    "zh": "博物馆九点开门，导游带领的参观半小时后开始。",
    "ru": "Музей открывается в девять часов, а экскурсия начинается через полчаса.",
    "hi": "संग्रहालय नौ बजे खुलता है और निर्देशित दौरा आधे घंटे बाद शुरू होता है।",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_each_sample_is_in_its_language_and_in_no_other(code):
    assert ResponseLanguage(language=code).evaluate(SAMPLES[code]).followed
    other = "en" if code != "en" else "fr"
    result = ResponseLanguage(language=other).evaluate(SAMPLES[code])
    assert not result.followed
    assert result.reason.startswith(f"detected {code}")


def test_markdown_noise_does_not_change_the_language():
    text = "## Horaires\n\n- **Ouverture** : neuf heures du matin\n- *Fermeture* : six heures du soir, sauf le mardi"
    assert ResponseLanguage(language="fr").evaluate(text).followed


@pytest.mark.parametrize("text", ["", "   ", "Oui.", "12345 67890", "🙂🙂🙂", "!!! ??? ..."])
def test_short_or_letterless_text_is_not_followed(text):
    result = ResponseLanguage(language="en").evaluate(text)
    assert not result.followed
    assert "too short" in result.reason


def test_undetectable_text_is_not_followed():
    assert detect_language("¬¬¬¬¬¬¬¬¬¬¬¬") is None


def test_detection_is_deterministic():
    mixed = "Hello bonjour hallo hola ciao " * 3
    assert len({detect_language(mixed) for _ in range(5)}) == 1


def test_describe_names_the_language_and_its_code():
    assert ResponseLanguage(language="de").describe().startswith("Always reply in German (de)")


def test_the_codes_are_offered_as_an_enum_in_the_json_schema():
    schema = TypeAdapter(ResponseLanguage).json_schema()
    assert set(schema["properties"]["language"]["enum"]) == set(LANGUAGES)
    assert "zh" in LANGUAGES and "zh-cn" not in LANGUAGES


@pytest.mark.parametrize("code", ["EN", "english", "eng", "zh-cn", "xx", "", None])
def test_unknown_codes_raise_validation_error(code):
    with pytest.raises(ValidationError):
        ResponseLanguage(language=code)


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(max_size=200), code=st.sampled_from(sorted(LANGUAGES)))
def test_evaluate_never_raises_on_any_text(text, code):
    result = ResponseLanguage(language=code).evaluate(text)
    assert isinstance(result.followed, bool)
    assert result.reason
