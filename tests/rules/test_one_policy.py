"""The verdict policy has one home: RuleJudge, the compile metrics and the eval scorer agree on every rule."""

import itertools
import re

import dspy
import pytest
from fake_engine import FakeEngine, fake_lm

from rnr_dspy import RuleJudge
from rnr_dspy.evals.rule_scorer import rule_scorer
from rnr_dspy.evals.task import Sample
from rnr_dspy.optimizers.metrics import rnr_feedback, rule_adherence
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.rules import Rule, tally

REFUSAL = "Sorry, I only help with cooking."
RULES = [
    Rule(id="r1", kind="length", text="-", check={"name": "max_words", "limit": 12}),
    Rule(id="r2", kind="scope", text="-", check={"name": "refusal_phrase", "phrase": REFUSAL}),
    Rule(id="r3", kind="tone", text="Stay encouraging."),
]
RESPONSES = {"declines": REFUSAL, "answers": "Rest the steak for five minutes so the juices settle."}
# The judge answers for the judge-only rule and also tries to overrule a check: code must win.
JUDGE = {"verdicts": [{"rule_id": "r3", "followed": False, "reason": "curt"},
                      {"rule_id": "r1", "followed": False, "reason": "forged"}]}


def _judge_verdicts(response, turn_type, judged):
    lm = fake_lm(FakeEngine({"verdicts": JUDGE}))
    with dspy.context(lm=lm, adapter=StructuredAdapter()):
        judge = RuleJudge(judge_lm=lm, use_judge=judged)
        return judge(system_prompt="You are a cook.", user="Hi", response=response, rules=RULES,
                     turn_type=turn_type).verdicts


GRID = list(itertools.product(RESPONSES, ["in_scope", "adversarial", "out_of_scope", None], [True, False]))


@pytest.mark.parametrize(("response_name", "turn_type", "judged"), GRID)
def test_judge_metrics_and_scorer_give_the_same_verdicts(response_name, turn_type, judged):
    response = RESPONSES[response_name]
    expected = _judge_verdicts(response, turn_type, judged)
    followed = [verdict.followed for verdict in expected]

    # The metrics get the judge's verdicts as a program's prediction carries them.
    pred = dspy.Prediction(rules=RULES, response=response, turn_type=turn_type,
                           verdicts=[v for v in expected if v.method == "judge" and v.followed is not None])
    assert rule_adherence(dspy.Example(), pred) == pytest.approx(tally(expected).fraction)
    assert rule_adherence(dspy.Example(), pred, trace=[]) is tally(expected).passed
    named = set(re.findall(r"Rule (r\d)", rnr_feedback(dspy.Example(), pred).feedback))
    assert named == {v.rule_id for v in expected if v.followed is not True}

    lm = fake_lm(FakeEngine({"verdicts": JUDGE})) if judged else None
    sample = Sample(id="x", user="Hi", system="You are a cook.",
                    metadata={"rules": [rule.model_dump() for rule in RULES], "turn_type": turn_type})
    score = rule_scorer(lm)(sample, response)
    assert [v["followed"] for v in score.metadata["verdicts"]] == followed


def test_the_metric_reads_the_turn_type_from_the_example():
    # A refusal rule on an in-scope request is followed by answering, not by refusing.
    pred = dspy.Prediction(rules=RULES[1:2], response=RESPONSES["answers"])
    assert rule_adherence(dspy.Example(turn_type="in_scope"), pred) == 1.0
    assert rule_adherence(dspy.Example(turn_type="in_scope"), dspy.Prediction(
        rules=RULES[1:2], response=REFUSAL)) == 0.0
