"""`compile` against a fake OpenAI-compatible server whose replies do not always parse, or whose context a prompt
outgrows: an unparsable reply is one failed example, counted and reported, never the end of the stage; a context
overflow is a `ContextOverflowError` naming the settings to change, raised before spending where it can be known."""

import json

import dspy
import pytest
from fake_openai_server import FakeOpenAIServer, output_field

from rnr_dspy.compile import CompileConfig, make_examples, run_compile
from rnr_dspy.optimizers.context import ContextOverflowError

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


@pytest.fixture(autouse=True)
def no_cache():
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


def _config(tmp_path, server, **overrides):
    return CompileConfig(**{"out": tmp_path / "out", "lm": "openai/fake", "api_base": server.url,
                            "api_key": "sk-test-not-a-secret", "num_retries": 0, "limit": 24, "k": 3,
                            "train_size": 3, "val_size": 2, "user_turns": False, **overrides})


def _training_role_calls(config):
    """Whether a request is a role call for a training group (an optimizer's call, not an evaluation's)."""
    trainset, _, _ = make_examples(config)
    firsts = [" ".join(example.instructions[0].split()[:6]) for example in trainset]

    def is_training_role(body):
        text = " ".join(str(message.get("content")) for message in body.get("messages", []))
        return output_field(body) == "role" and any(first in text for first in firsts)

    return is_training_role


@pytest.mark.parametrize("train_size", [1, 3])
def test_an_unparsable_reply_while_bootstrapping_is_a_failed_example_not_the_end(tmp_path, train_size):
    with FakeOpenAIServer() as server:
        is_training_role = _training_role_calls(_config(tmp_path, server))
        server.fault_for = lambda body: "unparsable" if is_training_role(body) else None
        report = run_compile(_config(tmp_path, server, train_size=train_size))
    assert report.optimize_failures["failed_examples"] == report.train_examples == train_size
    assert "AdapterParseError" in report.optimize_failures["failure_examples"][0]
    assert report.kept == "baseline" and set(report.demos.values()) == {0}  # a failed example keeps no demo
    saved = json.loads((tmp_path / "out" / "compile_report.json").read_text())
    assert saved["optimize_failures"]["failed_examples"] == train_size


def test_a_context_overflow_while_optimizing_stops_at_once_naming_the_settings(tmp_path):
    with FakeOpenAIServer() as server:
        is_training_role = _training_role_calls(_config(tmp_path, server))
        server.fault_for = lambda body: "context_overflow" if is_training_role(body) else None
        with pytest.raises(ContextOverflowError, match=r"maximum context length is 4096.*max_demos, --max-demos"):
            run_compile(_config(tmp_path, server))
        assert sum(map(is_training_role, server.bodies)) == 1  # no call after the first overflow


def test_a_context_overflow_in_the_held_out_evaluation_names_the_settings(tmp_path):
    with FakeOpenAIServer("context_overflow") as server:
        with pytest.raises(ContextOverflowError, match=r"--max-tokens.*--context-window"):
            run_compile(_config(tmp_path, server, optimizer="none"))


def _usage_by_length(server):
    """The server reports a prompt's tokens as a quarter of its characters, as a real one roughly does."""
    healthy = server._healthy

    def answer(body):
        reply = healthy(body)
        reply["usage"]["prompt_tokens"] = len(json.dumps(body["messages"])) // 4
        return reply

    server._healthy = answer


def test_prompts_that_would_outgrow_the_context_window_stop_before_the_optimizer_calls(tmp_path):
    with FakeOpenAIServer() as server:
        _usage_by_length(server)
        is_training_role = _training_role_calls(_config(tmp_path, server))
        with pytest.raises(ContextOverflowError, match=r"2 demo\(s\) .* about \d+ tokens.*window of 1024"):
            run_compile(_config(tmp_path, server, context_window=1024, max_tokens=256))
        assert server.requests > 0 and not any(map(is_training_role, server.bodies))
        report = run_compile(_config(tmp_path, server, context_window=32768, max_tokens=256))
        assert any(map(is_training_role, server.bodies)) and report.optimize_failures["failed_examples"] == 0


def test_the_console_says_how_many_examples_did_not_parse(tmp_path):
    from typer.testing import CliRunner

    from rnr_dspy.cli import app

    with FakeOpenAIServer() as server:
        config = _config(tmp_path, server, train_size=1)
        is_training_role = _training_role_calls(config)
        server.fault_for = lambda body: "unparsable" if is_training_role(body) else None
        result = CliRunner().invoke(app, ["compile", "--out", str(config.out), "--lm", config.lm, "--api-base",
                                          server.url, "--num-retries", "0", "--limit", "24", "--k", "3",
                                          "--train-size", "1", "--val-size", "2", "--no-user-turns"],
                                    env={"RNR_DSPY_API_KEY": "EMPTY"})
    assert result.exit_code == 0, result.output
    assert "0 held out before, 1 while optimizing, 0 held out after" in " ".join(result.output.split())
