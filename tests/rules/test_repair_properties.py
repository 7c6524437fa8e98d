"""Repairs on real answers of the embedded model leave text a person would accept, or give up: no line repeated,
no tag no rule asks for, numbers spelled only where a rule asks and only as words a person writes.

The answers (`fixtures/embedded_answers.jsonl`) are raw samples from `rnr-dspy generate` on the embedded model;
the rules are drawn the way generation draws them, so every repair generation can make is exercised."""

import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnr_dspy.rules import decide
from rnr_dspy.rules.artifacts import repair_artifacts
from rnr_dspy.rules.checkers import SampleContext
from rnr_dspy.rules.repair import repair
from rnr_dspy.rules.sampling import drawable, sample_rules

ANSWERS = [json.loads(line) for line in (Path(__file__).parent / "fixtures" / "embedded_answers.jsonl")
           .read_text(encoding="utf-8").splitlines()]
REPAIRABLE = [checker for checker in drawable(include_held_out=True) if checker.repairable]
SETTINGS = settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(answer=st.sampled_from(ANSWERS), checker=st.sampled_from(REPAIRABLE), seed=st.integers(0, 2**16))
def test_each_checkers_repair_writes_no_artifact(answer, checker, seed):
    check = checker.sample(SampleContext(rng=random.Random(seed), instructions=[answer["user"]]))
    if check is None or check.evaluate(answer["response"]).followed:
        return
    repaired = check.enforce(answer["response"])
    if repaired is not None:
        assert repair_artifacts(answer["response"], repaired, [check]) == [], repaired


@SETTINGS
@given(answer=st.sampled_from(ANSWERS), seed=st.integers(0, 2**16))
def test_repairing_a_drawn_rule_set_writes_no_artifact(answer, seed):
    rules = sample_rules([answer["user"]], "", str(seed))
    verdicts = decide(rules, answer["response"], turn_type=answer["turn_type"])
    for partial in (False, True):
        repaired = repair(answer["response"], rules, verdicts, partial=partial)
        checks = [rule.check for rule in rules]
        assert repaired is None or repair_artifacts(answer["response"], repaired, checks) == []
