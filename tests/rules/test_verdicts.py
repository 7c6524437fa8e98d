import pytest

from rnr_dspy.rules import Adherence, Rule, RuleVerdict, decide, tally
from rnr_dspy.rules.verdicts import NO_JUDGE, NO_VERDICT

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
        (Adherence(followed=1, violated=1, unknown=2), 0.25, False),
        (Adherence(followed=2, unknown=1), 2 / 3, False),
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


def test_decide_verifies_checkable_rules_from_the_response():
    verdicts = decide([SHORT, NO_COMMAS], "Hi, friend")
    assert [(v.rule_id, v.followed, v.method) for v in verdicts] == [("r1", True, "check"), ("r2", False, "check")]


def test_decide_overrides_a_judge_that_contradicts_a_check():
    verdicts = decide([SHORT], "one two three four", judged=[judged("r1", True)])
    assert (verdicts[0].followed, verdicts[0].method) == (False, "check")


def test_decide_ignores_a_forged_check_verdict():
    forged = RuleVerdict(rule_id="r3", followed=True, reason="trust me", method="check")
    verdicts = decide([SHORT, KIND], "one two three four", judged=[forged])
    assert [(v.followed, v.method) for v in verdicts] == [(False, "check"), (None, "judge")]


def test_decide_uses_judge_verdicts_for_rules_without_a_check():
    verdicts = decide([KIND, POLITE], "whatever", judged=[judged("r4", False), judged("r3", True)])
    assert [(v.rule_id, v.followed, v.method) for v in verdicts] == [("r3", True, "judge"), ("r4", False, "judge")]
    assert verdicts[0].reason == "judge said so"


def test_decide_marks_a_rule_without_check_or_judge_verdict_unknown():
    verdicts = decide([KIND, POLITE], "whatever", judged=[judged("r4", True), judged("r9", False)])
    assert verdicts[0].rule_id == "r3"
    assert verdicts[0].followed is None
    assert verdicts[0].reason == NO_VERDICT
    assert verdicts[1].followed is True


def test_decide_returns_one_verdict_per_rule_in_order():
    rules = [KIND, SHORT, POLITE, NO_COMMAS]
    verdicts = decide(rules, "ok", judged=[judged("r3", True)])
    assert [v.rule_id for v in verdicts] == ["r3", "r1", "r4", "r2"]


def test_decide_accepts_any_iterable_of_judge_verdicts():
    verdicts = decide([KIND], "x", judged=(v for v in [judged("r3", False)]))
    assert verdicts[0].followed is False


def test_decide_without_a_judge_says_so():
    verdicts = decide([KIND], "x")
    assert (verdicts[0].followed, verdicts[0].reason) == (None, NO_JUDGE)


def test_an_unknown_verdict_never_raises_the_score():
    known = tally([judged("a", True), judged("b", False)])
    with_unknowns = tally([judged("a", True), judged("b", False), judged("c", None), judged("d", None)])
    assert with_unknowns.fraction < known.fraction


@pytest.mark.parametrize(("adherence", "outcome"), [
    (Adherence(followed=2), 1.0), (Adherence(followed=2, unknown=1), None), (Adherence(violated=1, unknown=1), 0.0),
])
def test_outcome_is_pass_fail_or_undecided(adherence, outcome):
    assert adherence.outcome == outcome
