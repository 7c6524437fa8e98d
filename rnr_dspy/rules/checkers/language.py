"""The language a response is written in, detected by langdetect (seeded, so verdicts are reproducible)."""

from __future__ import annotations

from typing import ClassVar, Literal

from rnr_dspy.rules.checkers.base import Checker, CheckResult

__all__ = ["LANGUAGES", "ResponseLanguage"]

# The languages langdetect knows, by ISO 639-1 code ("zh" stands for its zh-cn and zh-tw profiles).
LANGUAGES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French", "gu": "Gujarati", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese",
    "kn": "Kannada", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam",
    "mr": "Marathi", "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "pa": "Punjabi", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "so": "Somali",
    "sq": "Albanian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}
LanguageCode = Literal[
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "gu", "he",
    "hi", "hr", "hu", "id", "it", "ja", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ne", "nl", "no", "pa", "pl",
    "pt", "ro", "ru", "sk", "sl", "so", "sq", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "zh",
]
MIN_LETTERS = 10


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code langdetect finds, or None when the text has no features it can use."""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    try:
        return detect(text).split("-")[0]
    except LangDetectException:
        return None


class ResponseLanguage(Checker):
    name: Literal["response_language"] = "response_language"
    language: LanguageCode
    exclusive: ClassVar[bool] = True
    kind: ClassVar[str] = "language"

    def describe(self) -> str:
        return f"Always reply in {LANGUAGES[self.language]} ({self.language}), whatever language the user writes in."

    def evaluate(self, response: str) -> CheckResult:
        letters = sum(1 for char in response if char.isalpha())
        if letters < MIN_LETTERS:
            return CheckResult(False, f"too short to detect a language ({letters} letters; {MIN_LETTERS} needed)")
        found = detect_language(response)
        if found is None:
            return CheckResult(False, "no language could be detected")
        expected = f"{self.language} ({LANGUAGES[self.language]})"
        return CheckResult(found == self.language, f"detected {found}; expected {expected}")
