"""Sampled system prompts: a scope rule and 1 to 6 compatible rules from the whole registry, worded by seed, never
of a held-out type unless asked."""

import itertools
from collections import Counter

import pytest

from rnr_dspy.optimizers.rule_quality import rule_set_quality
from rnr_dspy.rules import decide
from rnr_dspy.rules.checkers import REGISTRY
from rnr_dspy.rules.compat import conflicts
from rnr_dspy.rules.held_out import HELD_OUT
from rnr_dspy.rules.repair import repair
from rnr_dspy.rules.sampling import MAX_EXTRA_RULES, sample_rules

GROUPS = [
    (["How do I make a basic pan sauce from the browned bits left in the skillet?",
      "Why should a steak rest after cooking, and for how long?"], "home-cooking"),
    (["What should I pack for three days of hiking in Iceland?", "Is a rail pass worth it in Switzerland?"], "travel"),
    (["Explain how compound interest works.", "Should I pay off my credit card or save first?"], "cluster-4"),
    ([], ""),
]
# Pairs no response can satisfy together, written out independently of the declared families.
CONTRADICTIONS = [
    {"all_lowercase", "all_uppercase"}, {"bullet_list", "numbered_list"}, {"bullet_list", "no_lists"},
    {"json_response", "starts_with"}, {"json_response", "bullet_list"}, {"quoted", "ends_with"},
    {"quoted", "starts_with"}, {"tagged_wrapper", "sign_off"}, {"yaml_mapping", "json_response"},
    {"no_markdown", "highlights"}, {"no_markdown", "markdown_table"}, {"first_person", "no_first_person"},
    {"no_digits", "numbered_list"}, {"no_digits", "min_numbers"}, {"min_words", "max_words"},
    {"paragraphs", "max_paragraphs"}, {"starts_with", "first_word"}, {"ends_with", "sign_off"},
    {"ends_with", "postscript"}, {"title", "starts_with"},
]
BANS = {"no_commas": ",", "no_exclamation": "!", "no_digits": "0123456789", "no_semicolons": ";"}
BASE = ("A pan sauce starts with the browned bits in the skillet. Pour in a splash of stock and scrape the pan. "
        "Let it simmer until it thickens a little. Stir in a knob of cold butter at the end. Season it with salt "
        "and pepper. Spoon it over the steak once the meat has rested for five minutes.")


def _samples(count, **options):
    for seed, (instructions, theme) in zip(range(count), itertools.cycle(GROUPS)):
        yield sample_rules(instructions, theme, str(seed), **options)


def _texts(check):
    values = check.model_dump().values()
    return [str(item) for value in values for item in (value if isinstance(value, list) else [value])]


def test_ten_thousand_sampled_prompts_hold_no_conflict_and_no_held_out_type():
    used, sizes, styles = Counter(), Counter(), Counter()
    for rules in _samples(10_000):
        checks = [rule.check for rule in rules]
        names = {check.name for check in checks}
        assert not names & HELD_OUT
        assert [rule.kind for rule in rules].count("scope") == 1 and rules[-1].kind == "scope"
        assert len(names) == len(rules)
        assert conflicts(checks) == []
        assert not any(pair <= names for pair in CONTRADICTIONS), names
        for ban, marks in BANS.items():
            if ban in names:
                assert not any(mark in text for check in checks if check.name != ban for text in _texts(check)
                               if text in check.required_text() for mark in marks), names
        quality = rule_set_quality(rules, max_rules=MAX_EXTRA_RULES + 1)
        assert quality.problems == [], quality.problems
        assert [rule.id for rule in rules] == [f"r{i}" for i in range(1, len(rules) + 1)]
        sizes[len(rules)] += 1
        used.update(names)
        styles.update(rule.check.wording_of(rule.text) for rule in rules)
    assert set(sizes) == set(range(2, MAX_EXTRA_RULES + 2))
    assert set(used) == set(REGISTRY) - HELD_OUT
    assert None not in styles and len(styles) == 5


def test_parameters_come_from_ranges_and_word_lists_not_fixed_pools():
    values = {name: set() for name in ("starts_with", "ends_with", "sign_off", "max_words", "include_keywords",
                                       "refusal_phrase", "forbidden_words")}
    for rules in _samples(3000):
        for rule in rules:
            if rule.check.name in values:
                values[rule.check.name].add(rule.check.model_dump_json())
    assert all(len(found) >= 12 for found in values.values()), {name: len(v) for name, v in values.items()}
    assert len(values["starts_with"]) >= 60


def test_the_same_seed_gives_the_same_rules_and_seeds_vary_them():
    instructions, theme = GROUPS[0]
    assert sample_rules(instructions, theme, "a") == sample_rules(instructions, theme, "a")
    assert len({tuple(rule.text for rule in sample_rules(instructions, theme, str(i))) for i in range(50)}) == 50


def test_held_out_types_are_drawn_only_when_asked():
    names = {rule.check.name for rules in _samples(3000, include_held_out=True) for rule in rules}
    assert HELD_OUT <= names


def test_a_refusal_names_the_theme_unless_it_is_a_cluster():
    texts = {rule.check.phrase for i in range(300) for rule in sample_rules([], "home-cooking", str(i))
             if rule.check.name == "refusal_phrase"}
    assert "Sorry, I can only help with home cooking." in texts
    clusters = {rule.text for i in range(300) for rule in sample_rules([], "cluster-3", str(i))}
    assert not any("cluster" in text for text in clusters)


def test_most_fully_repairable_prompts_are_satisfiable_by_repairing_a_plain_answer():
    # A witness that sampled rules can hold together: the repairs alone make one answer follow all of them.
    satisfied = total = 0
    for rules in _samples(1500):
        if not all(rule.check.repairable or rule.check.evaluate(BASE).followed for rule in rules):
            continue
        total += 1
        fixed = repair(BASE, rules, decide(rules, BASE, turn_type="in_scope")) or BASE
        satisfied += all(verdict.followed for verdict in decide(rules, fixed, turn_type="in_scope"))
    assert total >= 250 and satisfied / total >= 0.85, (satisfied, total)


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_sampled_rule_texts_are_wordings_of_their_checks(seed):
    for rule in sample_rules(*GROUPS[1], seed):
        assert rule.check.wording_of(rule.text) is not None and len(rule.text) <= 200
