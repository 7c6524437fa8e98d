"""Every optimizer preset survives replies that do not parse: each such example fails (scored 0) and is counted;
a context overflow met while optimizing stops the run with `ContextOverflowError`."""

import dspy
import pytest
from fake_engine import fake_lm, scripted_engine

from rnr_dspy import RNRProgram
from rnr_dspy.optimizers import compile_program
from rnr_dspy.optimizers.context import ContextOverflowError
from rnr_dspy.optimizers.failures import FailedExamples
from rnr_dspy.program.adapter import StructuredAdapter

from .test_presets import trainset


def _unparsable_for(user):
    """The rules step's reply for the group whose first prompt is `user`: not JSON; the others' as scripted."""
    good = scripted_engine().answers["rules"]
    return lambda request: "Sure, some rules." if user in request.messages[-1].text else good


@pytest.mark.parametrize(("preset", "options"), [
    ("bootstrap", {}),
    ("mipro", {"auto": "light"}),
    ("gepa", {"max_metric_calls": 12}),
])
def test_every_preset_counts_an_unparsable_reply_as_a_failed_example(preset, options):
    engine = scripted_engine(rules=_unparsable_for(trainset()[0].user),
                             proposed_instruction={"proposed_instruction": "Write precise, checkable rules."})
    engine.answers[None] = "```\nWrite two to five rules, each with a programmatic check.\n```"
    failures = FailedExamples()
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter()):
        compiled = compile_program(RNRProgram(), trainset(), preset=preset, failures=failures, num_threads=1,
                                   reflection_lm=fake_lm(engine), **options)
    assert isinstance(compiled, RNRProgram)
    assert failures.count >= 1 and "AdapterParseError" in failures.summary()["failure_examples"][0]


def test_a_failed_prediction_scores_zero_and_says_why():
    failures = FailedExamples()
    failed = failures.failed({"seed_ids": ["seed-7"]}, ValueError("no JSON here"))
    assert failures.metric(lambda *args: 1.0)(None, failed) == 0.0
    assert failures.metric(lambda *args: True)(None, failed, []) is False  # bootstrapping: keeps no demo
    feedback = failures.feedback_metric(lambda *args: 1.0)(None, failed, None, "p", None)
    assert feedback.score == 0.0 and "seed-7" in feedback.feedback and "did not parse" in feedback.feedback
    assert failures.metric(lambda *args: 0.5)(None, dspy.Prediction(rules=[])) == 0.5


def test_after_a_context_overflow_the_guarded_program_makes_no_more_calls():
    failures = FailedExamples()
    calls = []

    class Overflowing(dspy.Module):
        def forward(self, **inputs):
            calls.append(inputs)
            raise dspy.utils.exceptions.ContextWindowExceededError(model="m", message="prompt too long")

    guarded = failures.guard(Overflowing())
    for _ in range(2):
        with pytest.raises(ContextOverflowError, match="--max-demos"):
            guarded(user="hi")
    assert len(calls) == 1


def test_an_overflow_of_the_optimizers_own_call_is_seen_and_stops_the_program():
    failures = FailedExamples()  # as a DSPy callback: MIPROv2's proposals are LM calls outside the program
    failures.on_lm_end("call-1", None, ValueError("not an overflow"))
    failures.raise_overflow()
    failures.on_lm_end("call-2", None, dspy.utils.exceptions.ContextWindowExceededError(model="m"))
    calls = []
    guarded = failures.guard(dspy.Predict("question -> answer"))
    guarded.program = lambda **inputs: calls.append(inputs)
    with pytest.raises(ContextOverflowError, match="context_window"):
        guarded(question="hi")
    assert calls == []
