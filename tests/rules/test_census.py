from rnr_dspy.rules import Rule, normalize_rules
from rnr_dspy.rules.census import rule_census
from rnr_dspy.rules.checkers.length import MaxWords
from rnr_dspy.rules.checkers.punctuation import NoCommas


def test_rule_types_and_wordings_are_counted_over_every_set():
    check = MaxWords(limit=40)
    sets = [
        [Rule(text=check.phrasings()["terse"], check=check), Rule(text="Be kind.")],
        normalize_rules([Rule(text="-", check=NoCommas()), Rule(text="-", check=check)]),
        [Rule.model_construct(text="Short, please.", check=check, kind="length", id="r1")],  # a text of its own
    ]
    census = rule_census(sets)
    assert census["rule_types"] == {"max_words": 3, "no_commas": 1}
    assert census["rule_wordings"] == {"canonical": 2, "terse": 1, "other": 1}
    assert census["judge_only_rules"] == 1
