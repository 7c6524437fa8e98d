import dspy
import pytest
from fake_engine import fake_lm, scripted_engine

from rnr_dspy import RNRProgram
from rnr_dspy.errors import ConfigError
from rnr_dspy.optimizers import Preset, compile_program, rnr_feedback, rnr_score
from rnr_dspy.program.adapter import StructuredAdapter

INSTRUCTION_GROUPS = [["How do I sear a steak?", "What oil for frying?"], ["How do I boil eggs?", "Soft or hard?"],
                      ["Best knife for herbs?", "How to sharpen?"], ["Freeze bread?", "Thaw it how?"]]


def trainset():
    return [dspy.Example(instructions=group, user=group[0]).with_inputs("instructions", "user")
            for group in INSTRUCTION_GROUPS]


def compile_with(preset, engine, **options):
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter()):
        return compile_program(RNRProgram(), trainset(), preset=preset, **options)


def test_none_returns_an_unoptimized_copy():
    program = RNRProgram()
    compiled = compile_program(program, trainset(), preset="none")
    assert compiled is not program and all(not p.demos for _, p in compiled.named_predictors())


def test_bootstrap_collects_demos_without_touching_the_input_program():
    program = RNRProgram()
    with dspy.context(lm=fake_lm(scripted_engine()), adapter=StructuredAdapter()):
        compiled = compile_program(program, trainset(), preset=Preset.bootstrap, max_demos=2)
    assert len(compiled.responder.respond.demos) == 2
    assert all(not p.demos for _, p in program.named_predictors())


def test_mipro_runs_on_dspy_own_optimizer_offline():
    engine = scripted_engine(proposed_instruction={"proposed_instruction": "Write precise, checkable rules."})
    engine.answers[None] = "Write precise, checkable rules."
    compiled = compile_with("mipro", engine, auto="light", num_threads=1)
    assert isinstance(compiled, RNRProgram)


def test_gepa_needs_a_reflection_lm():
    with pytest.raises(ConfigError, match="reflection LM"):
        compile_program(RNRProgram(), trainset(), preset="gepa")


def test_gepa_runs_with_a_reflection_lm_and_a_metric_call_budget():
    reflection = scripted_engine()
    reflection.answers[None] = "```\nWrite two to five rules, each with a programmatic check.\n```"
    compiled = compile_with("gepa", scripted_engine(), reflection_lm=fake_lm(reflection), max_metric_calls=12)
    assert isinstance(compiled, RNRProgram)


def test_an_empty_trainset_is_refused():
    with pytest.raises(ConfigError, match="at least one training example"):
        compile_program(RNRProgram(), [], preset="bootstrap")


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError):
        compile_program(RNRProgram(), trainset(), preset="magic")


def test_metrics_have_the_arities_dspy_optimizers_expect():
    pred = dspy.Prediction(rules=[], response="", verdicts=[])
    assert rnr_score(None, pred) == 0.0 and rnr_score(None, pred, trace=[]) is False
    feedback = rnr_feedback(None, pred, None, "responder.respond", None)
    assert feedback.score == 0.0 and "0 rules" in feedback.feedback


def test_bootstrap_retries_failed_examples_for_more_rounds():
    answers = iter([{"response": "Well, no."}] * 4 + [{"response": "Sure, rest it five minutes."}] * 40)
    engine = scripted_engine(response=lambda request: next(answers))
    with dspy.context(lm=fake_lm(engine), adapter=StructuredAdapter()):
        one_round = compile_program(RNRProgram(), trainset()[:2], preset="bootstrap", max_rounds=1)
        assert len(one_round.responder.respond.demos) == 0
        two_rounds = compile_program(RNRProgram(), trainset()[:2], preset="bootstrap", max_rounds=2)
    assert len(two_rounds.responder.respond.demos) >= 1
