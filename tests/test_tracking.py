import dspy
from fake_engine import fake_lm, scripted_engine

from rnr_dspy import RNRProgram
from rnr_dspy.adapter import StructuredAdapter
from rnr_dspy.tracking import ParseTracker, usage_summary


def run_program(engine, tracker):
    with dspy.track_usage() as usage, dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter(),
                                                   callbacks=[tracker]):
        try:
            RNRProgram()(instructions=["How do I sear a steak?"])
        except Exception:
            pass
    return usage


def test_each_reply_is_counted_once_per_stage():
    tracker = ParseTracker()
    run_program(scripted_engine(), tracker)
    assert {stage: v["replies"] for stage, v in tracker.summary().items()} == {
        "GenerateRole": 1, "GenerateRules": 1, "JudgeRuleAdherence": 1, "RespondFollowingRules": 1}


def test_a_reply_that_fails_to_parse_is_counted_with_an_example():
    tracker = ParseTracker()
    run_program(scripted_engine(rules="not json"), tracker)
    rules = tracker.summary()["GenerateRules"]
    assert (rules["replies"], rules["parse_failures"], rules["parse_success"]) == (1, 1, 0.0)
    assert rules["failure_examples"] and "RespondFollowingRules" not in tracker.summary()


def test_usage_summary_counts_calls_and_tokens():
    usage = run_program(scripted_engine(), ParseTracker())
    assert usage_summary(usage) == {"lm_calls": 4, "input_tokens": 40, "output_tokens": 20, "tokens": 60}
