"""The language and script of a response: its language as langdetect finds it (seeded, so verdicts are
reproducible), the script of its letters, plain ASCII."""

from __future__ import annotations

import unicodedata
from typing import ClassVar, Literal, Self

from rnr_dspy.rules.checkers.base import Checker, CheckResult, Draws, Wordings, examples
from rnr_dspy.rules.checkers.lexicon import one_of

__all__ = ["LANGUAGES", "SCRIPTS", "AsciiOnly", "ResponseLanguage", "ScriptOnly"]

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


# Scripts by the prefix of their letters' Unicode names.
SCRIPTS = {"latin": ("LATIN",), "cyrillic": ("CYRILLIC",), "greek": ("GREEK",), "arabic": ("ARABIC",),
           "hebrew": ("HEBREW",), "devanagari": ("DEVANAGARI",), "hangul": ("HANGUL",),
           "japanese": ("HIRAGANA", "KATAKANA", "CJK UNIFIED"), "chinese": ("CJK UNIFIED",)}
Script = Literal["latin", "cyrillic", "greek", "arabic", "hebrew", "devanagari", "hangul", "japanese", "chinese"]
# Common scripts' letters that carry no script name of their own (ideographic iteration mark, prolonged sound mark).
_SCRIPTLESS = frozenset("々ー")
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "...", "\u00a0": " "})


class ResponseLanguage(Checker):
    name: Literal["response_language"] = "response_language"
    lm_choice: ClassVar[int | None] = 19
    family: ClassVar[str | None] = "language"
    language: LanguageCode
    exclusive: ClassVar[bool] = True
    kind: ClassVar[str] = "language"
    draws: ClassVar[Draws] = {"language": one_of(["en", "fr", "es", "de", "it", "pt", "nl"])}
    wordings: ClassVar[Wordings] = {
        "terse": "Language: {language_name} ({language}) only, whatever the user writes in.",
        "prohibitive": "Never reply in any language but {language_name} ({language}), even when the user writes in "
            "another.",
        "third_person": "The assistant always answers in {language_name} ({language}), whatever language the user "
            "uses.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "language_name": LANGUAGES[self.language]}

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


class ScriptOnly(Checker):
    name: Literal["script_only"] = "script_only"
    held_out: ClassVar[bool] = True
    family: ClassVar[str | None] = "language"
    script: Script
    kind: ClassVar[str] = "language"
    local: ClassVar[bool] = True
    draws: ClassVar[Draws] = {"script": one_of(["latin"])}
    wordings: ClassVar[Wordings] = {
        "canonical": "Write only letters of the {script_name} script; no letters from any other script.",
        "terse": "Letters: {script_name} script only.",
        "prohibitive": "Never write a letter from a script other than {script_name}.",
        "third_person": "Every letter the assistant writes belongs to the {script_name} script.",
    }

    def slots(self) -> dict[str, object]:
        return {**super().slots(), "script_name": self.script.capitalize()}

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls(script="latin") if cls(script="latin").evaluate(response).followed else None

    def evaluate(self, response: str) -> CheckResult:
        prefixes = SCRIPTS[self.script]
        letters = [char for char in response if char.isalpha() and char not in _SCRIPTLESS]
        foreign = [char for char in letters if not unicodedata.name(char, "").startswith(prefixes)]
        if not letters:
            return CheckResult(False, "no letters")
        return CheckResult(not foreign, f"{len(foreign)} letter(s) outside the {self.script} script"
                           f"{examples(foreign)}")


class AsciiOnly(Checker):
    name: Literal["ascii_only"] = "ascii_only"
    family: ClassVar[str | None] = "language"
    repair_order: ClassVar[int] = 37
    kind: ClassVar[str] = "language"
    local: ClassVar[bool] = True
    wordings: ClassVar[Wordings] = {
        "canonical": "Use plain ASCII characters only: no accented letters, curly quotes, emoji or other non-ASCII "
            "symbols.",
        "terse": "ASCII only (no accents, curly quotes, emoji or other special symbols).",
        "prohibitive": "Never type a character outside plain ASCII, such as é, “, — or 🙂.",
        "third_person": "The assistant writes in plain ASCII, without accents, curly quotes or emoji.",
    }

    @classmethod
    def read_off(cls, response: str) -> Self | None:
        return cls() if response.strip() and response.isascii() else None

    def evaluate(self, response: str) -> CheckResult:
        found = [char for char in response if not char.isascii()]
        return CheckResult(not found, f"{len(found)} non-ASCII character(s){examples(found)}")

    def _repair(self, response: str) -> str | None:
        decomposed = unicodedata.normalize("NFKD", response.translate(_PLAIN))
        return "".join(char for char in decomposed if not unicodedata.combining(char))
