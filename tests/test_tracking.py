import dspy
from dspy.clients import base_lm
from fake_engine import fake_lm, scripted_engine

from rnr_dspy import RNRProgram
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.program.parses import ParseTracker
from rnr_dspy.runtime.tracking import Ledger


def run_program(engine, tracker):
    usage = Ledger()
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter(), usage_tracker=usage), tracker.counting():
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


def test_the_ledger_counts_calls_and_tokens_per_lm():
    summary = run_program(scripted_engine(), ParseTracker()).summary()
    assert {key: summary[key] for key in ("lm_calls", "input_tokens", "output_tokens", "tokens", "cost_usd")} == {
        "lm_calls": 4, "input_tokens": 40, "output_tokens": 20, "tokens": 60, "cost_usd": None}
    assert summary["per_lm"] == {"fake/model": {"calls": 4, "input_tokens": 40, "output_tokens": 20}}


class _Client:
    def __init__(self):
        self.history = []


def test_the_ledger_prices_every_call_of_a_run_longer_than_dspys_history():
    # DSPy keeps its last 10,000 calls; slicing that history from the run's start lost the oldest calls' cost.
    ledger = Ledger()
    for index in range(base_lm.MAX_HISTORY_SIZE + 100):
        ledger.add_usage("priced/model", {"prompt_tokens": 1, "completion_tokens": 1})
        base_lm.record_history(_Client(), {"uuid": f"call-{index}", "cost": 0.01})
    summary = ledger.summary()
    assert summary["lm_calls"] == 10_100
    assert summary["cost_usd"] == 101.0


def test_the_ledger_does_not_charge_calls_made_before_it_started():
    base_lm.record_history(_Client(), {"uuid": "earlier", "cost": 5.0})
    assert Ledger().summary()["cost_usd"] is None


def test_stages_of_a_loaded_program_keep_their_names():
    # Loading a compiled program gives each predictor a StringSignature copy carrying the saved instructions.
    saved = RNRProgram()
    loaded = RNRProgram()
    loaded.load_state(saved.dump_state())
    assert {p.signature.__name__ for p in loaded.predictors()} == {"StringSignature"}
    tracker = ParseTracker()
    usage = Ledger()
    with dspy.context(lm=fake_lm(scripted_engine()), adapter=StructuredAdapter(), usage_tracker=usage), \
            tracker.counting():
        loaded(instructions=["How do I sear a steak?"])
    assert set(tracker.summary()) == {"GenerateRole", "GenerateRules", "JudgeRuleAdherence", "RespondFollowingRules"}


def test_a_signature_with_an_added_input_is_named_by_the_stage_it_extends():
    from rnr_dspy.program.parses import stage_name
    from rnr_dspy.signatures import RespondFollowingRules

    hinted = RespondFollowingRules.append("hint_", dspy.InputField(), type_=str)  # as Refine asks again
    assert hinted.__name__ == "StringSignature" and stage_name(hinted) == "RespondFollowingRules"
    assert stage_name(dspy.Signature("question -> answer")) == "StringSignature"  # not one of the project's


def test_naming_a_stage_does_not_render_its_signature(monkeypatch):
    from dspy.signatures.signature import SignatureMeta

    from rnr_dspy.program.parses import stage_name
    from rnr_dspy.signatures import RespondFollowingRules

    def costly(signature):  # a signature's text: built on each parse, it cost a run about 1% of its CPU
        raise AssertionError("rendered")

    monkeypatch.setattr(SignatureMeta, "__repr__", costly)
    assert stage_name(RespondFollowingRules) == "RespondFollowingRules"
