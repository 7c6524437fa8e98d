import dspy

from rnr_dspy import Rule
from rnr_dspy.optimizers import rnr_feedback, rnr_score, rule_set_quality


def checked(rule_id, check, text="t"):
    return Rule(id=rule_id, text=text, check=check)


SOUND = [checked("r1", {"name": "max_words", "limit": 50}), checked("r2", {"name": "no_commas"}),
         Rule(id="r3", text="Stay kind.", kind="tone")]


def test_a_sound_rule_set_scores_one():
    quality = rule_set_quality(SOUND)
    assert quality.score == 1.0 and quality.problems == []


def test_too_few_or_too_many_rules_is_a_problem():
    assert "1 rules; expected 2 to 5" in rule_set_quality(SOUND[:1]).problems
    many = [checked(f"r{i}", {"name": "max_words", "limit": 10 + i}) for i in range(6)]
    assert rule_set_quality(many).problems[0].startswith("6 rules")


def test_duplicate_checks_and_duplicate_texts_are_problems():
    rules = [checked("r1", {"name": "no_commas"}), checked("r2", {"name": "no_commas"}),
             Rule(id="r3", text="Be kind."), Rule(id="r4", text="be  KIND.")]
    problems = rule_set_quality(rules).problems
    assert "r2 repeats r1" in problems and "r4 repeats r3" in problems


def test_mostly_judge_only_rules_are_a_problem():
    rules = [Rule(id="r1", text="Be kind."), Rule(id="r2", text="Be warm."), checked("r3", {"name": "no_commas"})]
    assert any("programmatic check" in p for p in rule_set_quality(rules).problems)


def test_each_problem_takes_a_quarter_and_the_score_never_goes_negative():
    rules = [Rule(id=f"r{i}", text="same") for i in range(7)]
    assert rule_set_quality(rules).score == 0.0


def test_rnr_score_multiplies_adherence_by_rule_quality():
    rules = [checked("r1", {"name": "no_commas"}), checked("r2", {"name": "no_commas"})]
    pred = dspy.Prediction(rules=rules, response="no commas here", verdicts=[])
    assert rnr_score(None, pred) == 0.75  # both followed, one duplicate
    assert rnr_score(None, pred, trace=[]) is False  # a flawed rule set never makes a demo


def test_feedback_names_violated_and_undecided_rules_and_rule_set_problems():
    pred = dspy.Prediction(rules=SOUND, response="Well, this has a comma.", verdicts=[])
    feedback = rnr_feedback(None, pred, None, None, None)
    assert "Rule r2" in feedback.feedback and "violated" in feedback.feedback and "1 comma" in feedback.feedback
    assert "Rule r3" in feedback.feedback and "undecided" in feedback.feedback
    assert "Rule r1" not in feedback.feedback
    assert feedback.score == rnr_score(None, pred)


def test_banning_only_non_words_is_trivial():
    junk = {"name": "forbidden_words", "words": ["]]}, {", "##"]}
    rules = [checked("r1", junk), checked("r2", {"name": "no_commas"})]
    assert rule_set_quality(rules).problems == ["r1 is trivially satisfied (forbidden_words)"]
    real = [checked("r1", {"name": "forbidden_words", "words": ["guarantee"]}), checked("r2", {"name": "no_commas"})]
    assert rule_set_quality(real).problems == []
