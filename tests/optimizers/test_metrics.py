import dspy
import pytest

from rnr_dspy.optimizers.metrics import Adherence, rule_adherence, tally, verdicts_for
from rnr_dspy.types import Rule, RuleVerdict

SHORT = Rule(id="r1", text="Use at most 3 words.", kind="length", check={"name": "max_words", "limit": 3})
NO_COMMAS = Rule(id="r2", text="Never use a comma.", check={"name": "no_commas"})
KIND = Rule(id="r3", text="Be kind.", kind="tone")
POLITE = Rule(id="r4", text="Be polite.", kind="tone")


def judged(rule_id, followed):
    return RuleVerdict(rule_id=rule_id, followed=followed, reason="judge said so", method="judge")


@pytest.mark.parametrize(
    ("adherence", "fraction", "passed"),
    [
        (Adherence(followed=3), 1.0, True),
        (Adherence(followed=3, violated=1), 0.75, False),
        (Adherence(followed=1, violated=1, unknown=2), 0.5, False),
        (Adherence(followed=2, unknown=1), 1.0, False),
        (Adherence(violated=2), 0.0, False),
        (Adherence(unknown=3), 0.0, False),
        (Adherence(), 0.0, False),
    ],
)
def test_adherence_fraction_and_pass(adherence, fraction, passed):
    assert adherence.fraction == pytest.approx(fraction)
    assert adherence.passed is passed


def test_adherence_total_counts_every_verdict():
    assert Adherence(followed=1, violated=2, unknown=3).total == 6


def test_tally_counts_followed_violated_and_unknown():
    verdicts = [judged("a", True), judged("b", False), judged("c", None), judged("d", True)]
    assert tally(verdicts) == Adherence(followed=2, violated=1, unknown=1)


def test_tally_of_nothing_is_empty():
    assert tally([]) == Adherence()
    assert tally(iter([])).total == 0


def test_verdicts_for_verifies_checkable_rules_from_the_response():
    verdicts = verdicts_for([SHORT, NO_COMMAS], "Hi, friend")
    assert [(v.rule_id, v.followed, v.method) for v in verdicts] == [("r1", True, "check"), ("r2", False, "check")]


def test_verdicts_for_overrides_a_judge_that_contradicts_a_check():
    verdicts = verdicts_for([SHORT], "one two three four", [judged("r1", True)])
    assert (verdicts[0].followed, verdicts[0].method) == (False, "check")


def test_verdicts_for_ignores_a_forged_check_verdict():
    forged = RuleVerdict(rule_id="r3", followed=True, reason="trust me", method="check")
    verdicts = verdicts_for([SHORT, KIND], "one two three four", [forged])
    assert [(v.followed, v.method) for v in verdicts] == [(False, "check"), (None, "judge")]


def test_verdicts_for_uses_judge_verdicts_for_rules_without_a_check():
    verdicts = verdicts_for([KIND, POLITE], "whatever", [judged("r4", False), judged("r3", True)])
    assert [(v.rule_id, v.followed, v.method) for v in verdicts] == [("r3", True, "judge"), ("r4", False, "judge")]
    assert verdicts[0].reason == "judge said so"


def test_verdicts_for_marks_a_rule_without_check_or_judge_verdict_unknown():
    verdicts = verdicts_for([KIND, POLITE], "whatever", [judged("r4", True), judged("r9", False)])
    assert verdicts[0].rule_id == "r3"
    assert verdicts[0].followed is None
    assert verdicts[0].reason == "no judge verdict"
    assert verdicts[1].followed is True


def test_verdicts_for_returns_one_verdict_per_rule_in_order():
    rules = [KIND, SHORT, POLITE, NO_COMMAS]
    verdicts = verdicts_for(rules, "ok", [judged("r3", True)])
    assert [v.rule_id for v in verdicts] == ["r3", "r1", "r4", "r2"]


def test_verdicts_for_accepts_any_iterable_of_judge_verdicts():
    verdicts = verdicts_for([KIND], "x", (v for v in [judged("r3", False)]))
    assert verdicts[0].followed is False


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
    assert rule_adherence(dspy.Example(), prediction) == pytest.approx(1.0)
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


def test_rule_adherence_tolerates_missing_fields():
    assert rule_adherence(dspy.Example(), dspy.Prediction()) == 0.0
    assert rule_adherence(dspy.Example(), dspy.Prediction(rules=[SHORT], response=None)) == 1.0
    assert rule_adherence(dspy.Example(), dspy.Prediction(rules=[KIND], response="x", verdicts=None)) == 0.0
