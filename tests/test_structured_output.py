"""Structured output against servers that take the JSON schema and servers that refuse it (as llama.cpp's Python
server does): the form each server takes reaches it, for `hosted_vllm/...` and `openai/<custom>` models, and the
refusal costs no row."""

import json

import dspy
import pytest
from fake_openai_server import FakeOpenAIServer, output_field

from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.response_format import forget_servers
from rnr_dspy.models.served import reporting_lm_failures
from rnr_dspy.program.adapter import StructuredAdapter
from rnr_dspy.recipe import Recipe, run_recipe
from rnr_dspy.signatures import GenerateRules

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


@pytest.fixture(autouse=True)
def _fresh_servers():
    forget_servers()
    yield
    forget_servers()


def _structured(server):
    return [body for body in server.bodies if output_field(body) in ("role", "rules", "verdicts")]


def _run(tmp_path, server, lm):
    recipe = Recipe(name="formats", out=tmp_path / "run", lm=lm, stages=["compile", "generate"],
                    isolate_stages=False,
                    compile={"api_base": server.url, "limit": 12, "k": 3, "train_size": 2, "val_size": 1,
                             "optimizer": "none", "user_turns": False, "num_retries": 0},
                    generate={"api_base": server.url, "limit": 6, "k": 3, "attempts": 1, "num_retries": 0,
                              "user_turns": False, "num_threads": 4})
    state = run_recipe(recipe)
    report = json.loads((tmp_path / "run/generate/generate_report.json").read_text())
    return state, report


@pytest.mark.parametrize("lm", ["hosted_vllm/served-teacher", "openai/served-teacher"])
def test_a_server_that_takes_the_schema_gets_it(tmp_path, lm):
    with FakeOpenAIServer() as server:
        server.takes_formats = ("text", "json_object", "json_schema")
        state, report = _run(tmp_path, server, lm)
    assert {stage["status"] for stage in state.values()} == {"done"}
    structured = _structured(server)
    assert structured and {body["response_format"]["type"] for body in structured} == {"json_schema"}
    assert report["missing_rows"] == 0 and report["sft_rows"] > 0


@pytest.mark.parametrize("lm", ["hosted_vllm/served-teacher", "openai/served-teacher"])
def test_a_server_that_refuses_the_schema_gets_json_mode_with_it_and_no_row_is_lost(tmp_path, lm):
    with FakeOpenAIServer() as server:
        server.takes_formats = ("text", "json_object")  # llama.cpp's Python server
        state, report = _run(tmp_path, server, lm)
    assert {stage["status"] for stage in state.values()} == {"done"}
    formats = [body["response_format"] for body in _structured(server)]
    refused = [f for f in formats if f["type"] == "json_schema"]
    # Learnt once per server and process: at most the requests already in flight (4 threads) are refused.
    assert 1 <= len(refused) <= 4
    taken = [f for f in formats if f["type"] == "json_object"]
    assert taken and all(f["schema"]["properties"] for f in taken)  # the schema travels with json_object
    assert report["missing_rows"] == 0 and report["sft_rows"] > 0
    assert report["errors"] == 0 and report["this_run"]["failed_lm_calls"] == 0  # learnt by compile already


@pytest.mark.parametrize(("setting", "sent"), [("json_object", {"type": "json_object"}), ("none", None)])
def test_a_fixed_setting_sends_its_form_to_any_server(setting, sent):
    with FakeOpenAIServer() as server:
        lm = make_lm("openai/served-teacher", api_base=server.url, num_retries=0, structured_output=setting)
        with dspy.context(lm=lm, adapter=StructuredAdapter()):
            dspy.Predict(GenerateRules)(role="You are a careful baker who answers questions about bread.",
                                        seed_instructions=["How long should dough rise?"])
    assert [body.get("response_format") for body in server.bodies] == [sent]


def test_json_schema_fixed_is_not_stepped_down():
    with FakeOpenAIServer() as server:
        server.takes_formats = ("text", "json_object")
        lm = make_lm("openai/served-teacher", api_base=server.url, num_retries=0, structured_output="json_schema")
        with dspy.context(lm=lm, adapter=StructuredAdapter()), pytest.raises(
                Exception, match=r"refused response_format as json_schema \(structured_output: json_schema\); set "
                "structured_output to auto"):
            dspy.Predict(GenerateRules)(role="You are a careful baker who answers questions about bread.",
                                        seed_instructions=["How long should dough rise?"])
    assert {body["response_format"]["type"] for body in server.bodies} == {"json_schema"}


def test_the_refused_request_is_counted_as_a_failed_call_and_the_answer_comes_back():
    failures = []
    with FakeOpenAIServer() as server, reporting_lm_failures(failures.append):
        server.takes_formats = ("text", "json_object")
        lm = make_lm("openai/served-teacher", api_base=server.url, num_retries=0)
        with dspy.context(lm=lm, adapter=StructuredAdapter()):
            rules = dspy.Predict(GenerateRules)(role="You are a careful baker who answers questions about bread.",
                                                seed_instructions=["How long should dough rise?"]).rules
    assert rules and failures == ["openai/served-teacher"]
    assert [body["response_format"]["type"] for body in server.bodies] == ["json_schema", "json_object"]


def test_a_stage_setting_reaches_the_server(tmp_path):
    with FakeOpenAIServer() as server:
        recipe = Recipe(name="formats", out=tmp_path / "run", lm="hosted_vllm/served-teacher", stages=["generate"],
                        isolate_stages=False,
                        generate={"api_base": server.url, "limit": 3, "k": 3, "attempts": 1, "num_retries": 0,
                                  "user_turns": False, "structured_output": "json_object"})
        assert run_recipe(recipe)["generate"]["status"] == "done"
    formats = [body["response_format"] for body in _structured(server)]
    assert formats and all(f == {"type": "json_object"} for f in formats)
