"""DSPy's model-table lookup runs once per model, not on every call of a served LM."""

import dspy
import pytest
from fake_openai_server import FakeOpenAIServer

from rnr_dspy.models.lm import make_lm
from rnr_dspy.models.model_table import _PATCHED_MODULES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def test_a_self_served_model_is_looked_up_in_the_model_table_once(monkeypatch):
    import importlib

    import dspy.clients.model_metadata as metadata

    lookups = []

    def counted(provider, model, *, namespaces=None):
        lookups.append(model)
        return metadata.model_info(provider, model, namespaces=namespaces)

    for name in _PATCHED_MODULES:  # DSPy's own lookup, counted, wherever DSPy calls it
        monkeypatch.setattr(importlib.import_module(name), "model_info", counted)
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    with FakeOpenAIServer() as server:
        lm = make_lm("hosted_vllm/my-self-served-model", api_base=server.url, cache=False)
        answers = [lm(f"hello {n}") for n in range(6)]
        assert server.requests == 6 and all(answers)
    assert 1 <= len(lookups) <= len(_PATCHED_MODULES)  # DSPy looks it up twice a call without the memo


def test_each_caller_gets_its_own_copy():
    from dspy.clients import capabilities

    from rnr_dspy.models.model_table import memoize_model_info

    memoize_model_info()
    first = capabilities.model_info("openai-chat", "gpt-4o-mini")
    first["supports_response_schema"] = "changed"
    assert capabilities.model_info("openai-chat", "gpt-4o-mini").get("supports_response_schema") != "changed"


@pytest.mark.parametrize(("model", "sent"), [("hosted_vllm/my-self-served-model", "json_schema"),
                                             ("openai/my-self-served-model", "json_schema")])
def test_a_self_served_model_gets_the_response_schema(model, sent):
    from rnr_dspy.program.adapter import StructuredAdapter
    from rnr_dspy.program.modules import RoleGenerator

    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    with FakeOpenAIServer() as server:
        with dspy.context(lm=make_lm(model, api_base=server.url, num_retries=0), adapter=StructuredAdapter()):
            role = RoleGenerator()(instructions=["How do I bake bread at home?"]).role
        assert role and (server.bodies[-1].get("response_format") or {}).get("type") == sent
