import dspy
import pytest

from rnr_dspy.optimizers.metrics import judged_rules, rule_adherence
from rnr_dspy.program.answer import Answer
from rnr_dspy.rules import Rule, RuleVerdict

SHORT = Rule(id="r1", text="Use at most 3 words.", kind="length", check={"name": "max_words", "limit": 3})
NO_COMMAS = Rule(id="r2", text="Never use a comma.", check={"name": "no_commas"})
KIND = Rule(id="r3", text="Be kind.", kind="tone")
POLITE = Rule(id="r4", text="Be polite.", kind="tone")


def judged(rule_id, followed):
    return RuleVerdict(rule_id=rule_id, followed=followed, reason="judge said so", method="judge")


def pred(rules, response, verdicts=()):
    return dspy.Prediction(rules=list(rules), response=response, verdicts=list(verdicts))


def test_rule_adherence_is_a_fraction_without_trace():
    score = rule_adherence(dspy.Example(), pred([SHORT, NO_COMMAS, KIND], "a, b", [judged("r3", True)]))
    assert isinstance(score, float)
    assert score == pytest.approx(2 / 3)


def test_rule_adherence_is_all_followed_with_trace():
    passing = pred([SHORT, KIND], "hello there", [judged("r3", True)])
    failing = pred([SHORT, KIND], "hello there", [judged("r3", False)])
    assert rule_adherence(dspy.Example(), passing, trace=[]) is True
    assert rule_adherence(dspy.Example(), failing, trace=[]) is False


def test_rule_adherence_with_trace_fails_when_a_verdict_is_unknown():
    prediction = pred([SHORT, KIND], "hello there")
    assert rule_adherence(dspy.Example(), prediction) == pytest.approx(0.5)
    assert rule_adherence(dspy.Example(), prediction, trace=[]) is False


def test_rule_adherence_rechecks_instead_of_trusting_the_judge():
    prediction = pred([SHORT], "one two three four five", [judged("r1", True)])
    assert rule_adherence(dspy.Example(), prediction) == 0.0
    assert rule_adherence(dspy.Example(), prediction, trace=[]) is False


def test_rule_adherence_accepts_rules_and_verdicts_as_plain_dicts():
    rules = [SHORT.model_dump(), KIND.model_dump(), {"id": "r5", "text": "No commas.", "check": {"name": "no_commas"}}]
    verdicts = [judged("r3", False).model_dump(), {"rule_id": "r5", "followed": False, "reason": "", "method": "check"}]
    prediction = pred(rules, "short reply", verdicts)
    assert rule_adherence(dspy.Example(), prediction) == pytest.approx(2 / 3)
    assert rule_adherence(dspy.Example(), prediction, trace=[]) is False


def test_rule_adherence_with_an_invalid_check_dict_falls_back_to_the_judge():
    rules = [{"id": "r1", "text": "Be brief.", "check": {"name": "max_words", "limit": 0}}]
    prediction = pred(rules, "one two three", [judged("r1", True)])
    assert rule_adherence(dspy.Example(), prediction) == 1.0


def test_rule_adherence_with_zero_rules_scores_nothing():
    assert rule_adherence(dspy.Example(), pred([], "anything")) == 0.0
    assert rule_adherence(dspy.Example(), pred([], "anything"), trace=[]) is False


def test_rule_adherence_without_a_response_leaves_every_rule_unknown():
    prediction = dspy.Prediction(rules=[NO_COMMAS, SHORT], response=None)
    assert rule_adherence(dspy.Example(), prediction) == 0.0
    assert rule_adherence(dspy.Example(), dspy.Prediction(rules=[NO_COMMAS])) == 0.0
    _, verdicts = judged_rules(prediction)
    assert [v.followed for v in verdicts] == [None, None]


def test_rule_adherence_scores_an_empty_response_as_an_answer():
    assert rule_adherence(dspy.Example(), dspy.Prediction(rules=[NO_COMMAS], response="")) == 1.0


def test_rule_adherence_without_rules_raises():
    with pytest.raises(ValueError, match="no `rules`"):
        rule_adherence(dspy.Example(), dspy.Prediction(response="a, b"))


def test_rule_adherence_without_verdicts_leaves_judge_rules_unknown():
    assert rule_adherence(dspy.Example(), dspy.Prediction(rules=[KIND], response="x", verdicts=None)) == 0.0


def test_rule_adherence_of_an_answer_without_attempts_leaves_its_rules_unknown():
    answers = [Answer(turn_type="in_scope", user="Hi", attempts=[])]
    assert rule_adherence(dspy.Example(), dspy.Prediction(rules=[NO_COMMAS], answers=answers)) == 0.0
