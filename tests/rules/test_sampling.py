import pytest

from rnr_dspy.optimizers.rule_quality import rule_set_quality
from rnr_dspy.rules.sampling import sample_rules

INSTRUCTIONS = ["How do I make a basic pan sauce?", "Why should a steak rest after cooking?"]


@pytest.mark.parametrize("seed", [str(i) for i in range(200)])
def test_sampled_rule_sets_are_sound(seed):
    rules = sample_rules(INSTRUCTIONS, "cooking", seed)
    assert rule_set_quality(rules).problems == [] and all(rule.checkable for rule in rules)
    assert [rule.id for rule in rules] == [f"r{i}" for i in range(1, len(rules) + 1)]


def test_the_same_seed_gives_the_same_rules_and_seeds_vary_them():
    assert sample_rules(INSTRUCTIONS, "cooking", "a") == sample_rules(INSTRUCTIONS, "cooking", "a")
    assert len({tuple(r.text for r in sample_rules(INSTRUCTIONS, "cooking", str(i))) for i in range(50)}) > 30


def test_a_refusal_names_the_theme_unless_it_is_a_cluster():
    texts = {rule.text for i in range(60) for rule in sample_rules(INSTRUCTIONS, "home-cooking", str(i))}
    assert 'When a request is outside your scope, reply with "Sorry, I can only help with home cooking."' in texts
    clusters = {rule.text for i in range(60) for rule in sample_rules(INSTRUCTIONS, "cluster-3", str(i))}
    assert not any("cluster" in text for text in clusters)
