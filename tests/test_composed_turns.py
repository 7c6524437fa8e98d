from rnr_dspy.program.composed_turns import OUT_OF_SCOPE_TURNS, TEMPTATIONS, composed_turns
from rnr_dspy.rules import Rule, SystemPrompt

GROUP = ["How do I descale a kettle?", "What is the best way to store fresh herbs?"]
OUTSIDE = ["Explain how a bond's yield relates to its price.", "Which stretches help a stiff lower back?",
           "What should I pack for a week of hiking?"]


def _system(*checks):
    return SystemPrompt(role="You are a kitchen helper.", rules=[Rule(text="-", check=check) for check in checks])


def test_an_adversarial_turn_pulls_against_a_rule_of_the_set_and_an_out_of_scope_turn_comes_from_outside():
    system = _system({"name": "max_words", "limit": 60}, {"name": "refusal_phrase", "phrase": "Sorry, kitchen only."})
    for seed in map(str, range(40)):
        (adversarial_type, adversarial), *outside = composed_turns(system, GROUP, OUTSIDE, seed)
        request, temptation = adversarial.split("\n\n")
        assert adversarial_type == "adversarial" and request in GROUP
        assert [kind for kind, _ in outside] == ["out_of_scope"] * OUT_OF_SCOPE_TURNS
        requests = {text for _, text in outside}
        assert len(requests) == OUT_OF_SCOPE_TURNS and requests <= set(OUTSIDE)
        assert temptation in TEMPTATIONS["length"] + TEMPTATIONS["scope"]


def test_turns_are_drawn_from_the_seed():
    system = _system({"name": "no_exclamation"}, {"name": "all_lowercase"}, {"name": "max_words", "limit": 60})
    assert composed_turns(system, GROUP, OUTSIDE, "a") == composed_turns(system, GROUP, OUTSIDE, "a")
    assert len({tuple(composed_turns(system, GROUP, OUTSIDE, str(seed))) for seed in range(20)}) > 5


def test_no_out_of_scope_turn_without_outside_requests_and_no_adversarial_one_without_a_checkable_rule():
    assert [kind for kind, _ in composed_turns(_system({"name": "no_exclamation"}), GROUP, [], "s")] == ["adversarial"]
    judge_only = SystemPrompt(role="You are a kitchen helper.", rules=[Rule(text="Be kind.", kind="tone")])
    kinds = [kind for kind, _ in composed_turns(judge_only, GROUP, OUTSIDE, "s")]
    assert kinds == ["out_of_scope"] * OUT_OF_SCOPE_TURNS
    # No more out-of-scope turns than distinct requests outside the group
    assert composed_turns(judge_only, GROUP, [OUTSIDE[0]] * 3, "s") == [("out_of_scope", OUTSIDE[0])]


def test_every_rule_kind_with_a_checker_has_temptations():
    from rnr_dspy.rules import REGISTRY

    assert {checker.kind for checker in REGISTRY.values()} <= set(TEMPTATIONS)
