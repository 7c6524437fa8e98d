"""Generation for the model under test: the system prompt goes in a real system message, greedy; failures are
recorded per item; a model that does not load fails before the run, naming it."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from echo_model import EchoEngine, echo_generator

from rnr_dspy.errors import LMSpecError
from rnr_dspy.evals.run import evaluate
from rnr_dspy.evals.solvers import make_generator
from rnr_dspy.evals.task import Sample


def test_the_rules_go_in_a_real_system_message_greedy():
    engine = EchoEngine()
    sample = Sample(id="1", system="You are terse.\n\nRules:\n1. Be brief.", user="Hello there")
    [generation] = echo_generator(engine).generate([sample])
    [request] = engine.requests
    assert request.system == sample.system
    assert [(m.role, m.text) for m in request.messages] == [("user", "Hello there")]
    assert request.config.temperature == 0.0 and request.config.max_tokens == 64
    assert generation.text == "Hello there" and generation.output_tokens == 2


def test_an_answer_cut_off_at_the_token_limit_is_flagged_truncated():
    from dspy.lm15 import Message, Response, Usage

    class CutOff(EchoEngine):
        def complete(self, request):
            reason = "length" if "long" in request.messages[-1].text else "stop"
            return Response(id="x", model=request.model, message=Message.assistant("words " * 64),
                            finish_reason=reason, usage=Usage(input_tokens=3, output_tokens=64))

    generations = echo_generator(CutOff()).generate([Sample(id="a", user="a long one"), Sample(id="b", user="hi")])
    assert [g.truncated for g in generations] == [True, False]


def test_a_failed_generation_is_recorded_for_that_item_only():
    samples = [Sample(id="a", user="one"), Sample(id="b", user="FAIL now"), Sample(id="c", user="three")]
    done = []
    generations = echo_generator().generate(samples, done=done.append)
    assert [g.text for g in generations] == ["one", None, "three"]
    assert "the server fell over" in generations[1].error
    assert done == [1, 2, 3]


def test_evaluate_keeps_failed_items_as_undecided_errors():
    from rnr_dspy.evals.rnr_suite import rnr_task

    task = rnr_task(Path(__file__).parent / "suites" / "tiny.jsonl")
    task.dataset[1] = task.dataset[1].model_copy(update={"user": "FAIL please"})
    suite = evaluate(task, echo_generator())
    assert suite.generation_errors == 1 and len(suite.samples) == 3
    assert suite.samples[1].score.value is None and suite.metrics["pass_rate"].unknown >= 1


def test_a_model_path_that_does_not_exist_is_named():
    with pytest.raises(LMSpecError, match="nowhere/model"):
        make_generator("local:/nowhere/model")


def test_a_directory_that_is_not_a_model_is_named(tmp_path):
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LMSpecError, match=str(tmp_path)):
        make_generator(f"local:{tmp_path}")


def test_a_gguf_that_does_not_load_fails_before_the_run(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    with pytest.raises(LMSpecError, match="did not load"):
        make_generator(f"local:{broken}")


def test_a_server_that_does_not_answer_is_named_without_its_password():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(LMSpecError, match=r"did not load or answer|holds a user name and password") as caught:
        make_generator("openai/model", api_base=f"http://me:SECRET@127.0.0.1:{port}/v1", api_key="sk-x")
    assert "SECRET" not in str(caught.value)
