"""The served recipe's code path, compile then generate, against a fake OpenAI-compatible server on 127.0.0.1
started without auth: `hosted_vllm/...` with no key, the schema sent, every stage done, no secret written."""

import json

import dspy
import pytest
from fake_openai_server import FakeOpenAIServer, output_field

from rnr_dspy.errors import LMSpecError
from rnr_dspy.recipe import Recipe, run_recipe

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def test_compile_and_generate_run_against_a_server_without_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("RNR_DSPY_API_KEY", raising=False)
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    with FakeOpenAIServer() as server:
        served = {"api_base": server.url.replace("127.0.0.1", "me:SECRET-PW@127.0.0.1"), "num_retries": 0}
        recipe = Recipe(name="served", out=tmp_path / "run", lm="hosted_vllm/served-teacher",
                        stages=["compile", "generate"], isolate_stages=False, program={"user_turns": False},
                        compile={"api_base": server.url, "limit": 12, "k": 3, "train_size": 2, "val_size": 1,
                                 "optimizer": "none"},
                        generate={"api_base": server.url, "limit": 6, "k": 3, "attempts": 1})
        state = run_recipe(recipe)
        assert {stage: state[stage]["status"] for stage in state} == {"compile": "done", "generate": "done"}
        assert server.requests > 0 and {h["authorization"] for h in server.headers} == {"Bearer EMPTY"}
        structured = [body for body in server.bodies if output_field(body) in ("rules", "verdicts")]
        assert structured and all(body["response_format"]["type"] == "json_schema" for body in structured)
        with pytest.raises(LMSpecError, match=r"me:\*\*\*@127\.0\.0\.1.* holds a user name and password"):
            run_recipe(recipe.model_copy(update={"generate": {**recipe.generate, **served}}), force=["generate"])
    report = json.loads((tmp_path / "run/generate/generate_report.json").read_text())
    assert report["missing_rows"] == 0 and report["sft_rows"] > 0
    assert not [p for p in (tmp_path / "run").rglob("*") if p.is_file() and b"SECRET-PW" in p.read_bytes()]
