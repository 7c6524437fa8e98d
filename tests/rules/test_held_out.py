"""The held-out rule families: declared in one place, spread across kinds, and kept out of generation."""

from collections import Counter

from rule_cases import CASES

from rnr_dspy.rules import HELD_OUT, Rule, is_held_out
from rnr_dspy.rules.checkers import LM_CHOICES, REGISTRY
from rnr_dspy.rules.hindsight import hindsight_rules

# The first 30 checkers: the shipped benchmark's rules, and what generation has always drawn.
ORIGINAL = set(LM_CHOICES)


def test_held_out_types_are_registered_about_a_fifth_and_spread_across_kinds():
    assert HELD_OUT <= set(REGISTRY)
    assert 0.15 <= len(HELD_OUT) / len(REGISTRY) <= 0.25
    modules = Counter(REGISTRY[name].__module__ for name in HELD_OUT)
    assert len(modules) >= 12 and max(modules.values()) <= 2
    assert len({REGISTRY[name].kind for name in HELD_OUT}) >= 5


def test_no_original_or_lm_offered_type_is_held_out():
    assert not HELD_OUT & ORIGINAL
    assert all(is_held_out(name) == (name in HELD_OUT) for name in REGISTRY)


def test_every_held_out_type_can_be_drawn_when_asked():
    # The evaluation side builds items from these; each must have a sampler and a checkable case.
    assert all(CASES[name][0].phrasings() for name in HELD_OUT)


def test_hindsight_never_reads_off_a_held_out_type_unless_asked():
    # This answer follows several held-out types (bookend word, last word, a question last, max line width).
    response = "Enjoy the pasta.\nBoil water first.\nSalt it well.\nShall we cook and enjoy?"
    kept = [Rule(id="r1", text="-", check={"name": "max_words", "limit": 40})]
    seen, asked = set(), set()
    for seed in range(200):
        rules = hindsight_rules(response, kept, str(seed), total=6) or []
        seen |= {rule.check.name for rule in rules if rule.check}
        rules = hindsight_rules(response, kept, str(seed), total=6, include_held_out=True) or []
        asked |= {rule.check.name for rule in rules if rule.check}
    assert not seen & HELD_OUT
    assert asked & HELD_OUT


def test_a_value_a_checker_reads_off_outside_its_range_is_no_hindsight_rule():
    # The last three "words" are one long link: as an `ends_with` phrase they exceed its 80 characters.
    response = ("Your order ships in two days. Track it on the carrier's page once it leaves the warehouse. "
                "https://example.com/track/" + "a1b2c3" * 15 + " data online.")
    rules = hindsight_rules(response, [], "seed", total=6)
    assert rules and all(rule.check.name != "ends_with" and rule.check.evaluate(response).followed for rule in rules)


def test_the_held_out_and_offered_checkers_are_those_of_earlier_versions():
    # Both sets are now attributes of the checker classes (`held_out`, `lm_choice`); the data depends on them.
    assert sorted(HELD_OUT) == [
        "blockquote", "bookend_word", "checklist", "csv_table", "emoji_count", "ends_with_question",
        "keyword_every_paragraph", "last_word", "max_line_characters", "min_questions", "no_dashes", "qa_pairs",
        "refusal_redirect", "script_only", "title_case_headings", "unit_system", "we_voice", "words_between",
        "yaml_mapping"]
    assert LM_CHOICES == (
        "include_keywords", "forbidden_words", "keyword_frequency", "placeholders", "postscript", "max_words",
        "min_words", "max_sentences", "min_sentences", "max_characters", "starts_with", "ends_with", "no_commas",
        "all_lowercase", "bullet_list", "no_exclamation", "quoted", "all_uppercase", "capital_words",
        "response_language", "title", "highlights", "mentions_name", "sign_off", "refusal_phrase", "numbered_list",
        "bullet_count", "paragraphs", "sections", "json_response")
