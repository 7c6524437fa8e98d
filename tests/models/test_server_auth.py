"""A served LM against servers with and without auth (a fake OpenAI-compatible server on 127.0.0.1): no key works
where the server wants none, a refused key says what happened and what to change, and credentials in the
server's address are refused before any call, never echoed."""

import dspy
import pytest
from fake_openai_server import FakeOpenAIServer

from rnr_dspy.errors import LMSpecError
from rnr_dspy.generate import GenerateConfig, run_generate
from rnr_dspy.models.lm import make_lm

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


@pytest.fixture(autouse=True)
def no_cache_no_env_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("RNR_DSPY_API_KEY", raising=False)
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


@pytest.mark.parametrize("model", ["hosted_vllm/served-model", "openai/served-model"])
@pytest.mark.parametrize("key", [None, ""])
def test_a_server_without_auth_is_called_without_a_key(model, key):
    with FakeOpenAIServer() as server:
        lm = make_lm(model, api_base=server.url, api_key=key, num_retries=0, timeout=5)
        assert lm("hello")
        assert server.headers[-1]["authorization"] == "Bearer EMPTY"


def test_a_key_given_is_the_key_sent():
    with FakeOpenAIServer() as server:
        make_lm("hosted_vllm/served-model", api_base=server.url, api_key="sk-right", num_retries=0)("hello")
        assert server.headers[-1]["authorization"] == "Bearer sk-right"


@pytest.mark.parametrize(("key", "advice"), [("sk-wrong", "check the key given with --api-key"),
                                            (None, "it wants an API key: give it with --api-key")])
def test_a_refused_key_says_what_happened_and_what_to_change(key, advice):
    with FakeOpenAIServer() as server:
        server.require_auth = "Bearer sk-right"
        lm = make_lm("openai/served-model", api_base=server.url, api_key=key, num_retries=0)
        with pytest.raises(dspy.utils.exceptions.LMAuthError) as raised:
            lm("hello")
    message = str(raised.value)
    assert message.startswith(f"openai/served-model at {server.url} refused")
    assert "refused the request's credentials (HTTP 401: no reason given)" in message and advice in message
    assert "sk-wrong" not in message


def test_credentials_in_the_server_address_are_refused_before_any_call_and_never_echoed():
    with FakeOpenAIServer() as server:
        address = server.url.replace("http://", "http://alice:SECRET-PW@")
        with pytest.raises(LMSpecError) as raised:
            make_lm("hosted_vllm/served-model", api_base=address)
        assert server.requests == 0
    message = str(raised.value)
    assert "SECRET-PW" not in message and "alice:***@127.0.0.1" in message and "--api-key" in message


def test_generate_against_a_server_without_auth_makes_its_rows(tmp_path):
    with FakeOpenAIServer() as server:
        report = run_generate(GenerateConfig(
            out=tmp_path / "run", lm="hosted_vllm/served-model", api_base=server.url, limit=2, k=2,
            judge_lm="none", rule_source="sampled", user_turns=False, attempts=1))
    assert report.errors == 0 and report.sft_rows == 2


def test_openai_at_a_server_uses_the_environment_key_when_one_is_set(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    with FakeOpenAIServer() as server:
        make_lm("openai/served-model", api_base=server.url, num_retries=0)("hello")
        assert server.headers[-1]["authorization"] == "Bearer sk-from-env"
