"""The structured output a served LM sends: each setting's form, and `auto` stepping down per server on a refusal
that names response_format (remembered for that server only)."""

import pytest
from dspy.utils.exceptions import LMServerError

from rnr_dspy.models.response_format import StructuredOutputs, forget_servers

SCHEMA = {"type": "object", "properties": {"rules": {"type": "array"}}, "required": ["rules"]}
SENT = {"response_format": {"type": "json_schema", "json_schema": {"name": "Out", "schema": SCHEMA, "strict": True}},
        "max_tokens": 64}
LLAMA_CPP_PYTHON = ("1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}")
A = "http://127.0.0.1:8000/v1"
B = "http://127.0.0.1:8001/v1"


@pytest.fixture(autouse=True)
def _fresh():
    forget_servers()
    yield
    forget_servers()


def refusal(text=LLAMA_CPP_PYTHON, status=500):
    return LMServerError(text, model="openai/x", status=status)


@pytest.mark.parametrize(("setting", "sent"), [
    ("json_schema", SENT["response_format"]),
    ("json_object", {"type": "json_object"}),
    ("none", None),
])
def test_a_fixed_setting_sends_its_form_and_never_steps_down(setting, sent):
    outputs = StructuredOutputs(setting, served_at_api_base=False)
    kwargs, form = outputs.prepare(A, SENT)
    assert kwargs.get("response_format") == sent and kwargs["max_tokens"] == 64
    assert outputs.declares_schema and not outputs.refused(refusal(), A, form, kwargs)


def test_auto_steps_down_per_server_on_a_refusal_naming_response_format():
    outputs = StructuredOutputs("auto", served_at_api_base=True)
    kwargs, form = outputs.prepare(A, SENT)
    assert kwargs["response_format"]["type"] == "json_schema"
    assert outputs.refused(refusal(), A, form, kwargs)
    kwargs, form = outputs.prepare(A, SENT)
    assert kwargs["response_format"] == {"type": "json_object", "schema": SCHEMA}  # llama.cpp's Python server's form
    assert outputs.prepare(B, SENT)[0]["response_format"]["type"] == "json_schema"  # another server: untouched
    # A later LM of the same server starts where the first one left off.
    assert StructuredOutputs("auto", served_at_api_base=True).prepare(A, SENT)[1] == "json_object_schema"
    assert outputs.refused(refusal("response_format: unknown key 'schema'", 400), A, form, kwargs)
    assert outputs.prepare(A, SENT)[0]["response_format"] == {"type": "json_object"}
    kwargs, form = outputs.prepare(A, SENT)
    assert outputs.refused(refusal("response_format is not supported", 400), A, form, kwargs)
    kwargs, form = outputs.prepare(A, SENT)
    assert "response_format" not in kwargs and not outputs.refused(refusal(), A, form, kwargs)


def test_requests_refused_together_step_down_once():
    outputs = StructuredOutputs("auto", served_at_api_base=True)
    first, second = outputs.prepare(A, SENT), outputs.prepare(A, SENT)
    assert outputs.refused(refusal(), A, first[1], first[0])
    assert outputs.refused(refusal(), A, second[1], second[0])  # asked again, in the form the first found
    assert outputs.form(A) == "json_object_schema"


@pytest.mark.parametrize("error", [
    refusal("internal error"),  # a failure that says nothing of the format
    refusal("rate limited: response_format", 429),
    refusal("invalid api key (response_format)", 401),
])
def test_other_failures_do_not_step_down(error):
    outputs = StructuredOutputs("auto", served_at_api_base=True)
    kwargs, form = outputs.prepare(A, SENT)
    assert not outputs.refused(error, A, form, kwargs) and outputs.form(A) == "json_schema"


def test_auto_without_an_api_base_leaves_the_choice_to_dspy():
    outputs = StructuredOutputs("auto", served_at_api_base=False)
    assert not outputs.declares_schema and outputs.prepare("", SENT)[0] is SENT
    assert not outputs.refused(refusal(), "", "json_schema", SENT)


def test_a_request_without_a_format_is_left_alone():
    outputs = StructuredOutputs("json_object", served_at_api_base=True)
    assert outputs.prepare(A, {"max_tokens": 8})[0] == {"max_tokens": 8}


def test_an_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="structured_output 'grammar': use auto, json_schema, json_object or none"):
        StructuredOutputs("grammar", served_at_api_base=True)  # type: ignore[arg-type]
